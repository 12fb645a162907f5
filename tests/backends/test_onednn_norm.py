"""oneDNN's batch and layer normalization (backends/onednn_norm.py) against the generic kernels on the same
inputs: statistics, outputs and all three gradients, with and without gamma/beta, 2-D to 4-D; the cases it
does not serve (other axes, gradients of the returned statistics, float64) run the generic kernels.
Skipped where oneDNN is not installed."""
import numpy as np
import pytest

from tests.backends.kernel_test_utils import RED, rand
from tests.backends.onednn_host import backends_or_skip, served

SHAPES = [(32, 10), (4, 5, 6), (8, 6, 6, 16)]


def _close(got, want, atol=1e-5):
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=RED, atol=atol)


@pytest.mark.parametrize("with_params", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(len(s)) + "d" for s in SHAPES])
def test_batch_norm_matches_generic(shape, with_params):
    fast, generic = backends_or_skip()
    x = rand(*shape, seed=1) * 3 + 1
    c, axes = shape[-1], (len(shape) - 1,)
    gamma, beta = (rand(c, seed=2), rand(c, seed=3)) if with_params else (None, None)
    out = fast.batch_norm_train(x, gamma, beta, axes, 1e-3)
    want = generic.batch_norm_train(x, gamma, beta, axes, 1e-3)
    _close(out, want)
    g = rand(*shape, seed=4)
    _close(fast.batch_norm_grad(g, x, out[1], out[3], gamma, axes),
           generic.batch_norm_grad(g, x, want[1], want[3], gamma, axes), atol=1e-4)
    assert served(fast, "bn_fwd") and served(fast, "bn_bwd")


@pytest.mark.parametrize("with_params", [True, False])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(len(s)) + "d" for s in SHAPES])
def test_layer_norm_matches_generic(shape, with_params):
    fast, generic = backends_or_skip()
    x = rand(*shape, seed=1) * 3 + 1
    c, axes = shape[-1], (len(shape) - 1,)
    gamma, beta = (rand(c, seed=2), rand(c, seed=3)) if with_params else (None, None)
    out = fast.layer_norm(x, gamma, beta, axes, 1e-3)
    want = generic.layer_norm(x, gamma, beta, axes, 1e-3)
    _close(out, want)
    g = rand(*shape, seed=4)
    _close(fast.layer_norm_grad(g, x, out[1], out[2], gamma, axes),
           generic.layer_norm_grad(g, x, want[1], want[2], gamma, axes), atol=1e-4)
    assert served(fast, "ln_fwd") and served(fast, "ln_bwd")


def test_unserved_cases_run_the_generic_kernels():
    fast, generic = backends_or_skip()
    x = rand(4, 6, 5, seed=1)
    gamma = rand(6, seed=2).reshape(1, 6, 1)
    # Normalized over axis 1, not the last.
    np.testing.assert_array_equal(fast.batch_norm_train(x, gamma, None, (1,), 1e-3)[0],
                                  generic.batch_norm_train(x, gamma, None, (1,), 1e-3)[0])
    # The gradient of the returned mean and variance too.
    y, mean, var, inv = generic.batch_norm_train(x, None, None, (2,), 1e-3)
    gm = rand(1, 1, 5, seed=3)
    _close(fast.batch_norm_grad(x, x, mean, inv, None, (2,), g_mean=gm, g_var=gm),
           generic.batch_norm_grad(x, x, mean, inv, None, (2,), g_mean=gm, g_var=gm))
    x64 = x.astype("float64")
    _close(fast.layer_norm(x64, None, None, (2,), 1e-3), generic.layer_norm(x64, None, None, (2,), 1e-3))
    assert not fast.onednn_implementations()
