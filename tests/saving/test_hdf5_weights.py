"""Weights in HDF5: the tf.keras 2.x layout read back with h5py, files moving both ways through a
transcription of tf.keras's own reader and writer, and `load_weights`'s checks and errors."""
import logging

import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.saving import hdf5_weights
from kerasx.utils import set_random_seed
from tests.saving import tf_keras_reference as ref


def _functional(seed=0):
    set_random_seed(seed)
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(2,), name="b")
    x = layers.Concatenate()([a, b])
    out1 = layers.Dense(4, activation="tanh", name="out1")(x)
    out2 = layers.Dense(1, activation="sigmoid", name="out2")(x)
    return keras.Model([a, b], [out1, out2])


def _sequential(seed=0, units=(3, 2), use_bias=True):
    set_random_seed(seed)
    return keras.Sequential([layers.Dense(units[0], activation="relu", input_shape=(4,), use_bias=use_bias)]
                            + [layers.Dense(u) for u in units[1:]])


def _all_weights(model):
    return [w.copy() for w in model.get_weights()]


def test_layout_matches_tf_keras(backend, tmp_path):
    model = _functional()
    path = tmp_path / "w.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        # Functional models list their InputLayers in `layers`, and tf.keras writes a group for each.
        assert [l.name for l in model.layers] == ["a", "b", "concatenate", "out1", "out2"]
        assert list(ref.load_attributes_from_hdf5_group(f, "layer_names")) == [l.name for l in model.layers]
        assert f.attrs["backend"] == backend.name
        assert f.attrs["keras_version"] == keras.__version__
        assert sorted(f.keys()) == ["a", "b", "concatenate", "out1", "out2"]
        for name in ("a", "b", "concatenate"):
            assert ref.load_attributes_from_hdf5_group(f[name], "weight_names") == []
            assert list(f[name].keys()) == []
        assert ref.load_attributes_from_hdf5_group(f["out1"], "weight_names") == ["out1/kernel:0",
                                                                                   "out1/bias:0"]
        kernel = f["out1"]["out1"]["kernel:0"]
        assert kernel.dtype == np.float32 and kernel.shape == (5, 4)
        np.testing.assert_array_equal(kernel[()], model.get_layer("out1").kernel.numpy())
        np.testing.assert_array_equal(f["out2/out2/bias:0"][()], model.get_layer("out2").bias.numpy())


def test_tf_keras_reader_accepts_kerasx_files(backend, tmp_path):
    model = _functional()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assigned = ref.read_weights_like_tf_keras(
            f, [(l.name, [w.shape for w in l.weights]) for l in model.layers])
    assert sorted(assigned) == ["out1", "out2"]
    for name, values in assigned.items():
        for value, expected in zip(values, model.get_layer(name).get_weights()):
            assert value.dtype == np.float32
            np.testing.assert_array_equal(value, expected)


@pytest.mark.parametrize("fixed_length", [False, True], ids=["h5py3-strings", "h5py2-fixed-length"])
def test_files_written_by_tf_keras_load(backend, tmp_path, fixed_length):
    rng = np.random.default_rng(0)
    saved = [("a", []), ("b", []), ("concatenate", []),
             ("out1", [("out1/kernel:0", rng.normal(size=(5, 4)).astype("float32")),
                       ("out1/bias:0", rng.normal(size=(4,)).astype("float32"))]),
             ("out2", [("out2/kernel:0", rng.normal(size=(5, 1)).astype("float32")),
                       ("out2/bias:0", rng.normal(size=(1,)).astype("float32"))])]
    with h5py.File(tmp_path / "tf.h5", "w") as f:
        ref.write_weights_like_tf_keras(f, saved, fixed_length=fixed_length)
    model = _functional(seed=5)
    model.load_weights(tmp_path / "tf.h5")
    expected = [v for _, weights in saved for _, v in weights]
    for got, want in zip(model.get_weights(), expected):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)


def test_round_trip_sequential_and_subclassed(backend, tmp_path):
    source, target = _sequential(0), _sequential(1)
    source.save_weights(tmp_path / "w.h5")
    target.load_weights(tmp_path / "w.h5")
    for got, want in zip(target.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(got, want)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(3)
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    x = np.ones((2, 4), "float32")
    first, second = Net(), Net()
    first(x)
    with pytest.raises(ValueError, match="into a subclassed Model which has not created its variables"):
        second.load_weights(tmp_path / "w.h5")
    second(x)
    first.save_weights(tmp_path / "net.h5")
    second.load_weights(tmp_path / "net.h5")
    np.testing.assert_array_equal(second.predict(x), first.predict(x))


def test_save_weights_before_build_is_an_error(backend, tmp_path):
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="Weights for model sequential have not yet been created"):
        model.save_weights(tmp_path / "w.h5")
    assert not (tmp_path / "w.h5").exists()


def test_layer_count_mismatch(backend, tmp_path):
    _sequential(units=(3, 2)).save_weights(tmp_path / "w.h5")
    model = _sequential(units=(3, 2, 2))
    with pytest.raises(ValueError, match="You are trying to load a weight file containing 2 layers into a "
                                         "model with 3 layers."):
        model.load_weights(tmp_path / "w.h5")


def test_weight_count_mismatch(backend, tmp_path):
    _sequential(use_bias=False).save_weights(tmp_path / "w.h5")
    model = _sequential()
    with pytest.raises(ValueError, match=r'Layer #0 \(named "dense_\d"\) expects 2 weight\(s\), but the '
                                         r"saved weights have 1 element\(s\)\."):
        model.load_weights(tmp_path / "w.h5")


def test_shape_mismatch_changes_nothing(backend, tmp_path):
    _sequential(units=(3, 5), seed=1).save_weights(tmp_path / "w.h5")
    model = _sequential(units=(3, 2))
    before = _all_weights(model)
    # The first layer matches; the second does not: nothing may be assigned, not even the first.
    with pytest.raises(ValueError, match=r'Layer #1 \(named "(dense_\d)"\), weight \1/kernel:0 has shape '
                                         r"\(3, 2\), but the saved weight has shape \(3, 5\)\."):
        model.load_weights(tmp_path / "w.h5")
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_by_name_and_skip_mismatch(backend, tmp_path, caplog):
    set_random_seed(0)
    source = keras.Sequential([layers.Dense(3, input_shape=(4,), name="shared"),
                               layers.Dense(2, name="head")])
    source.save_weights(tmp_path / "w.h5")
    set_random_seed(1)
    target = keras.Sequential([layers.Dense(3, input_shape=(4,), name="shared"),
                               layers.Dense(7, name="other"), layers.Dense(5, name="head")])
    head_before = target.get_layer("head").get_weights()
    with pytest.raises(ValueError, match=r'Layer #1 \(named "head"\), weight head/kernel:0 has shape '
                                         r"\(7, 5\), but the saved weight has shape \(3, 2\)\."):
        target.load_weights(tmp_path / "w.h5", by_name=True)
    with pytest.raises(ValueError, match="skip_mismatch can only be set to True when by_name is True"):
        target.load_weights(tmp_path / "w.h5", skip_mismatch=True)
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        target.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    assert "Skipping loading of weights for layer head due to mismatch in shape" in caplog.text
    for got, want in zip(target.get_layer("shared").get_weights(), source.get_layer("shared").get_weights()):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(target.get_layer("head").get_weights(), head_before):
        np.testing.assert_array_equal(got, want)


def test_by_name_weight_count_mismatch(backend, tmp_path):
    keras.Sequential([layers.Dense(3, input_shape=(4,), name="d", use_bias=False)]).save_weights(
        tmp_path / "w.h5")
    target = keras.Sequential([layers.Dense(3, input_shape=(4,), name="d")])
    with pytest.raises(ValueError, match=r'Layer #0 \(named "d"\) expects 2 weight\(s\), but the saved '
                                         r"weights have 1 element\(s\)\."):
        target.load_weights(tmp_path / "w.h5", by_name=True)


def test_float64_weights_keep_their_dtype(backend, tmp_path):
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), dtype="float64")])
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert f["dense/dense/kernel:0"].dtype == np.float64
    other = keras.Sequential([layers.Dense(2, input_shape=(3,), dtype="float64")])
    other.load_weights(tmp_path / "w.h5")
    assert other.weights[0].dtype == "float64"
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])


def test_duplicate_weight_names_are_an_error(backend, tmp_path):
    class Twice(layers.Layer):
        def build(self, input_shape):
            self.add_weight("w", shape=(1,))
            self.add_weight("w", shape=(1,))

    model = keras.Sequential([Twice(input_shape=(1,), name="twice")])
    with pytest.raises(ValueError, match="Cannot save the layer \"twice\": several of its weights are "
                                         "named 'twice/w:0'"):
        model.save_weights(tmp_path / "w.h5")
    assert list(tmp_path.iterdir()) == []


def test_long_name_lists_are_chunked_as_tf_keras_does(tmp_path):
    names = [(f"layer_{i:04d}_" + "x" * 390).encode("utf8") for i in range(200)]  # 80 kB of names
    with h5py.File(tmp_path / "a.h5", "w") as f:
        hdf5_weights.save_attributes_to_hdf5_group(f, "layer_names", names)
        assert "layer_names" not in f.attrs
        assert sorted(f.attrs) == ["layer_names0", "layer_names1"]
        assert len(f.attrs["layer_names0"]) == 100
        assert ref.load_attributes_from_hdf5_group(f, "layer_names") == [n.decode() for n in names]
    with h5py.File(tmp_path / "b.h5", "w") as f:
        ref.save_attributes_to_hdf5_group(f, "layer_names", names)
        assert hdf5_weights.load_attributes_from_hdf5_group(f, "layer_names") == [n.decode() for n in names]
    with h5py.File(tmp_path / "c.h5", "w") as f:
        with pytest.raises(RuntimeError, match="larger than 64512 bytes"):
            hdf5_weights.save_attributes_to_hdf5_group(f, "x", [b"y" * 70000])
