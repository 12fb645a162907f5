"""Layer and optimizer weights in HDF5 groups, in the tf.keras 2.x layout, so weight files and the
`model_weights`/`optimizer_weights` groups of model files move both ways between kerasx and tf.keras:

    <group>.attrs: layer_names [b'dense', ...], backend, keras_version
    <group>/<layer name>.attrs: weight_names [b'dense/kernel:0', b'dense/bias:0']
    <group>/<layer name>/<weight name>    (so 'dense/dense/kernel:0': weight names contain a '/')
    optimizer_weights.attrs: weight_names [b'Adam/iter:0', b'Adam/dense/kernel/m:0', ...]

Weight values pass through as the NumPy arrays h5py reads and `Variable.numpy()` returns; this module
does no arithmetic, so it needs no array library of its own. Each dataset kerasx writes carries a CRC-32
(`checksums`), verified on loading; every read goes through `damage.reading`, so a damaged file raises
one `DamagedFileError` naming the layer and weight, and no weight is assigned unless all were read.
"""
import logging

import h5py  # host-side file I/O: weight values go between Variables and the file as NumPy arrays

from kerasx.saving.checksums import stamp_dataset, verify_dataset
from kerasx.saving.damage import DamagedFileError, filename_of, reading
from kerasx.saving.writer import __version__, writer_backend

_logger = logging.getLogger("kerasx")

# HDF5 keeps attributes in the object header, which holds at most 64 KiB; tf.keras splits longer
# name lists into attributes 'name0', 'name1', ...
HDF5_OBJECT_HEADER_LIMIT = 64512


# ---------------------------------------------------------------- name-list attributes
def save_attributes_to_hdf5_group(group, name, data):
    """Stores the list `data` (of bytes) as attribute `name`, split into chunks as tf.keras does when
    it would overflow the object header."""
    bad = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if bad:
        raise RuntimeError("The following attributes cannot be saved to HDF5 file because they are larger "
                           f"than {HDF5_OBJECT_HEADER_LIMIT} bytes: {bad}")
    num_chunks = 1
    chunks = [list(data)]
    while any(_fixed_length_nbytes(c) > HDF5_OBJECT_HEADER_LIMIT for c in chunks):
        num_chunks += 1
        chunks = _array_split(list(data), num_chunks)
    if num_chunks > 1:
        for chunk_id, chunk in enumerate(chunks):
            # tf.keras writes each chunk as a NumPy fixed-length bytes array.
            width = max(1, max(len(x) for x in chunk))
            group.attrs.create(f"{name}{chunk_id}", chunk, dtype=h5py.string_dtype("ascii", width))
    else:
        group.attrs[name] = data


def load_attributes_from_hdf5_group(group, name):
    """The list attribute `name` (joined from its chunks if it was split), as `str`s."""
    if name in group.attrs:
        return [_to_str(n) for n in group.attrs[name]]
    data = []
    chunk_id = 0
    while f"{name}{chunk_id}" in group.attrs:
        data.extend(_to_str(n) for n in group.attrs[f"{name}{chunk_id}"])
        chunk_id += 1
    return data


def _to_str(value):
    return value.decode("utf8") if hasattr(value, "decode") else value


def _fixed_length_nbytes(chunk):
    # The size of the fixed-length bytes array NumPy would make of `chunk` (tf.keras's measure).
    return len(chunk) * max([1] + [len(x) for x in chunk])


def _array_split(items, n):
    # numpy.array_split's partition: the first len % n parts get one extra item.
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        stop = start + size + (1 if i < extra else 0)
        out.append(items[start:stop])
        start = stop
    return out


# ---------------------------------------------------------------- layer weights
def layer_weights(layer):
    """A layer's weights in saving order: trainable, then non-trainable (tf.keras's legacy order)."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _layers_of(model):
    return list(model.layers) if hasattr(model, "layers") else list(model)


def save_weights_to_hdf5_group(f, model):
    """Writes every layer of `model` (or of a list of layers), including layers with no weights, as
    one group each, with the root attributes tf.keras writes."""
    layers = _layers_of(model)
    for layer in layers:
        _check_state_in_variables(layer)
    save_attributes_to_hdf5_group(f, "layer_names", [layer.name.encode("utf8") for layer in layers])
    f.attrs["backend"] = writer_backend().encode("utf8")
    f.attrs["keras_version"] = __version__.encode("utf8")
    # Sorted by name, as tf.keras does, so group names grow strictly (HDF5 prefix issues).
    for layer in sorted(layers, key=lambda x: x.name):
        g = f.create_group(layer.name)
        weights = layer_weights(layer)
        _write_values(g, [w.name.encode("utf8") for w in weights], weights,
                      f'the layer "{layer.name}"')


def _check_state_in_variables(layer):
    """Refuses a layer whose state is not all in Variables (an adapted StringLookup's vocabulary), as
    tf.keras refuses to write it to HDF5, rather than writing a file that loads without it."""
    outside = getattr(layer, "_state_outside_variables", None)
    for sublayer in [] if outside else getattr(layer, "_sublayers", []):
        _check_state_in_variables(sublayer)
    if outside:
        # ValueError, where tf.keras raises NotImplementedError: kerasx keeps that for abstract methods.
        raise ValueError(
            f'Cannot save layer "{layer.name}" ({type(layer).__name__}) to HDF5: {outside} is not held in '
            "Variables, and HDF5 weight files hold only Variables (tf.keras refuses it too). Pass the "
            "vocabulary as an argument instead, e.g. `vocabulary=layer.get_vocabulary()`, so that it travels "
            "in the layer's config.")


def _write_values(group, names, variables, owner):
    duplicates = sorted({n.decode("utf8") for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"Cannot save {owner}: several of its weights are named {duplicates[0]!r}, and "
                         "HDF5 stores each weight under its name. Give its weights unique names.")
    save_attributes_to_hdf5_group(group, "weight_names", names)
    for name, var in zip(names, variables):
        value = var.numpy()
        dset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if not value.shape:
            dset[()] = value
        else:
            dset[:] = value
        stamp_dataset(dset, value)


def _layer_names(f, filepath):
    """The saved layer names of weights group `f`; a group without them is not a Keras weights group."""
    with reading(filepath, "the layer names (the 'layer_names' attribute)"):
        if "layer_names" not in f.attrs and "layer_names0" not in f.attrs:
            raise DamagedFileError(filepath, "it has no 'layer_names' attribute, which every Keras weights "
                                             "file has", other_format_possible=True)
        return load_attributes_from_hdf5_group(f, "layer_names")


def _saved_datasets(f, layer_name, filepath):
    """[(weight name, h5py dataset, shape)] of the saved layer `layer_name`, in saved order; the values
    are read later (`_read_value`), once their shapes are known to fit."""
    with reading(filepath, f'the weights of layer "{layer_name}"'):
        g = f[layer_name]
        weight_names = load_attributes_from_hdf5_group(g, "weight_names")
    datasets = []
    for weight_name in weight_names:
        with reading(filepath, f'the weight "{weight_name}" of layer "{layer_name}"'):
            dataset = g[weight_name]
            datasets.append((weight_name, dataset, tuple(dataset.shape)))
    return datasets


def _read_value(dataset, filepath, what):
    with reading(filepath, what):
        value = dataset[()]
        verify_dataset(dataset, value, filepath, what)  # its mismatch error passes through `reading`
    return value


def _count_error(k, layer, expected, received):
    return ValueError(f'Layer #{k} (named "{layer.name}") expects {expected} weight(s), but the saved '
                      f"weights have {received} element(s).")


def _shape_error(k, layer, variable, saved_shape):
    return ValueError(f'Layer #{k} (named "{layer.name}"), weight {variable.name} has shape '
                      f"{tuple(variable.shape)}, but the saved weight has shape {saved_shape}.")


def load_weights_from_hdf5_group(f, model):
    """Loads weights saved by `save_weights_to_hdf5_group` (by kerasx or tf.keras), matching the
    layers that have weights by their order. Every count and shape is checked before any weight is
    assigned."""
    layers = [layer for layer in _layers_of(model) if layer_weights(layer)]
    filepath = filename_of(f)
    saved = []  # (layer name, its datasets) of the saved layers that have weights
    for name in _layer_names(f, filepath):
        datasets = _saved_datasets(f, name, filepath)
        if datasets:
            saved.append((name, datasets))
    if len(saved) != len(layers):
        raise ValueError(f"You are trying to load a weight file containing {len(saved)} layers "
                         f"into a model with {len(layers)} layers.")
    pairs = []
    for k, ((name, datasets), layer) in enumerate(zip(saved, layers)):
        variables = layer_weights(layer)
        if len(datasets) != len(variables):
            raise _count_error(k, layer, len(variables), len(datasets))
        for variable, (weight_name, dataset, shape) in zip(variables, datasets):
            if not variable.accepts_shape(shape):
                raise _shape_error(k, layer, variable, shape)
            pairs.append((variable, dataset, f'the weight "{weight_name}" of layer "{name}"'))
    _assign_all(pairs, filepath)
    _finalize(layers)


def _finalize(layers):
    """Lets layers whose state derives from their weights (tf.keras's preprocessing layers and their
    `finalize_state`, e.g. Discretization's bin boundaries from its summary) recompute it."""
    for layer in layers:
        finalize = getattr(layer, "finalize_state", None)
        if callable(finalize):
            finalize()


def load_weights_from_hdf5_group_by_name(f, model, skip_mismatch=False):
    """Loads weights into the layers whose names match a saved layer's; with `skip_mismatch`, layers
    whose weight count or shapes differ are skipped (with a warning) instead of raising."""
    index = {}
    for layer in _layers_of(model):
        index.setdefault(layer.name, []).append(layer)
    filepath = filename_of(f)
    pairs = []
    for k, name in enumerate(_layer_names(f, filepath)):
        datasets = _saved_datasets(f, name, filepath)
        for layer in index.get(name, []):
            variables = layer_weights(layer)
            if len(datasets) != len(variables):
                if skip_mismatch:
                    _logger.warning(f"Skipping loading of weights for layer {layer.name} due to mismatch in "
                                    f"number of weights ({len(variables)} vs {len(datasets)}).")
                    continue
                raise _count_error(k, layer, len(variables), len(datasets))
            for variable, (weight_name, dataset, shape) in zip(variables, datasets):
                if not variable.accepts_shape(shape):
                    if skip_mismatch:
                        _logger.warning(f"Skipping loading of weights for layer {layer.name} due to mismatch "
                                        f"in shape ({tuple(variable.shape)} vs {shape}).")
                        continue
                    raise _shape_error(k, layer, variable, shape)
                pairs.append((variable, dataset, f'the weight "{weight_name}" of layer "{name}"'))
    _assign_all(pairs, filepath)
    _finalize([layer for layers_named in index.values() for layer in layers_named])


def _assign_all(pairs, filepath):
    # Every value is read (and its checksum verified) before the first is assigned: a damaged weight
    # late in the file leaves the model as it was.
    values = [_read_value(dataset, filepath, what) for _, dataset, what in pairs]
    for (variable, _, _), value in zip(pairs, values):
        variable.assign(value)


# ---------------------------------------------------------------- optimizer weights
def optimizer_variables(optimizer):
    """The optimizer's state in Keras 2 order: iterations first, then the slots."""
    weights = optimizer.weights
    return list(weights() if callable(weights) else weights)


def save_optimizer_weights_to_hdf5_group(hdf5_group, optimizer):
    """Writes group `optimizer_weights` (nothing when the optimizer has no state yet, as tf.keras)."""
    variables = optimizer_variables(optimizer)
    if variables:
        group = hdf5_group.create_group("optimizer_weights")
        _write_values(group, [v.name.encode("utf8") for v in variables], variables,
                      f"the optimizer {type(optimizer).__name__}")


def load_optimizer_weights_from_hdf5_group(hdf5_group):
    """The saved optimizer state values, in their saved order."""
    filepath = filename_of(hdf5_group)
    with reading(filepath, "the optimizer's weight names"):
        group = hdf5_group["optimizer_weights"]
        names = load_attributes_from_hdf5_group(group, "weight_names")
    values = []
    for name in names:
        what = f'the optimizer weight "{name}"'
        with reading(filepath, what):
            dataset = group[name]
        values.append(_read_value(dataset, filepath, what))
    return values
