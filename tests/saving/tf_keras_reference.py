"""tf.keras 2.x's HDF5 reading and writing (keras/saving/hdf5_format.py), transcribed with NumPy and
h5py only, independently of kerasx: a file kerasx writes must satisfy tf.keras's reader, and a file
written the way tf.keras writes it must load in kerasx."""
import json

import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512


def load_attributes_from_hdf5_group(group, name):
    if name in group.attrs:
        data = [n.decode("utf8") if hasattr(n, "decode") else n for n in group.attrs[name]]
    else:
        data = []
        chunk_id = 0
        while "%s%d" % (name, chunk_id) in group.attrs:
            data.extend([n.decode("utf8") if hasattr(n, "decode") else n
                         for n in group.attrs["%s%d" % (name, chunk_id)]])
            chunk_id += 1
    return data


def save_attributes_to_hdf5_group(group, name, data, fixed_length=False):
    """`fixed_length=True` stores NumPy `|S` arrays, as files written with h5py 2.x hold them."""
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked_data = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunked_data):
        num_chunks += 1
        chunked_data = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for chunk_id, chunk_data in enumerate(chunked_data):
            group.attrs["%s%d" % (name, chunk_id)] = chunk_data
    else:
        group.attrs[name] = data_npy if fixed_length else data


def read_weights_like_tf_keras(f, layers):
    """tf.keras's `load_weights_from_hdf5_group`, for `layers` given as ``[(name, [weight shape, ...])]``
    in `model.layers` order. Returns ``{layer name: [array, ...]}``, what tf.keras would assign."""
    filtered_layers = [layer for layer in layers if layer[1]]
    layer_names = load_attributes_from_hdf5_group(f, "layer_names")
    layer_names = [name for name in layer_names if load_attributes_from_hdf5_group(f[name], "weight_names")]
    assert len(layer_names) == len(filtered_layers), "tf.keras: layer count mismatch"
    assigned = {}
    for k, name in enumerate(layer_names):
        g = f[name]
        weight_names = load_attributes_from_hdf5_group(g, "weight_names")
        weight_values = [np.asarray(g[weight_name]) for weight_name in weight_names]
        layer_name, shapes = filtered_layers[k]
        assert len(weight_values) == len(shapes), f"tf.keras: weight count mismatch in layer #{k}"
        for value, shape in zip(weight_values, shapes):
            assert value.shape == tuple(shape), f"tf.keras: shape mismatch in layer #{k}"
        assigned[layer_name] = weight_values
    return assigned


def write_weights_like_tf_keras(f, layers, fixed_length=False):
    """tf.keras's `save_weights_to_hdf5_group` for ``[(layer name, [(weight name, array), ...])]``."""
    save_attributes_to_hdf5_group(f, "layer_names", [name.encode("utf8") for name, _ in layers], fixed_length)
    f.attrs["backend"] = "tensorflow".encode("utf8")
    f.attrs["keras_version"] = "2.8.0".encode("utf8")
    for name, weights in sorted(layers, key=lambda x: x[0]):
        g = f.create_group(name)
        weight_names = [w_name.encode("utf8") for w_name, _ in weights]
        save_attributes_to_hdf5_group(g, "weight_names", weight_names, fixed_length)
        for w_name, val in zip(weight_names, [v for _, v in weights]):
            param_dset = g.create_dataset(w_name, val.shape, dtype=val.dtype)
            if not val.shape:
                param_dset[()] = val
            else:
                param_dset[:] = val


def write_model_like_tf_keras(f, model_config, layers, training_config=None, optimizer_weights=None):
    """tf.keras's `save_model_to_hdf5` given the pieces it would write."""
    f.attrs["keras_version"] = "2.8.0"
    f.attrs["backend"] = "tensorflow"
    f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
    if training_config is not None:
        f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
    write_weights_like_tf_keras(f.create_group("model_weights"), layers)
    if optimizer_weights:
        g = f.create_group("optimizer_weights")
        names = [name.encode("utf8") for name, _ in optimizer_weights]
        save_attributes_to_hdf5_group(g, "weight_names", names)
        for name, (_, val) in zip(names, optimizer_weights):
            dset = g.create_dataset(name, val.shape, dtype=val.dtype)
            if not val.shape:
                dset[()] = val
            else:
                dset[:] = val


# What tf.keras 2.8 writes for Sequential([Dense(3, activation="relu", input_shape=(4,)), Dense(2)]).
def _dense(name, units, activation, batch_input_shape=None):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units,
              "activation": activation, "use_bias": True,
              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
              "kernel_constraint": None, "bias_constraint": None}
    if batch_input_shape is not None:
        config["batch_input_shape"] = batch_input_shape
    return {"class_name": "Dense", "config": config}


TF_KERAS_SEQUENTIAL_CONFIG = {
    "class_name": "Sequential",
    "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "dense_input"}},
        _dense("dense", 3, "relu", [None, 4]),
        _dense("dense_1", 2, "linear")]}}

# What tf.keras 2.8 writes for a functional model: two inputs, concatenated, two Dense heads.
TF_KERAS_FUNCTIONAL_CONFIG = {
    "class_name": "Functional",
    "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "a", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
                    "name": "a"}},
        {"class_name": "InputLayer", "name": "b", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 2], "dtype": "float32", "sparse": False, "ragged": False,
                    "name": "b"}},
        {"class_name": "Concatenate", "name": "concatenate",
         "config": {"name": "concatenate", "trainable": True, "dtype": "float32", "axis": -1},
         "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]},
        {**_dense("out1", 4, "tanh"), "name": "out1", "inbound_nodes": [[["concatenate", 0, 0, {}]]]},
        {**_dense("out2", 1, "sigmoid"), "name": "out2", "inbound_nodes": [[["concatenate", 0, 0, {}]]]}],
        "input_layers": [["a", 0, 0], ["b", 0, 0]],
        "output_layers": [["out1", 0, 0], ["out2", 0, 0]]}}
