"""`FeatureSpace.save('fs.keras')` and `load_model('fs.keras')` for a FeatureSpace, in tf.keras 2.21's
layout (`saving_lib.save_model` on the FeatureSpace, which is a Layer there), so that files go both
ways between kerasx and tf_keras:

    config.json       {"module": "keras.utils", "class_name": "FeatureSpace", "config": {features:
                      {name: Feature envelope (its preprocessor's layer envelope inside)}, crosses: [Cross
                      envelopes], output_mode, crossing_dim, ...}, "build_config": {name: {input_shape}}}
    model.weights.h5  vars/ (empty), concat/vars, crossers/<class>/vars, one_hot_encoders/<class>[_k]/vars
                      (all empty), preprocessors/<class>[_k]/vars/<i>: each preprocessor's own variables
                      (Normalization's mean, variance, count; Discretization's quantile summary), the
                      layers of a dict numbered by snake-cased class name in the dict's order
    assets/preprocessors/<class>[_k]/vocabulary.txt   an adapted lookup's vocabulary, special tokens
                      first, one token a line (no final newline), as tf.keras writes it

The state is restored without adapting again: the variables assigned, Discretization's boundaries
derived from its summary (tf_keras 2.21 itself leaves them empty on loading, so its reloaded
FeatureSpace puts every value in bin 0; kerasx derives them, as after `set_weights`), the vocabularies
set. Everything the archive says is checked before the FeatureSpace is handed back."""
import datetime

import h5py  # host-side file I/O

from kerasx.saving.damage import reading
from kerasx.saving.hdf5_file import WRITE_LIBVER
from kerasx.saving.keras_assets import has_idf, is_vocabulary_layer, load_vocabulary, vocabulary_assets
from kerasx.saving.keras3_weights import load_model_weights, save_model_weights, to_snake_case
from kerasx.saving.keras_zip import WEIGHTS_NAME, write_keras_archive
from kerasx.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from kerasx.saving.writer import __version__, writer_backend

# Where tf_keras 2.21's `Feature` and `Cross` live: it writes their module so, and looks them up there
# when it loads a file (kerasx reads them by class name).
TF_KERAS_MODULE = "tf_keras.src.utils.feature_space"
_INPUT_SHAPE = [None, 1]  # every feature's `Input(shape=(1,))`


def _container_paths(attribute, layers):
    """[(path, layer)] of a dict's or list's layers as tf.keras's `_save_container_state` names them:
    snake-cased class name, then _1, _2, ... for the next of the same class; a layer seen twice once."""
    used, seen, out = {}, set(), []
    for layer in layers:
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        base = to_snake_case(type(layer).__name__)
        base = "private" + base if base.startswith("_") else base  # tf.keras's rule for a private class
        used[base] = used.get(base, -1) + 1
        out.append((f"{attribute}/{base}" if used[base] == 0 else f"{attribute}/{base}_{used[base]}", layer))
    return out


def _preprocessor_paths(feature_space):
    return _container_paths("preprocessors", feature_space.preprocessors.values())


# ---------------------------------------------------------------- writing
def _envelope(module, class_name, config, registered_name=None):
    return {"module": module, "class_name": class_name, "config": config, "registered_name": registered_name}


def _preprocessor_config(layer):
    config = serialize_keras_object(layer)
    config["build_config"] = {"input_shape": list(_INPUT_SHAPE)}
    return config


def feature_space_config(feature_space):
    """The FeatureSpace's `config.json`, as tf_keras 2.21 writes it (`serialize_keras_object` of the
    FeatureSpace layer)."""
    features = {}
    for name, feature in feature_space.features.items():
        config = {"dtype": feature.dtype, "preprocessor": _preprocessor_config(feature.preprocessor),
                  "output_mode": feature.output_mode}
        features[name] = _envelope(TF_KERAS_MODULE, "Feature", config, "Feature")
    crosses = [_envelope(TF_KERAS_MODULE, "Cross", {"feature_names": list(cross.feature_names),
                                                     "crossing_dim": cross.crossing_dim,
                                                     "output_mode": cross.output_mode}, "Cross")
               for cross in feature_space.crosses]
    config = {"features": features, "output_mode": feature_space.output_mode, "crosses": crosses,
              "crossing_dim": feature_space.crossing_dim, "hashing_dim": feature_space.hashing_dim,
              "num_discretization_bins": feature_space.num_discretization_bins}
    out = _envelope("keras.utils", "FeatureSpace", config)
    out["build_config"] = feature_space.get_build_config()
    return out


def _vocabulary_assets(feature_space):
    """{member name: bytes} of the adapted lookups' vocabularies (none for a layer given its
    `vocabulary`, which its config holds)."""
    return vocabulary_assets(_preprocessor_paths(feature_space))


def _write_weights(feature_space, fileobj):
    with h5py.File(fileobj, "w", libver=WRITE_LIBVER) as f:
        f.create_group("vars")  # the FeatureSpace's own variables: none
        if feature_space.concat is not None:
            f.create_group("concat/vars")
        for attribute, layers in (("crossers", feature_space.crossers.values()),
                                  ("one_hot_encoders", feature_space.one_hot_encoders.values())):
            for group_path, _ in _container_paths(attribute, layers):
                f.create_group(f"{group_path}/vars")
        for group_path, layer in _preprocessor_paths(feature_space):
            group = f.create_group(group_path)
            save_model_weights(group, layer)
            if is_vocabulary_layer(layer) and has_idf(layer):
                # tf.keras's `IndexLookup.save_own_variables`; the idf weights come first in get_weights.
                group["vars"].create_dataset("idf_weights", data=layer.get_weights()[0])


def save_feature_space(feature_space, filepath):
    """Writes `feature_space` (adapted) as a `.keras` archive at `filepath`, atomically."""
    config = feature_space_config(feature_space)
    assets = _vocabulary_assets(feature_space)
    metadata = {"keras_version": __version__, "backend": writer_backend(),
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    write_keras_archive(filepath, True, config, metadata, lambda fileobj: _write_weights(feature_space, fileobj),
                        assets=assets)


# ---------------------------------------------------------------- reading
def _bad(archive, what):
    return ValueError(f"The file {archive.filepath} does not hold a valid FeatureSpace: {what}")


def _spec(archive, entry, kind, where):
    if not isinstance(entry, dict) or entry.get("class_name") != kind or not isinstance(entry.get("config"), dict):
        raise _bad(archive, f"{where} should be a serialized {kind}; it is {str(entry)[:200]}")
    return entry["config"]


def _feature_space_arguments(archive, config, feature_class, cross_class):
    """FeatureSpace's constructor arguments from the archive's config, the preprocessors rebuilt (and
    built, from their build configs, so that their variables exist to be assigned)."""
    inner = config.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("features"), dict) or not inner["features"]:
        raise _bad(archive, "its config has no `features` dict.")
    features = {}
    for name, entry in inner["features"].items():
        spec = _spec(archive, entry, "Feature", f"feature {name!r}")
        missing = [key for key in ("dtype", "preprocessor", "output_mode") if key not in spec]
        if missing:
            raise _bad(archive, f"feature {name!r} lacks {missing}.")
        preprocessor = deserialize_keras_object(spec["preprocessor"])
        features[name] = feature_class(spec["dtype"], preprocessor, spec["output_mode"])
    crosses = []
    for i, entry in enumerate(inner.get("crosses") or []):
        spec = _spec(archive, entry, "Cross", f"cross {i}")
        crosses.append(cross_class(**spec))
    arguments = {key: inner[key] for key in ("output_mode", "crossing_dim", "hashing_dim",
                                              "num_discretization_bins") if key in inner}
    return dict(arguments, features=features, crosses=crosses)


def _load_vocabulary(archive, f, group_path, layer):
    load_vocabulary(archive, f, group_path, layer, _bad, noun="preprocessor")


def load_feature_space(archive, config, feature_space_class, feature_class, cross_class):
    """The FeatureSpace of the open `KerasArchive` `archive`, whose config.json is `config`, adapted
    state and all, ready to be called."""
    archive.metadata()
    try:
        arguments = _feature_space_arguments(archive, config, feature_class, cross_class)
        feature_space = feature_space_class(**arguments)
    except (TypeError, KeyError) as e:
        raise _bad(archive, f"its config cannot be read ({type(e).__name__}: {e}).") from e
    build_config = config.get("build_config")
    feature_space.build_from_config(build_config if isinstance(build_config, dict) else {})
    if not archive.has(WEIGHTS_NAME):
        raise _bad(archive, f"it has no '{WEIGHTS_NAME}'.")
    with archive.open_member(WEIGHTS_NAME) as member:
        with reading(archive.filepath, f"'{WEIGHTS_NAME}'"):
            f = h5py.File(member, "r")
        with f:
            for group_path, layer in _preprocessor_paths(feature_space):
                if is_vocabulary_layer(layer):
                    if getattr(layer, "input_vocabulary", None) is None:
                        _load_vocabulary(archive, f, group_path, layer)
                    continue
                with reading(archive.filepath, f"the group '{group_path}'"):
                    group = f.get(group_path)
                if group is None:
                    if layer.weights:
                        raise _bad(archive, f"'{WEIGHTS_NAME}' has no '{group_path}', the variables of the "
                                            f"preprocessor {layer.name!r} ({type(layer).__name__}).")
                    continue
                # Counts and shapes checked before any is assigned; Discretization's boundaries then
                # derived from its summary (`finalize_state`).
                load_model_weights(group, layer)
    feature_space.get_inputs()  # finishes building, as `adapt` does: the encoders sized by the vocabularies
    return feature_space


__all__ = ["feature_space_config", "load_feature_space", "save_feature_space"]
