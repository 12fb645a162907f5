"""Whole models in one HDF5 file, in the tf.keras 2.x layout:

    attrs: keras_version, backend, model_config (JSON), training_config (JSON, when compiled)
    model_weights/      the layer weights (see hdf5_weights)
    optimizer_weights/  the optimizer's state, when it has one

A file is written to a temporary file first and renamed onto the target when complete. The JSON
attributes carry CRC-32s (`checksums`); reading a damaged file raises `DamagedFileError`.
"""
import logging
import os

import h5py  # host-side file I/O

from kerasx.saving import json_utils
from kerasx.saving.atomic import atomic_path, check_overwrite
from kerasx.saving.checksums import stamp_attribute, verify_attribute
from kerasx.saving.damage import filename_of, reading
from kerasx.saving.hdf5_file import open_for_reading, open_for_writing
from kerasx.saving.keras3_config import legacy_h5_config, model_from_keras3, training_from_keras3_h5
from kerasx.saving.keras3_weights import restore_optimizer_values
from kerasx.saving.hdf5_weights import (load_attributes_from_hdf5_group, load_optimizer_weights_from_hdf5_group,
                                        load_weights_from_hdf5_group,
                                        save_optimizer_weights_to_hdf5_group, save_weights_to_hdf5_group)
from kerasx.saving.model_config import model_from_config
from kerasx.saving.object_registration import CustomObjectScope, built_in_objects
from kerasx.saving.training_config import (compile_args_from_training_config, model_metadata,
                                           restore_optimizer_state)

_logger = logging.getLogger("kerasx")


def check_saveable_to_hdf5(model):
    # Sequential is found by name: the engine, which calls this module, is a floor above it.
    sequential = built_in_objects("layer")["Sequential"]
    if not getattr(model, "_is_graph_network", False) and not isinstance(model, sequential):
        raise ValueError(
            "Saving the model to HDF5 format requires the model to be a Functional model or a Sequential "
            "model. It does not work for subclassed models, because such models are defined via the "
            "body of a Python method, which isn't safely serializable. Consider using `save_weights` "
            "(and rebuilding the model in code before `load_weights`).")


def save_model_to_hdf5(model, filepath, overwrite=True, include_optimizer=True):
    """Writes `model` (architecture, weights, training config, optimizer state) to `filepath` (a
    path, or an open writable `h5py.File`, which is written in place)."""
    check_saveable_to_hdf5(model)
    # Everything that can fail on the model (its config) fails here, before the file is touched.
    metadata = model_metadata(model, include_optimizer)
    metadata["model_config"] = legacy_h5_config(metadata["model_config"])
    include_optimizer = include_optimizer and getattr(model, "optimizer", None) is not None
    if isinstance(filepath, h5py.File):
        _write_model(filepath, model, metadata, include_optimizer)
        return
    filepath = os.fspath(filepath)
    check_overwrite(filepath, overwrite)
    with atomic_path(filepath) as tmp, open_for_writing(tmp) as f:
        _write_model(f, model, metadata, include_optimizer)


def _write_model(f, model, metadata, include_optimizer):
    for key, value in metadata.items():
        if isinstance(value, (dict, list, tuple)):
            stamp_attribute(f, key, json_utils.encode(value).encode("utf8"))
        else:
            f.attrs[key] = value
    save_weights_to_hdf5_group(f.create_group("model_weights"), model)
    if include_optimizer:
        save_optimizer_weights_to_hdf5_group(f, model.optimizer)
    f.flush()


def load_model_from_hdf5(filepath, custom_objects=None, compile=True):
    """The model saved at `filepath` (a path or an open `h5py.File`), with its weights; compiled with
    its training config and optimizer state when `compile` and the file has them."""
    opened = not isinstance(filepath, h5py.File)
    f = open_for_reading(filepath) if opened else filepath
    try:
        with CustomObjectScope(custom_objects):
            return _read_model(f, custom_objects, compile)
    finally:
        if opened:
            f.close()


def _read_json_attribute(f, name):
    """The decoded JSON attribute `name` of the file's root, None if absent; checked against its
    checksum where the file has one."""
    filepath = filename_of(f)
    with reading(filepath, f"the '{name}' attribute"):
        text = f.attrs.get(name)
        if text is None:
            return None
        verify_attribute(f, name, text, filepath)
        return json_utils.decode(text)


def _first_optimizer_weight_name(f):
    with reading(filename_of(f), "the optimizer's weight names"):
        names = load_attributes_from_hdf5_group(f["optimizer_weights"], "weight_names")
    return names[0] if names else ""


def _read_model(f, custom_objects, compile):
    filepath = filename_of(f)
    model_config = _read_json_attribute(f, "model_config")
    if model_config is None:
        raise ValueError(f"No model config found in the file at {filepath}.")
    with reading(filepath, "the 'model_weights' group"):
        weights_group = f["model_weights"]
        # Keras 3 writes its legacy .h5 with tf.keras's layout but Keras 3's configs (an InputLayer's
        # `batch_shape`, DTypePolicy dicts) and optimizer order (`keras3_weights`).
        version = f.attrs.get("keras_version", "")
        keras3 = (version.decode("utf8") if isinstance(version, bytes) else str(version)).startswith("3.")
    if keras3:
        model_config = model_from_keras3(model_config)
    model = model_from_config(model_config, custom_objects=custom_objects)
    load_weights_from_hdf5_group(weights_group, model)
    if not compile:
        return model
    training_config = _read_json_attribute(f, "training_config")
    if keras3:
        training_config = training_from_keras3_h5(training_config)
    if training_config is None:
        _logger.warning("No training configuration found in the save file, so the model was *not* "
                        "compiled. Compile it manually.")
        return model
    # Read before compiling, so that damaged optimizer weights leave no half-restored model behind.
    with reading(filepath, "the 'optimizer_weights' group"):
        has_optimizer_weights = "optimizer_weights" in f
    optimizer_values = load_optimizer_weights_from_hdf5_group(f) if has_optimizer_weights else None
    # tf.keras 2.11+'s optimizers (and Keras 3's) name their step counter 'iteration' and keep each
    # variable's slots together (m, v of the first, then of the second); tf.keras's legacy optimizers
    # ('Adam/iter:0') keep every m, then every v.
    interleaved = keras3 or (has_optimizer_weights and _first_optimizer_weight_name(f).split(":")[0]
                                                       .endswith("iteration"))
    model.compile(**compile_args_from_training_config(training_config, custom_objects))
    if optimizer_values is not None and interleaved:
        restore_optimizer_values(model, optimizer_values)
    elif optimizer_values is not None:
        restore_optimizer_state(model, optimizer_values)
    return model
