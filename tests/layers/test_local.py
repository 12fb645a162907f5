"""LocallyConnected1D/2D (kerasx.layers.local, Keras 2's `keras.layers.local`): values against a NumPy
loop, weight shapes as tf.keras's implementation=1, config round trip, gradients, errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.layers import local

RNG = np.random.default_rng(4)


def numpy_local_1d(x, kernel, bias, k, s):
    out_len = kernel.shape[0]
    return np.stack([x[:, i * s:i * s + k].reshape(x.shape[0], -1) @ kernel[i] for i in range(out_len)], 1) + bias


def test_locally_connected_1d(backend):
    x = RNG.standard_normal((2, 7, 3)).astype("float32")
    layer = layers.LocallyConnected1D(4, 3, strides=2, bias_initializer="random_normal")
    out = layer(x).numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 9, 4) and bias.shape == (3, 4)
    np.testing.assert_allclose(out, numpy_local_1d(x, kernel, bias, 3, 2), rtol=1e-5, atol=1e-5)
    first = layers.LocallyConnected1D(4, 3, strides=2, data_format="channels_first",
                                      bias_initializer="random_normal")
    x_cf = np.moveaxis(x, -1, 1)
    y = first(x_cf).numpy()
    k2, b2 = first.get_weights()
    assert y.shape == (2, 4, 3) and b2.shape == (3, 4)
    # channels_first patches flatten in (channels, steps) order, as tf.keras's.
    expected = np.stack([x_cf[:, :, i * 2:i * 2 + 3].reshape(2, -1) @ k2[i] for i in range(3)], 1) + b2
    np.testing.assert_allclose(y, np.moveaxis(expected, -1, 1), rtol=1e-5, atol=1e-5)


def test_locally_connected_2d_values_config_and_training(backend):
    x = RNG.standard_normal((2, 4, 5, 2)).astype("float32")
    layer = layers.LocallyConnected2D(3, (2, 2), strides=(2, 1), activation="relu")
    out = layer(x).numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (2 * 4, 8, 3) and bias.shape == (2, 4, 3)
    expected = np.zeros((2, 2, 4, 3))
    for p, (i, j) in enumerate([(i, j) for i in range(2) for j in range(4)]):
        expected[:, i, j] = x[:, i * 2:i * 2 + 2, j:j + 2].reshape(2, -1) @ kernel[p]
    np.testing.assert_allclose(out, np.maximum(expected + bias, 0), rtol=1e-5, atol=1e-5)
    config = layer.get_config()
    assert config["implementation"] == 1 and config["kernel_size"] == (2, 2)
    clone = layers.LocallyConnected2D.from_config(config)
    assert clone.get_config() == config
    model = keras.Sequential([keras.Input((4, 5, 2)), layers.LocallyConnected2D(2, 3), layers.Flatten(),
                              layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()[0].copy()
    model.fit(x, np.ones((2, 1), "float32"), verbose=0)
    assert not np.allclose(model.get_weights()[0], before)
    assert local.LocallyConnected2D is layers.LocallyConnected2D


def test_locally_connected_gradients(backend):
    layer = layers.LocallyConnected1D(2, 2, dtype="float64")
    layer.build((1, 3, 2))
    assert keras.gradcheck(lambda a, k: local.local_conv(a, k, (2,), (1,), (2,), "channels_last"),
                           [RNG.standard_normal((1, 3, 2)), RNG.standard_normal((2, 4, 2))])


def test_locally_connected_errors():
    with pytest.raises(ValueError, match='Invalid border mode for LocallyConnected2D \\(only "valid" is supported '
                                         'if implementation is 1\\): same'):
        layers.LocallyConnected2D(2, 2, padding="same")
    with pytest.raises(ValueError, match="Unrecognized implementation mode: 4."):
        layers.LocallyConnected1D(2, 2, implementation=4)
    with pytest.raises(ValueError, match="LocallyConnected1D: only implementation=1 is supported, received 2."):
        layers.LocallyConnected1D(2, 2, implementation=2)
    layer = layers.LocallyConnected1D(2, 5)
    with pytest.raises(ValueError, match=r"the kernel_size \(5,\) does not fit the input shape \(1, 3, 2\)"):
        layer(np.zeros((1, 3, 2), "float32"))
    assert layer.weights == []
