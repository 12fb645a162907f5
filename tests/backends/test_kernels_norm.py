"""The normalization kernels on every available backend, against NumPy formulas written here (float64
references, float32 kernels: float32 stays float32)."""
import numpy as np
import pytest

from tests.backends.kernel_test_utils import EW, RED, check, covers, dev, host, rand


def _ref_bn(x, gamma, beta, axes, epsilon):
    reduce = tuple(i for i in range(x.ndim) if i not in axes)
    kept = tuple(n if i in axes else 1 for i, n in enumerate(x.shape))
    x = x.astype("float64")
    mean = x.mean(axis=reduce, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=reduce, keepdims=True)
    y = (x - mean) / np.sqrt(var + epsilon) * gamma.reshape(kept) + beta.reshape(kept)
    return y, mean, var


BN_CASES = [((8, 3), (1,)), ((4, 3, 5, 2), (3,)), ((3, 4, 2, 2), (1,)), ((5, 2, 3, 2), (1, 2))]


@pytest.fixture(params=["whole", "rows in chunks of 2"])
def norm_chunks(request, backend, monkeypatch):
    """Runs a batch-norm test once in one chunk and once with the last-axis path cut into chunks of two
    rows (as large batches are on the CPU; the last chunk may be short)."""
    if request.param != "whole":
        monkeypatch.setattr(backend, "norm_chunk_bytes", 1)
        monkeypatch.setattr(backend, "_row_chunks", lambda rows, c, size: (
            [(lo, min(rows, lo + 2)) for lo in range(0, rows, 2)], min(2, rows)))
    return request.param


@covers("batch_norm_train")
@pytest.mark.parametrize("shape, axes", BN_CASES + [((7, 3), (1,)), ((2, 3, 3, 4), (3,))])
def test_batch_norm_train(backend, norm_chunks, shape, axes):
    x = rand(*shape) * 3.0 + 1.5
    pshape = tuple(shape[a] for a in axes)
    gamma, beta = rand(*pshape, low=0.5, high=2.0, seed=1), rand(*pshape, seed=2)
    y, mean, var, inv_std = backend.batch_norm_train(dev(backend, x), dev(backend, gamma),
                                                     dev(backend, beta), axes, 1e-3)
    ry, rmean, rvar = _ref_bn(x, gamma, beta, axes, 1e-3)
    check(backend, y, ry, rtol=RED, atol=1e-4)
    check(backend, mean, rmean, rtol=RED, atol=1e-5)
    check(backend, var, rvar, rtol=RED, atol=1e-5)
    check(backend, inv_std, 1 / np.sqrt(rvar + 1e-3), rtol=RED)


def test_batch_norm_train_without_scale_and_offset(backend):
    x = rand(6, 4)
    y, _, _, _ = backend.batch_norm_train(dev(backend, x), None, None, (1,), 1e-3)
    ry, _, _ = _ref_bn(x, np.ones(4), np.zeros(4), (1,), 1e-3)
    check(backend, y, ry, rtol=RED, atol=1e-5)


def test_batch_norm_train_is_stable_far_from_zero(backend, norm_chunks):
    # E[x^2] - E[x]^2 would lose every digit here in float32.
    x = (1000.0 + rand(64, 2) * 0.01).astype("float32")
    _, _, var, _ = backend.batch_norm_train(dev(backend, x), None, None, (1,), 1e-3)
    np.testing.assert_allclose(host(backend, var).ravel(), x.astype("float64").var(0), rtol=0.05)


def _bn_grads_by_formula(g, x, gamma, axes, epsilon, g_mean, g_var):
    """The textbook chain rule through mean and variance, term by term (not the fused form)."""
    reduce = tuple(i for i in range(x.ndim) if i not in axes)
    kept = tuple(n if i in axes else 1 for i, n in enumerate(x.shape))
    n = np.prod([x.shape[i] for i in reduce])
    g, x = g.astype("float64"), x.astype("float64")
    mean = x.mean(axis=reduce, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=reduce, keepdims=True)
    inv = 1 / np.sqrt(var + epsilon)
    x_hat = (x - mean) * inv
    gam = gamma.reshape(kept)
    dx_hat = g * gam
    dvar = (dx_hat * (x - mean)).sum(reduce, keepdims=True) * -0.5 * inv ** 3 + g_var.reshape(kept)
    dmean = (-dx_hat * inv).sum(reduce, keepdims=True) + g_mean.reshape(kept)
    dx = dx_hat * inv + dvar * 2 * (x - mean) / n + dmean / n
    return dx, (g * x_hat).sum(reduce, keepdims=True), g.sum(reduce, keepdims=True)


@covers("batch_norm_grad")
@pytest.mark.parametrize("shape, axes", BN_CASES + [((7, 3), (1,)), ((2, 3, 3, 4), (3,))])
@pytest.mark.parametrize("with_stat_grads", [False, True])
def test_batch_norm_grad(backend, norm_chunks, shape, axes, with_stat_grads):
    x, g = rand(*shape, seed=3), rand(*shape, seed=4)
    pshape = tuple(shape[a] for a in axes)
    gamma = rand(*pshape, low=0.5, high=2.0, seed=5)
    g_mean = rand(*pshape, seed=6) if with_stat_grads else np.zeros(pshape, "float32")
    g_var = rand(*pshape, seed=7) if with_stat_grads else np.zeros(pshape, "float32")
    _, mean, _, inv_std = backend.batch_norm_train(dev(backend, x), None, None, axes, 1e-3)
    extra = (dev(backend, g_mean), dev(backend, g_var)) if with_stat_grads else (None, None)
    dx, dgamma, dbeta = backend.batch_norm_grad(dev(backend, g), dev(backend, x), mean, inv_std,
                                                dev(backend, gamma), axes, *extra)
    rdx, rdgamma, rdbeta = _bn_grads_by_formula(g, x, gamma, axes, 1e-3, g_mean, g_var)
    check(backend, dx, rdx, rtol=RED, atol=1e-4)
    check(backend, dgamma, rdgamma, rtol=RED, atol=1e-4)
    check(backend, dbeta, rdbeta, rtol=RED, atol=1e-4)


@covers("batch_norm_infer")
@pytest.mark.parametrize("shape, axes", BN_CASES)
def test_batch_norm_infer(backend, shape, axes):
    x = rand(*shape)
    pshape = tuple(shape[a] for a in axes)
    kept = tuple(n if i in axes else 1 for i, n in enumerate(shape))
    mean, var = rand(*pshape, seed=1), rand(*pshape, low=0.1, high=2.0, seed=2)
    gamma, beta = rand(*pshape, seed=3), rand(*pshape, seed=4)
    y = backend.batch_norm_infer(*(dev(backend, a) for a in (x, mean, var, gamma, beta)), axes, 1e-3)
    ref = (x - mean.reshape(kept)) / np.sqrt(var.reshape(kept) + 1e-3) * gamma.reshape(kept) + \
        beta.reshape(kept)
    check(backend, y, ref, rtol=EW, atol=1e-5)
    y = backend.batch_norm_infer(dev(backend, x), dev(backend, mean), dev(backend, var), None, None, axes, 0.1)
    check(backend, y, (x - mean.reshape(kept)) / np.sqrt(var.reshape(kept) + 0.1), rtol=EW, atol=1e-5)


@covers("batch_norm_infer_grad")
@pytest.mark.parametrize("shape, axes", BN_CASES[:3])
def test_batch_norm_infer_grad(backend, shape, axes):
    x, g = rand(*shape, seed=1), rand(*shape, seed=2)
    c = shape[axes[0]]
    kept = tuple(n if i in axes else 1 for i, n in enumerate(shape))
    mean, var, gamma = rand(c, seed=3), rand(c, low=0.1, high=2.0, seed=4), rand(c, seed=5)
    args = [dev(backend, a) for a in (g, x, mean, var, gamma)]
    dx, dmean, dvar, dgamma, dbeta = backend.batch_norm_infer_grad(*args, axes, 1e-3)
    reduce = tuple(i for i in range(x.ndim) if i not in axes)
    m, v, gm = (a.reshape(kept).astype("float64") for a in (mean, var, gamma))
    inv = 1 / np.sqrt(v + 1e-3)
    check(backend, dx, g * gm * inv, rtol=EW, atol=1e-5)
    check(backend, dbeta, g.sum(reduce, keepdims=True), rtol=RED, atol=1e-4)
    check(backend, dgamma, (g * (x - m) * inv).sum(reduce, keepdims=True), rtol=RED, atol=1e-4)
    check(backend, dmean, -(g * gm * inv).sum(reduce, keepdims=True), rtol=RED, atol=1e-4)
    check(backend, dvar, (g * gm * (x - m) * -0.5 * inv ** 3).sum(reduce, keepdims=True), rtol=RED, atol=1e-4)
    only_dx = backend.batch_norm_infer_grad(*args, axes, 1e-3, param_grads=False)
    check(backend, only_dx[0], g * gm * inv, rtol=EW, atol=1e-5)
    assert only_dx[1:] == (None, None, None, None)


@covers("moving_average_update")
def test_moving_average_update(backend):
    var = dev(backend, np.full(3, 2.0, "float32"))
    value = dev(backend, np.array([[1.0, 4.0, 2.0]], "float32"))  # broadcast shape, reshaped to var's
    assert backend.moving_average_update(var, value, 0.9) is None
    check(backend, var, 0.9 * 2.0 + 0.1 * np.array([1.0, 4.0, 2.0]))
    backend.moving_average_update(var, value, 0.5, value_scale=2.0)
    check(backend, var, 0.5 * (0.9 * 2.0 + 0.1 * np.array([1.0, 4.0, 2.0])) + 0.5 * np.array([2.0, 8.0, 4.0]))


LN_CASES = [((4, 6), (1,)), ((2, 3, 5), (2,)), ((2, 3, 4, 2), (1, 2)), ((2, 3, 4), (1, 2))]


def _ref_ln(x, gamma, beta, axes, epsilon):
    kept = tuple(n if i in axes else 1 for i, n in enumerate(x.shape))
    x = x.astype("float64")
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma.reshape(kept) + beta.reshape(kept), mean, var


@covers("layer_norm")
@pytest.mark.parametrize("shape, axes", LN_CASES + [((5, 3, 4), (2,))])
def test_layer_norm(backend, norm_chunks, shape, axes):
    x = rand(*shape) * 2.0 - 0.5
    pshape = tuple(shape[a] for a in axes)
    gamma, beta = rand(*pshape, seed=1), rand(*pshape, seed=2)
    y, mean, inv_std = backend.layer_norm(dev(backend, x), dev(backend, gamma), dev(backend, beta), axes, 1e-3)
    ry, rmean, rvar = _ref_ln(x, gamma, beta, axes, 1e-3)
    check(backend, y, ry, rtol=RED, atol=1e-4)
    check(backend, mean, rmean, rtol=RED, atol=1e-5)
    check(backend, inv_std, 1 / np.sqrt(rvar + 1e-3), rtol=RED)
    y, _, _ = backend.layer_norm(dev(backend, x), None, None, axes, 1e-3)
    check(backend, y, _ref_ln(x, np.ones(pshape), np.zeros(pshape), axes, 1e-3)[0], rtol=RED, atol=1e-4)


@covers("layer_norm_grad")
@pytest.mark.parametrize("shape, axes", LN_CASES + [((5, 3, 4), (2,))])
def test_layer_norm_grad(backend, norm_chunks, shape, axes):
    x, g = rand(*shape, seed=3), rand(*shape, seed=4)
    pshape = tuple(shape[a] for a in axes)
    kept = tuple(n if i in axes else 1 for i, n in enumerate(shape))
    others = tuple(i for i in range(len(shape)) if i not in axes)
    gamma = rand(*pshape, low=0.5, high=2.0, seed=5)
    _, mean, inv_std = backend.layer_norm(dev(backend, x), None, None, axes, 1e-3)
    dx, dgamma, dbeta = backend.layer_norm_grad(dev(backend, g), dev(backend, x), mean, inv_std,
                                                dev(backend, gamma), axes)
    # Chain rule term by term, as for batch normalization but over the normalized axes.
    xd, gd = x.astype("float64"), g.astype("float64")
    n = np.prod(pshape)
    m = xd.mean(axes, keepdims=True)
    v = ((xd - m) ** 2).mean(axes, keepdims=True)
    inv = 1 / np.sqrt(v + 1e-3)
    dxh = gd * gamma.reshape(kept)
    dvar = (dxh * (xd - m)).sum(axes, keepdims=True) * -0.5 * inv ** 3
    dmean = (-dxh * inv).sum(axes, keepdims=True)
    check(backend, dx, dxh * inv + dvar * 2 * (xd - m) / n + dmean / n, rtol=RED, atol=1e-4)
    check(backend, dgamma, (gd * (xd - m) * inv).sum(others, keepdims=True), rtol=RED, atol=1e-4)
    check(backend, dbeta, gd.sum(others, keepdims=True), rtol=RED, atol=1e-4)

