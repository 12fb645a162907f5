"""oneDNN's ReLU gradient (backends/onednn_eltwise.py) against the generic kernel on the same inputs,
zeros in the output included (the gradient there is 0, as tf.keras's); other dtypes and non-contiguous
arrays run the generic kernel. Skipped where oneDNN is not installed."""
import numpy as np

from tests.backends.onednn_host import backends_or_skip, served


def test_relu_grad_matches_generic():
    fast, generic = backends_or_skip()
    rng = np.random.default_rng(0)
    y = np.maximum(rng.standard_normal((8, 13, 13, 32)), 0).astype("float32")
    g = rng.standard_normal(y.shape).astype("float32")
    got = fast.relu_grad(g, y)
    assert got.dtype == np.float32 and got.shape == y.shape
    np.testing.assert_array_equal(got, generic.relu_grad(g, y))
    np.testing.assert_array_equal(got[y == 0], 0.0)
    assert served(fast, "relu_grad")


def test_float64_and_strided_relu_grads_run_the_generic_kernel():
    fast, generic = backends_or_skip()
    rng = np.random.default_rng(1)
    y = np.maximum(rng.standard_normal((6, 10)), 0)
    g = rng.standard_normal((6, 10))
    np.testing.assert_array_equal(fast.relu_grad(g, y), generic.relu_grad(g, y))
    y32, g32 = y.astype("float32")[:, ::2], g.astype("float32")[:, ::2]
    np.testing.assert_array_equal(fast.relu_grad(g32, y32), generic.relu_grad(g32, y32))
    assert not fast.onednn_implementations()


def test_relu_grad_is_on_by_default():
    backends_or_skip()
    from backends.onednn_backend import OneDNNNumpyBackend
    default = OneDNNNumpyBackend()
    y = np.maximum(np.random.default_rng(2).standard_normal((4, 9)), 0).astype("float32")
    default.relu_grad(np.ones_like(y), y)
    assert served(default, "relu_grad")
