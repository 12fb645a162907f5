"""Discretization: bucketizing against NumPy's searchsorted for given boundaries, `adapt`'s quantile
boundaries against NumPy's quantiles (and tf.keras's documented example), the output modes, the
variable-width `summary` weight through h5 files, config, a model that trains, and the errors."""
import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

from tests.layers.preprocessing.test_category_encoding import np_encode

RNG = np.random.default_rng(31)


@pytest.mark.parametrize("boundaries", [[0.0, 1.0, 2.0], [-1.0], [0.5, 0.5, 3.0]])
def test_given_boundaries_bucketize_as_searchsorted(backend, boundaries):
    x = RNG.uniform(-2, 4, (5, 6)).astype("float32")
    x[0, :len(boundaries)] = boundaries  # values on a boundary go to the bin above it
    y = layers.Discretization(bin_boundaries=boundaries)(x)
    assert y.dtype == "int64"
    np.testing.assert_array_equal(y.numpy(), np.searchsorted(np.float32(boundaries), x, side="right"))
    ints = layers.Discretization(bin_boundaries=boundaries)(np.array([[-3, 0, 1, 5]]))
    np.testing.assert_array_equal(ints.numpy(), np.searchsorted(boundaries, [[-3, 0, 1, 5]], side="right"))


def test_tf_keras_documented_examples(backend):
    x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    np.testing.assert_array_equal(layers.Discretization(bin_boundaries=[0., 1., 2.])(x).numpy(),
                                  [[0, 2, 3, 1], [1, 3, 2, 1]])
    layer = layers.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(x)
    np.testing.assert_array_equal(layer(x).numpy(), [[0, 2, 3, 2], [1, 3, 3, 1]])


@pytest.mark.parametrize("num_bins", [2, 4, 10])
def test_adapt_finds_quantiles(backend, num_bins):
    data = RNG.standard_normal((2000, 1)).astype("float32")
    layer = layers.Discretization(num_bins=num_bins, epsilon=0.001)
    layer.adapt(data, batch_size=256)
    want = np.quantile(data, np.arange(1, num_bins) / num_bins)
    np.testing.assert_allclose(layer.bin_boundaries, want, atol=0.05)
    counts = np.bincount(layer(data).numpy().ravel(), minlength=num_bins)
    np.testing.assert_allclose(counts / data.size, 1.0 / num_bins, atol=0.02)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_output_modes(backend, mode):
    x = np.array([[-1.0, 0.5, 0.7], [2.5, 2.5, 0.1]], "float32")
    y = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)(x if mode != "one_hot" else x[0])
    indices = np.searchsorted([0.0, 1.0, 2.0], x if mode != "one_hot" else x[0], side="right")
    assert y.dtype == "float32"
    np.testing.assert_array_equal(y.numpy(), np_encode(indices, mode, 4))


def test_summary_weight_h5_round_trip_and_config(backend, tmp_path):
    data = RNG.uniform(0, 10, (300, 2)).astype("float32")
    disc = layers.Discretization(num_bins=5, epsilon=0.02, output_mode="count")
    disc.adapt(data)  # before the model is built: the encoding's width comes from the boundaries, as in tf.keras
    inputs = keras.Input((2,))
    model = keras.Model(inputs, layers.Dense(1)(disc(inputs)))
    assert [(w.name, w.dtype, w.trainable) for w in disc.weights] == [("discretization/summary:0", "float32", False)]
    assert disc.summary.shape[0] == 2 and disc.summary.shape[1] > 5
    model.compile(keras.optimizers.Adam(0.05), "mse")
    target = (data[:, :1] > 5).astype("float32")
    history = model.fit(data, target, epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "disc.h5")
    with h5py.File(tmp_path / "disc.h5", "r") as f:
        assert f["model_weights/discretization/discretization/summary:0"].shape == disc.summary.shape
    loaded = keras.models.load_model(tmp_path / "disc.h5")
    assert loaded.layers[1].bin_boundaries == pytest.approx(disc.bin_boundaries)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)
    config = disc.get_config()
    assert (config["bin_boundaries"], config["num_bins"], config["epsilon"], config["output_mode"],
            config["sparse"]) == (None, 5, 0.02, "count", False)
    fixed = layers.Discretization(bin_boundaries=[1.0, 2.0])
    assert layers.deserialize(layers.serialize(fixed)).get_config() == fixed.get_config()
    fresh = layers.Discretization(num_bins=5)
    fresh.build((None, 2))
    fresh.set_weights(disc.get_weights())  # a (2, n) summary of another width is taken
    assert fresh.bin_boundaries == pytest.approx(disc.bin_boundaries)


def test_errors():
    with pytest.raises(ValueError, match=r"Both `num_bins` and `bin_boundaries` should not be set. You passed "
                                         r"`num_bins=3` and `bin_boundaries=\[1.0\]`"):
        layers.Discretization(bin_boundaries=[1.0], num_bins=3)
    with pytest.raises(ValueError, match=r"`num_bins` must be greater than or equal to 0. You passed `num_bins=-1`"):
        layers.Discretization(num_bins=-1)
    with pytest.raises(ValueError, match=r"Unknown `output_mode` argument passed to Discretization layer: 'tf_idf'"):
        layers.Discretization(num_bins=2, output_mode="tf_idf")
    with pytest.raises(ValueError, match=r"`bin_boundaries` must be sorted in increasing order"):
        layers.Discretization(bin_boundaries=[2.0, 1.0])
    with pytest.raises(ValueError, match=r"Cannot adapt a Discretization layer that has been initialized with "
                                         r"`bin_boundaries`, use `num_bins` instead."):
        layers.Discretization(bin_boundaries=[1.0]).adapt(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"Discretization needs `num_bins` to be adapted"):
        layers.Discretization().adapt(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"Discretization\(sparse=True\) returns a TensorFlow SparseTensor"):
        layers.Discretization(num_bins=2, output_mode="count", sparse=True)
