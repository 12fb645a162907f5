"""Keras 3's weights layout (kerasx/saving/keras3_weights.py): the paths and order Keras 3 writes, the
`.weights.h5` suffix choosing it, and its errors."""
import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.saving.keras3_weights import optimizer_slot_order, to_snake_case
from kerasx.utils import set_random_seed


def _entries(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, tuple(obj.shape) if hasattr(obj, "shape") else None))
    return out


def _sequential():
    set_random_seed(0)
    return keras.Sequential([keras.Input((6, 5)), layers.Conv1D(3, 2), layers.LSTM(4, return_sequences=True),
                             layers.Dropout(0.2), layers.GRU(2)])


def test_the_layout_is_keras3s(backend, tmp_path):
    _sequential().save_weights(tmp_path / "s.weights.h5")
    # Read off Keras 3.15.1: the same Sequential's `save_weights('s.weights.h5')`, visited with h5py.
    assert _entries(tmp_path / "s.weights.h5") == {
        "layers": None, "layers/conv1d": None, "layers/conv1d/vars": None,
        "layers/conv1d/vars/0": (2, 5, 3), "layers/conv1d/vars/1": (3,),
        "layers/dropout": None, "layers/dropout/vars": None,
        "layers/gru": None, "layers/gru/cell": None, "layers/gru/cell/vars": None,
        "layers/gru/cell/vars/0": (4, 6), "layers/gru/cell/vars/1": (2, 6), "layers/gru/cell/vars/2": (2, 6),
        "layers/gru/vars": None,
        "layers/lstm": None, "layers/lstm/cell": None, "layers/lstm/cell/vars": None,
        "layers/lstm/cell/vars/0": (3, 16), "layers/lstm/cell/vars/1": (4, 16), "layers/lstm/cell/vars/2": (16,),
        "layers/lstm/vars": None, "vars": None}
    with h5py.File(tmp_path / "s.weights.h5", "r") as f:
        assert f["layers/lstm/cell/vars"].attrs["name"] == "lstm_cell"
        assert f["vars"].attrs["name"] == "sequential"


def test_functional_models_number_layers_by_class_and_keep_input_layers(backend, tmp_path):
    set_random_seed(0)
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    x = layers.BatchNormalization()(layers.Dense(5, name="hidden")(layers.Concatenate()([a, b])))
    model = keras.Model([a, b], layers.Dense(2, name="head")(x))
    model.save_weights(tmp_path / "f.weights.h5")
    entries = _entries(tmp_path / "f.weights.h5")
    # As Keras 3: 'dense' and 'dense_1' by class, whatever the layers' names; InputLayers have groups.
    assert {k for k in entries if k.startswith("layers/") and k.count("/") == 1} == {
        "layers/input_layer", "layers/input_layer_1", "layers/concatenate", "layers/dense",
        "layers/batch_normalization", "layers/dense_1"}
    assert [entries[f"layers/batch_normalization/vars/{i}"] for i in range(4)] == [(5,)] * 4
    with h5py.File(tmp_path / "f.weights.h5", "r") as f:
        assert f["layers/dense_1/vars"].attrs["name"] == "head"
        np.testing.assert_array_equal(f["layers/batch_normalization/vars/2"][()],
                                      model.layers[4].moving_mean.numpy())


def test_snake_case_is_keras3s():
    assert [to_snake_case(n) for n in ("Conv2D", "LSTM", "BatchNormalization", "GRUCell", "InputLayer",
                                       "MultiHeadAttention", "Conv1DTranspose")] == [
        "conv2d", "lstm", "batch_normalization", "gru_cell", "input_layer", "multi_head_attention",
        "conv1d_transpose"]


def test_suffix_chooses_the_layout_and_load_weights_reads_both(backend, tmp_path):
    model = _sequential()
    model.save_weights(tmp_path / "a.weights.h5")
    model.save_weights(tmp_path / "a.h5")
    model.save_weights(tmp_path / "b.weights.h5", save_format="h5")  # asked for: tf.keras's layout
    with h5py.File(tmp_path / "a.h5", "r") as f:
        assert "layer_names" in f.attrs and "vars" not in f
    with h5py.File(tmp_path / "b.weights.h5", "r") as f:
        assert "layer_names" in f.attrs
    for name in ("a.weights.h5", "a.h5", "b.weights.h5"):
        set_random_seed(3)
        other = _sequential()
        other.load_weights(tmp_path / name)
        for w, v in zip(model.weights, other.weights):
            np.testing.assert_array_equal(w.numpy(), v.numpy())


def test_keras3_layout_errors(backend, tmp_path):
    model = _sequential()
    model.save_weights(tmp_path / "s.weights.h5")
    with pytest.raises(ValueError, match=r"`by_name` only supports loading legacy '\.h5' or '\.hdf5' files"):
        model.load_weights(tmp_path / "s.weights.h5", by_name=True)
    set_random_seed(0)
    wider = keras.Sequential([keras.Input((6, 5)), layers.Conv1D(4, 2), layers.LSTM(4, return_sequences=True),
                              layers.Dropout(0.2), layers.GRU(2)])
    before = [w.numpy() for w in wider.weights]
    with pytest.raises(ValueError, match=r"Layer 'conv1d_1': the variable conv1d_1/kernel:0 has shape "
                                         r"\(2, 5, 4\), but the saved one has shape \(2, 5, 3\)\."):
        wider.load_weights(tmp_path / "s.weights.h5")
    for w, b in zip(wider.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)  # nothing assigned
    wider.load_weights(tmp_path / "s.weights.h5", skip_mismatch=True)  # Keras 3 allows it without by_name
    np.testing.assert_array_equal(wider.layers[0].kernel.numpy(), before[0])
    np.testing.assert_array_equal(wider.layers[3].cell.kernel.numpy(), model.layers[3].cell.kernel.numpy())


def test_tf_keras_2_13_group_names_are_read(backend, tmp_path):
    model = _sequential()
    model.save_weights(tmp_path / "s.weights.h5")
    with h5py.File(tmp_path / "s.weights.h5", "a") as f:
        f.move("layers", "_layer_checkpoint_dependencies")
    set_random_seed(4)
    other = _sequential()
    other.load_weights(tmp_path / "s.weights.h5")
    for w, v in zip(model.weights, other.weights):
        np.testing.assert_array_equal(w.numpy(), v.numpy())


def test_optimizer_slots_are_interleaved_as_keras3_creates_them(backend):
    set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    adam = keras.optimizers.Adam(amsgrad=True)
    adam._create_all_weights(model.trainable_variables)
    kernel, bias = model.trainable_variables
    # Keras 3's Adam: add_optimizer_variables(vars, ["momentum", "velocity"]), then the velocity_hats.
    assert optimizer_slot_order(adam, [kernel, bias]) == [
        (kernel, "m"), (kernel, "v"), (bias, "m"), (bias, "v"), (kernel, "vhat"), (bias, "vhat")]
    rms = keras.optimizers.RMSprop(momentum=0.9, centered=True)
    rms._create_all_weights(model.trainable_variables)
    # Keras 3's RMSprop: velocities, then momentums, then average_gradients, one call each.
    assert [s for _, s in optimizer_slot_order(rms, [kernel, bias])] == ["rms", "rms", "momentum",
                                                                          "momentum", "mg", "mg"]
