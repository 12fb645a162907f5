"""Whole models in one HDF5 file, in the tf.keras 2.x layout:

    attrs: keras_version, backend, model_config (JSON), training_config (JSON, when compiled)
    model_weights/      the layer weights (see hdf5_weights)
    optimizer_weights/  the optimizer's state, when it has one

A file is written to a temporary file first and renamed onto the target when complete.
"""
import logging
import os

import h5py  # host-side file I/O

from kerasx.saving import json_utils
from kerasx.saving.atomic import atomic_path, check_overwrite
from kerasx.saving.hdf5_weights import (load_optimizer_weights_from_hdf5_group,
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
    include_optimizer = include_optimizer and getattr(model, "optimizer", None) is not None
    if isinstance(filepath, h5py.File):
        _write_model(filepath, model, metadata, include_optimizer)
        return
    filepath = os.fspath(filepath)
    check_overwrite(filepath, overwrite)
    with atomic_path(filepath) as tmp, h5py.File(tmp, "x") as f:
        _write_model(f, model, metadata, include_optimizer)


def _write_model(f, model, metadata, include_optimizer):
    for key, value in metadata.items():
        if isinstance(value, (dict, list, tuple)):
            f.attrs[key] = json_utils.encode(value).encode("utf8")
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
    f = h5py.File(filepath, "r") if opened else filepath
    try:
        with CustomObjectScope(custom_objects):
            return _read_model(f, filepath, custom_objects, compile)
    finally:
        if opened:
            f.close()


def _read_model(f, filepath, custom_objects, compile):
    model_config = f.attrs.get("model_config")
    if model_config is None:
        raise ValueError(f"No model config found in the file at {filepath}.")
    model = model_from_config(json_utils.decode(model_config), custom_objects=custom_objects)
    load_weights_from_hdf5_group(f["model_weights"], model)
    if not compile:
        return model
    training_config = f.attrs.get("training_config")
    if training_config is None:
        _logger.warning("No training configuration found in the save file, so the model was *not* "
                        "compiled. Compile it manually.")
        return model
    model.compile(**compile_args_from_training_config(json_utils.decode(training_config),
                                                      custom_objects))
    if "optimizer_weights" in f:
        restore_optimizer_state(model, load_optimizer_weights_from_hdf5_group(f))
    return model
