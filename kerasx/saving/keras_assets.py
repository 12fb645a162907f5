"""Lookup layers' adapted vocabularies in `.keras` archives, as Keras 3 and tf.keras 2.13+ keep them:
``assets/<the layer's path>/vocabulary.txt``, the special tokens first, one token a line (no final
newline), and with ``output_mode='tf_idf'`` the idf weights as ``<path>/vars/idf_weights`` in the weights
file (`IndexLookup.save_assets` / `save_own_variables`; FeatureSpace archives only: a model's archive
refuses an adapted tf_idf lookup, `check_model_vocabularies`). A layer given its `vocabulary` as an argument
writes none: its config holds it. A vocabulary is not in Variables, so without this a reloaded
StringLookup would map every token to the OOV index. Used by model archives (`keras_archive`) and by
FeatureSpace's (`utils/feature_space_saving`)."""
from kerasx.saving.damage import reading
from kerasx.saving.keras_zip import JSON_LIMIT

VOCABULARY_NAME = "vocabulary.txt"


def is_vocabulary_layer(layer):
    return callable(getattr(layer, "get_vocabulary", None)) and callable(getattr(layer, "set_vocabulary", None))


def _idf_layer(layer):
    """The lookup holding `layer`'s idf weights: itself, or a TextVectorization's inner lookup."""
    for candidate in (layer, getattr(layer, "_lookup_layer", None)):
        if candidate is not None and getattr(candidate, "output_mode", None) == "tf_idf":
            return candidate
    return None


def has_idf(layer):
    return _idf_layer(layer) is not None


def adapted_vocabulary_layers(pairs):
    """The ``(path, layer)`` of `pairs` whose vocabulary the archive carries: lookups (StringLookup,
    IntegerLookup, TextVectorization) not given a `vocabulary`, and not inside another such layer (a
    TextVectorization writes its inner lookup's vocabulary under its own path, as Keras 3's)."""
    out = []
    for path, layer in pairs:
        if not is_vocabulary_layer(layer) or getattr(layer, "input_vocabulary", None) is not None:
            continue
        if any(path.startswith(outer + "/") for outer, _ in out):
            continue
        out.append((path, layer))
    return out


def check_model_vocabularies(pairs):
    """Refuses, before anything is written, a model whose adapted lookup has idf weights: its model
    archive cannot restore them yet (the vocabulary alone would give other outputs)."""
    for path, layer in adapted_vocabulary_layers(pairs):
        if has_idf(layer):
            raise ValueError(
                f"Cannot save layer {layer.name!r} ({type(layer).__name__}, output_mode='tf_idf') in a "
                "`.keras` model archive: its adapted idf weights are not restored from one yet. Pass "
                "`vocabulary=` and `idf_weights=` as arguments (they travel in its config), or save "
                "the weights with `save_weights`.")


def vocabulary_member(path):
    return f"assets/{path}/{VOCABULARY_NAME}" if path else f"assets/{VOCABULARY_NAME}"


def vocabulary_assets(pairs):
    """{archive member: bytes} of the vocabularies of `adapted_vocabulary_layers(pairs)`."""
    assets = {}
    for path, layer in adapted_vocabulary_layers(pairs):
        tokens = layer.get_vocabulary(include_special_tokens=True)
        assets[vocabulary_member(path)] = "\n".join(str(t) for t in tokens).encode("utf-8")
    return assets


def read_vocabulary(archive, member, layer, bad, noun="layer"):
    """The tokens of `member` for `layer` (ints for an IntegerLookup); `bad(archive, what)` makes the
    error a damaged or foreign archive raises; `noun` is what the message calls the layer."""
    if not archive.has(member):
        raise bad(archive, f"it has no {member!r}, the vocabulary of the {noun} {layer.name!r}.")
    with reading(archive.filepath, f"the member {member!r}"), archive.open_member(member) as f:
        data = f.read(JSON_LIMIT + 1)
        if len(data) > JSON_LIMIT:
            raise bad(archive, f"its member {member!r} is over the limit of {JSON_LIMIT} bytes.")
        text = data.decode("utf-8")
    lines = text.split("\n")  # no final newline: the last line is the last token
    if getattr(layer, "vocabulary_dtype", "string") == "string":
        return lines
    try:
        return [int(line) for line in lines]
    except ValueError:
        raise bad(archive, f"its member {member!r} should hold integers, one a line (the vocabulary of "
                           f"the IntegerLookup {layer.name!r}); it starts {text[:80]!r}.") from None


def load_vocabulary(archive, f, path, layer, bad, noun="layer"):
    """Sets `layer`'s vocabulary (and idf weights) from the archive: its asset and the weights file `f`'s
    ``<path>/vars/idf_weights``."""
    tokens = read_vocabulary(archive, vocabulary_member(path), layer, bad, noun)
    if has_idf(layer):
        with reading(archive.filepath, f"the idf weights of the {noun} {layer.name!r}"):
            dataset = f.get(f"{path}/vars/idf_weights" if path else "vars/idf_weights")
            idf = None if dataset is None else dataset[()]
        if idf is None:
            raise bad(archive, f"it has no idf weights for the {noun} {layer.name!r} (output_mode 'tf_idf').")
        layer.set_vocabulary(tokens, idf_weights=idf[:len(tokens)])
    else:
        layer.set_vocabulary(tokens)


def load_vocabularies(archive, f, pairs, bad):
    """Sets the vocabulary of every adapted lookup of `pairs` whose asset the archive holds (a layer that
    was never adapted has none, and stays as it is)."""
    for path, layer in adapted_vocabulary_layers(pairs):
        if archive.has(vocabulary_member(path)):
            load_vocabulary(archive, f, path, layer, bad)
