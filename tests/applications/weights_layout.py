"""The layout of a Keras-HDF5 weights file as a digest: which layers hold weights, in the file's
order, with each weight's name and shape. Two files with the same digest load into each other's
models by name and by order, which is what loading tf.keras's ImageNet files needs."""
import hashlib
import json

import h5py


def weights_layout_digest(path):
    """sha256 of the JSON list ``[[layer, [[weight name, shape], ...]], ...]`` of the layers with weights."""
    with h5py.File(path, "r") as f:
        layout = []
        for layer in f.attrs["layer_names"]:
            layer = layer.decode() if isinstance(layer, bytes) else layer
            names = [n.decode() if isinstance(n, bytes) else n for n in f[layer].attrs["weight_names"]]
            if names:
                layout.append([layer, [[n, list(f[layer][n].shape)] for n in names]])
    return hashlib.sha256(json.dumps(layout).encode()).hexdigest()
