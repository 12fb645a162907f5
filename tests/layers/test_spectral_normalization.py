"""SpectralNormalization against a NumPy power iteration written as tf.keras's: the normalized kernel
and `vector_u` after training calls, inference unchanged, weights (names, order, h5), config, fit and
the errors."""
import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

RNG = np.random.default_rng(8)


def _np_power_iteration(kernel, u, iterations):
    w = kernel.astype("float64").reshape(-1, kernel.shape[-1])
    u = u.astype("float64")
    v = u
    for _ in range(iterations):
        v = u @ w.T
        v = v / np.sqrt(max((v ** 2).sum(), 1e-12))
        u = v @ w
        u = u / np.sqrt(max((u ** 2).sum(), 1e-12))
    sigma = (v @ w) @ u.T
    return (w / sigma).reshape(kernel.shape), u


@pytest.mark.parametrize("inner, x_shape, iterations", [
    (lambda: layers.Dense(4), (3, 5), 1),
    (lambda: layers.Conv2D(3, 2), (2, 5, 5, 2), 3),
    (lambda: layers.Embedding(10, 4), None, 2),
])
def test_training_calls_normalize_the_kernel_as_tf_keras(backend, inner, x_shape, iterations):
    layer = layers.SpectralNormalization(inner(), power_iterations=iterations)
    x = RNG.integers(0, 10, (3, 2)) if x_shape is None else RNG.standard_normal(x_shape).astype("float32")
    layer(x)
    kernel0, u0 = layer.kernel.numpy(), layer.vector_u.numpy()
    assert u0.shape == (1, kernel0.shape[-1])
    np.testing.assert_array_equal(layer(x, training=False).numpy(), layer.layer(x).numpy())
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel0)  # inference changes nothing
    out = layer(x, training=True).numpy()
    want_kernel, want_u = _np_power_iteration(kernel0, u0, iterations)
    np.testing.assert_allclose(layer.kernel.numpy(), want_kernel, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(layer.vector_u.numpy(), want_u, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out, layer.layer(x).numpy(), rtol=1e-6)
    # Enough iterations give the largest singular value: the kernel's spectral norm tends to 1.
    for _ in range(30):
        layer(x, training=True)
    top = np.linalg.svd(layer.kernel.numpy().reshape(-1, kernel0.shape[-1]), compute_uv=False)[0]
    assert abs(top - 1.0) < 1e-3


def test_all_zero_kernel_is_left_alone(backend):
    layer = layers.SpectralNormalization(layers.Dense(3, kernel_initializer="zeros"))
    x = np.ones((2, 4), "float32")
    layer(x)
    u0 = layer.vector_u.numpy()
    layer(x, training=True)
    np.testing.assert_array_equal(layer.kernel.numpy(), 0.0)
    np.testing.assert_array_equal(layer.vector_u.numpy(), u0)


def test_weights_config_h5_and_fit(backend, tmp_path):
    model = keras.Sequential([keras.Input((5,)), layers.SpectralNormalization(layers.Dense(4), power_iterations=2),
                              layers.Dense(1)])
    sn = model.layers[0]
    assert [(w.name, w.shape, w.trainable) for w in sn.weights] == [
        ("spectral_normalization/kernel:0", (5, 4), True), ("spectral_normalization/bias:0", (4,), True),
        ("spectral_normalization/vector_u:0", (1, 4), False)]
    config = sn.get_config()
    assert config["power_iterations"] == 2 and config["layer"]["class_name"] == "Dense"
    again = layers.SpectralNormalization.from_config(config)
    assert again.power_iterations == 2 and type(again.layer) is layers.Dense
    model.compile("adam", "mse")
    x, y = RNG.standard_normal((32, 5)).astype("float32"), RNG.standard_normal((32, 1)).astype("float32")
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "sn.h5")
    with h5py.File(tmp_path / "sn.h5", "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["model_weights/spectral_normalization"].attrs["weight_names"]]
    assert names == ["spectral_normalization/kernel:0", "spectral_normalization/bias:0",
                     "spectral_normalization/vector_u:0"]
    loaded = keras.models.load_model(tmp_path / "sn.h5")
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_errors():
    for bad in (0, -1):
        with pytest.raises(ValueError, match=r"`power_iterations` should be greater than zero. Received: "
                                             rf"`power_iterations={bad}`"):
            layers.SpectralNormalization(layers.Dense(2), power_iterations=bad)
    with pytest.raises(ValueError, match=r"ReLU object has no attribute 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(layers.ReLU())(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"Please initialize `SpectralNormalization` layer with a "
                                         r"`kerasx.layers.Layer` instance"):
        layers.SpectralNormalization("dense")
