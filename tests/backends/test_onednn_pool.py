"""oneDNN's pooling kernels (backends/onednn_pool.py) against the generic NumPy kernels on the same inputs:
max and average, forward and backward, 1-D to 3-D, 'valid' and 'same', overlapping windows; inputs drawn
from {0, 1, 2} so that most windows hold ties, which must route the gradient to the first maximum (as
TensorFlow). Skipped where oneDNN is not installed."""
import numpy as np
import pytest

from tests.backends.kernel_test_utils import RED, rand
from tests.backends.onednn_host import backends_or_skip, served

# (x shape, pool_size, strides, padding)
CASES = [
    ((4, 12, 12, 16), (2, 2), (2, 2), "valid"),
    ((2, 7, 7, 3), (2, 2), (2, 2), "same"),          # odd size: the last window is padded
    ((2, 7, 7, 3), (3, 3), (2, 2), "same"),          # overlapping
    ((2, 7, 6, 3), (3, 2), (1, 1), "valid"),         # stride 1: every element in several windows
    ((2, 9, 3), (2,), (1,), "same"),
    ((2, 10, 5), (3,), (3,), "valid"),
    ((2, 5, 6, 7, 2), (2, 2, 2), (1, 2, 2), "same"),
]
IDS = [f"{len(c[0]) - 2}d-k{c[1]}-s{c[2]}-{c[3]}".replace(" ", "") for c in CASES]


def _ties(shape, seed):
    return np.random.default_rng(seed).integers(0, 3, shape).astype("float32")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_max_pool_and_grad_match_generic_with_ties(case):
    fast, generic = backends_or_skip()
    shape, pool, strides, padding = case
    x = _ties(shape, seed=1)
    y = generic.max_pool(x, pool, strides, padding)
    got = fast.max_pool(x, pool, strides, padding)
    assert got.dtype == y.dtype
    np.testing.assert_array_equal(got, y)
    g = rand(*y.shape, seed=2)
    want = generic.max_pool_grad(g, x, y, pool, strides, padding)
    np.testing.assert_allclose(fast.max_pool_grad(g, x, got, pool, strides, padding), want, rtol=RED, atol=1e-6)
    assert served(fast, "pool_fwd") and served(fast, "pool_fwd_bwd")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_avg_pool_and_grad_match_generic(case):
    fast, generic = backends_or_skip()
    shape, pool, strides, padding = case
    x = rand(*shape, seed=3)
    y = generic.avg_pool(x, pool, strides, padding)
    np.testing.assert_allclose(fast.avg_pool(x, pool, strides, padding), y, rtol=RED, atol=1e-6)
    g = rand(*y.shape, seed=4)
    np.testing.assert_allclose(fast.avg_pool_grad(g, x.shape, pool, strides, padding),
                               generic.avg_pool_grad(g, x.shape, pool, strides, padding), rtol=RED, atol=1e-6)
    assert served(fast, "pool_fwd") and served(fast, "pool_bwd")


def test_first_maximum_takes_the_gradient():
    fast, _ = backends_or_skip()
    x = np.ones((1, 2, 2, 1), "float32")  # one window, four equal maxima
    y = fast.max_pool(x, (2, 2), (2, 2), "valid")
    dx = fast.max_pool_grad(np.full(y.shape, 5.0, "float32"), x, y, (2, 2), (2, 2), "valid")
    np.testing.assert_array_equal(dx[0, :, :, 0], [[5.0, 0.0], [0.0, 0.0]])


def test_float64_runs_the_generic_kernel():
    fast, generic = backends_or_skip()
    x = rand(2, 6, 6, 3, seed=5).astype("float64")
    np.testing.assert_array_equal(fast.max_pool(x, (2, 2), (2, 2), "valid"),
                                  generic.max_pool(x, (2, 2), (2, 2), "valid"))
    assert not fast.onednn_implementations()
