"""Python's pickle protocol for models (tf.keras 2.x's `Model.__reduce__` and `__deepcopy__`): a built
model pickles as the bytes of its whole-model save (architecture, weights, training config, optimizer
state), and unpickles by loading them. kerasx writes its HDF5 layout into memory where tf.keras writes a
`.keras` archive; either way the bytes are what `load_model` reads from a file.

Unpickling loads with `safe_mode=False`, as tf.keras does: a pickle is trusted code by definition
(unpickling can run anything), so refusing a Lambda's bytecode here would protect nothing.
"""
import io

import h5py  # host-side file I/O, into an in-memory buffer

from kerasx.saving.save import load_model, save_model


def serialize_model_as_bytecode(model):
    """The bytes of `model`'s HDF5 save."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        save_model(model, file)
    return buffer.getvalue()


def deserialize_model_from_bytecode(serialized_model):
    """The model whose save `serialize_model_as_bytecode` returned."""
    with h5py.File(io.BytesIO(serialized_model), "r") as file:
        return load_model(file, safe_mode=False)
