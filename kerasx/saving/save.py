"""The public saving entry points (`save_model`, `load_model`) and the work behind `Model.save`,
`Model.save_weights` and `Model.load_weights`.

tf.keras 2.x (2.13+) picks the format from the path when `save_format` is None: Keras 3's `.keras`
zip archive for a path ending in .keras, HDF5 for .h5 or .hdf5 (or an open `h5py.File`), else
TensorFlow's own (a SavedModel directory for `save`, a checkpoint for `save_weights`). `save_weights`
writes Keras 3's weights layout to a path ending in `.weights.h5`, as Keras 3 does. kerasx cannot write
TensorFlow's formats, so:

- `save`/`save_model` resolve the format as tf.keras does, and refuse the SavedModel format, asked for
  (`save_format="tf"`) or implied (a path without an HDF5 extension), with a clear message: writing HDF5
  where the user expects a SavedModel directory would only fail later, in whatever reads it;
- `save_weights` writes HDF5 to any path: a TensorFlow checkpoint is only ever read back by
  `load_weights`, which reads the HDF5 file from the same path, so `model.save_weights('./weights/my_model')`
  and `model.load_weights('./weights/my_model')` round-trip as in tf.keras's tutorials.
"""
import os

import h5py  # host-side file I/O

from kerasx.saving.atomic import atomic_path, check_overwrite
from kerasx.saving.damage import reading
from kerasx.saving.hdf5_file import open_for_reading, open_for_writing
from kerasx.saving.hdf5_model import load_model_from_hdf5, save_model_to_hdf5
from kerasx.saving.hdf5_weights import (load_weights_from_hdf5_group,
                                        load_weights_from_hdf5_group_by_name, save_weights_to_hdf5_group)
from kerasx.saving.keras3_weights import load_model_weights, save_model_weights
from kerasx.saving.keras_archive import load_model_from_keras, load_weights_from_keras, save_model_to_keras
from kerasx.saving.object_registration import CustomObjectScope
from kerasx.saving.safe_mode import SafeModeScope


def _check_format(save_format):
    if save_format is None:
        return "h5"
    fmt = str(save_format).lower().strip()
    if fmt in ("tf", "tensorflow"):
        raise ValueError(
            f"save_format={save_format!r} (the TensorFlow SavedModel/checkpoint format) is not supported "
            "by kerasx, which has no TensorFlow graphs to write. Use the HDF5 format: leave "
            "save_format=None or pass save_format='h5', e.g. with a path ending in '.h5'.")
    if fmt in ("h5", "hdf5"):
        return "h5"
    if fmt in ("keras", "keras_v3"):
        return "keras"
    raise ValueError(f'Unknown format "{save_format}". Was expecting one of {{"tf", "h5", "keras"}}.')


KERAS3_WEIGHTS_SUFFIX = ".weights.h5"


def _is_zip(filepath):
    try:
        with open(filepath, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


HDF5_EXTENSIONS = (".h5", ".hdf5", ".keras")


def check_model_save_path(filepath, save_format=None):
    """Raises unless `model.save(filepath, save_format=save_format)` writes HDF5 in tf.keras 2.x (the
    one format kerasx writes). ModelCheckpoint calls it on its file name template up front."""
    _check_format(save_format)
    if save_format is not None or isinstance(filepath, h5py.File):
        return
    path = os.fspath(filepath)
    if not path.lower().endswith(HDF5_EXTENSIONS):
        raise ValueError(
            f"Cannot save the model to {path!r}: in tf.keras a path that does not end in "
            f"{', '.join(repr(e) for e in HDF5_EXTENSIONS)} means the TensorFlow SavedModel format "
            "(save_format='tf'), which kerasx cannot write. Use a path ending in '.h5', or pass "
            "save_format='h5' to write an HDF5 file at this path.")


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               signatures=None, options=None, save_traces=True):
    """Saves architecture, weights, training config and optimizer state to one file: a `.keras`
    archive for a path ending in '.keras' or `save_format='keras'`, else HDF5. `signatures`, `options`
    and `save_traces` concern SavedModel only and are ignored."""
    check_model_save_path(filepath, save_format)
    fmt = _check_format(save_format)
    if save_format is None and not isinstance(filepath, h5py.File) \
            and os.fspath(filepath).lower().endswith(".keras"):
        fmt = "keras"
    if fmt == "keras":
        save_model_to_keras(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)
        return
    save_model_to_hdf5(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, options=None, safe_mode=True):
    """Loads a model saved by `save_model` (by kerasx, tf.keras or Keras 3: a `.keras` archive or an
    HDF5 file, told apart by their contents). With `safe_mode=True` (the default) stored Python code
    (a Lambda's bytecode) is refused."""
    with SafeModeScope(safe_mode), CustomObjectScope(custom_objects):
        if isinstance(filepath, h5py.File):
            return load_model_from_hdf5(filepath, custom_objects, compile)
        filepath = os.fspath(filepath)
        if _is_zip(filepath):
            return load_model_from_keras(filepath, custom_objects, compile)
        return load_model_from_hdf5(filepath, custom_objects, compile)


# ---------------------------------------------------------------- behind the Model methods
def save_weights(model, filepath, overwrite=True, save_format=None, options=None):
    """`Model.save_weights`: every layer's weights, in Keras 3's layout for a path ending in
    `.weights.h5` (as Keras 3 writes them), else in the layout tf.keras's `load_weights` reads. Works
    for subclassed models too."""
    fmt = _check_format(save_format)
    if fmt == "keras":
        raise ValueError(f"save_format={save_format!r} is for whole models (`model.save`). Weights go to "
                         f"a path ending in '{KERAS3_WEIGHTS_SUFFIX}' (Keras 3's layout) or '.h5'.")
    if not model.built:
        raise ValueError(f"Weights for model {model.name} have not yet been created. Weights are created "
                         "when the Model is first called on inputs or `build()` is called with an "
                         "`input_shape`.")
    filepath = os.fspath(filepath)
    check_overwrite(filepath, overwrite)
    keras3_layout = save_format is None and filepath.endswith(KERAS3_WEIGHTS_SUFFIX)
    with atomic_path(filepath) as tmp, open_for_writing(tmp) as f:
        if keras3_layout:
            save_model_weights(f, model)
        else:
            save_weights_to_hdf5_group(f, model)


def load_weights(model, filepath, by_name=False, skip_mismatch=False, options=None):
    """`Model.load_weights` from a weights file or a whole-model file (its `model_weights` group), in
    tf.keras's layout (layers with weights matched by order, or with `by_name` by layer name) or in
    Keras 3's (a `.keras` archive, or a `.weights.h5` file, told by its contents; layers matched by
    their place in the model, `skip_mismatch` allowed, `by_name` refused as Keras 3 refuses it)."""
    if not getattr(model, "_is_graph_network", False) and not model.built:
        raise ValueError("Unable to load weights saved in HDF5 format into a subclassed Model which has "
                         "not created its variables yet. Call the Model first, then load the weights.")
    path = os.fspath(filepath)
    if path.endswith(".keras") or _is_zip(path):
        if by_name:
            raise ValueError(f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: "
                             f"{path}")
        load_weights_from_keras(model, path, skip_mismatch=skip_mismatch)
        return
    with open_for_reading(filepath) as f:
        with reading(f.filename, "the weights group"):
            group = f
            if "layer_names" not in f.attrs and "model_weights" in f:
                group = f["model_weights"]
            # Keras 3's layout is told by its contents: a kerasx file from before `.weights.h5` meant
            # it may hold tf.keras's layout under that suffix.
            keras3_layout = "layer_names" not in group.attrs and "layer_names0" not in group.attrs \
                and ("vars" in f or "layers" in f or "_layer_checkpoint_dependencies" in f)
        if keras3_layout:
            if by_name:
                raise ValueError("`by_name` only supports loading legacy '.h5' or '.hdf5' files (tf.keras's "
                                 f"layout); {path} holds Keras 3's layout.")
            load_model_weights(f, model, skip_mismatch=skip_mismatch)
        elif skip_mismatch and not by_name:
            raise ValueError("When calling model.load_weights, skip_mismatch can only be set to True when "
                             "by_name is True.")
        elif by_name:
            load_weights_from_hdf5_group_by_name(group, model, skip_mismatch=skip_mismatch)
        else:
            load_weights_from_hdf5_group(group, model)
