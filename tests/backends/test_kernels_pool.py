"""The pooling kernels against loop-by-loop NumPy references written here (one window at a time, with
TensorFlow's 'same' padding rule), on every available backend."""
import itertools

import numpy as np
import pytest

from tests.backends.kernel_test_utils import RED, check, covers, dev, rand


def _geometry(n, k, s, padding):
    if padding == "same":
        out = -(-n // s)
        return out, max((out - 1) * s + k - n, 0) // 2
    return (n - k) // s + 1, 0


def _windows(spatial, pool_size, strides, padding):
    """For each output index, the tuple of input slices of its window (clipped to the real input)."""
    geo = [_geometry(n, k, s, padding) for n, k, s in zip(spatial, pool_size, strides)]
    for out_idx in itertools.product(*(range(o) for o, _ in geo)):
        key = []
        for i, (o, lo), n, k, s in zip(out_idx, geo, spatial, pool_size, strides):
            start = i * s - lo
            key.append(slice(max(start, 0), min(start + k, n)))
        yield out_idx, tuple(key)


def _out_shape(x_shape, pool_size, strides, padding):
    return (x_shape[0],) + tuple(_geometry(n, k, s, padding)[0]
                                 for n, k, s in zip(x_shape[1:-1], pool_size, strides)) + (x_shape[-1],)


def ref_pool(x, pool_size, strides, padding, reduce):
    out = np.zeros(_out_shape(x.shape, pool_size, strides, padding), x.dtype)
    for out_idx, key in _windows(x.shape[1:-1], pool_size, strides, padding):
        win = x[(slice(None),) + key + (slice(None),)]
        flat = win.reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + out_idx + (slice(None),)] = reduce(flat, axis=1)
    return out


def ref_max_pool_grad(g, x, pool_size, strides, padding):
    gx = np.zeros_like(x)
    for out_idx, key in _windows(x.shape[1:-1], pool_size, strides, padding):
        for b in range(x.shape[0]):
            for c in range(x.shape[-1]):
                win = x[(b,) + key + (c,)]
                first = np.unravel_index(np.argmax(win), win.shape)  # argmax: the first maximum
                pos = tuple(sl.start + f for sl, f in zip(key, first))
                gx[(b,) + pos + (c,)] += g[(b,) + out_idx + (c,)]
    return gx


def ref_avg_pool_grad(g, shape, pool_size, strides, padding):
    gx = np.zeros(shape, g.dtype)
    for out_idx, key in _windows(shape[1:-1], pool_size, strides, padding):
        count = np.prod([sl.stop - sl.start for sl in key])
        gsl = g[(slice(None),) + out_idx + (slice(None),)]
        gx[(slice(None),) + key + (slice(None),)] += (gsl / count).reshape(
            (shape[0],) + (1,) * len(key) + (shape[-1],))
    return gx


CASES = [
    ((2, 7, 3), (2,), (2,), "valid"),
    ((2, 7, 3), (3,), (2,), "same"),
    ((2, 6, 2), (2,), (1,), "same"),
    ((2, 6, 6, 3), (2, 2), (2, 2), "valid"),
    ((2, 7, 5, 3), (2, 2), (2, 2), "valid"),   # odd sizes: the last row/column is dropped
    ((2, 7, 5, 3), (2, 2), (2, 2), "same"),
    ((1, 6, 7, 2), (3, 3), (2, 2), "same"),    # overlapping windows
    ((1, 5, 6, 2), (3, 2), (1, 3), "valid"),
    ((1, 4, 5, 2), (4, 4), (1, 1), "same"),    # windows wider than the padding on one side
    ((1, 4, 5, 4, 2), (2, 2, 2), (2, 2, 2), "valid"),
    ((1, 4, 5, 3, 2), (2, 3, 2), (1, 2, 2), "same"),
]


@covers("max_pool")
@pytest.mark.parametrize("shape, pool_size, strides, padding", CASES)
def test_max_pool(backend, shape, pool_size, strides, padding):
    x = rand(*shape)
    check(backend, backend.max_pool(dev(backend, x), pool_size, strides, padding),
          ref_pool(x, pool_size, strides, padding, np.max), rtol=0, atol=0)


@covers("avg_pool")
@pytest.mark.parametrize("shape, pool_size, strides, padding", CASES)
def test_avg_pool(backend, shape, pool_size, strides, padding):
    x = rand(*shape)
    check(backend, backend.avg_pool(dev(backend, x), pool_size, strides, padding),
          ref_pool(x, pool_size, strides, padding, np.mean), rtol=RED)


@covers("max_pool_grad")
@pytest.mark.parametrize("chunks", ["whole batch", "one image a chunk"])
@pytest.mark.parametrize("shape, pool_size, strides, padding", CASES + [((3, 6, 6, 3), (2, 2), (2, 2), "valid")])
def test_max_pool_grad(backend, monkeypatch, chunks, shape, pool_size, strides, padding):
    if chunks != "whole batch":
        monkeypatch.setattr(backend, "pool_chunk_bytes", 1)  # the CPU's batch chunks, in miniature
    x = rand(*shape)
    y = backend.max_pool(dev(backend, x), pool_size, strides, padding)
    g = rand(*y.shape, seed=1)
    got = backend.max_pool_grad(dev(backend, g), dev(backend, x), y, pool_size, strides, padding)
    check(backend, got, ref_max_pool_grad(g, x, pool_size, strides, padding), rtol=RED)


@covers("avg_pool_grad")
@pytest.mark.parametrize("shape, pool_size, strides, padding", CASES)
def test_avg_pool_grad(backend, shape, pool_size, strides, padding):
    x_shape = tuple(shape)
    g = rand(*_out_shape(x_shape, pool_size, strides, padding), seed=1)
    got = backend.avg_pool_grad(dev(backend, g), x_shape, pool_size, strides, padding)
    check(backend, got, ref_avg_pool_grad(g, x_shape, pool_size, strides, padding), rtol=RED)


@pytest.mark.parametrize("strides", [(2, 2), (1, 1)])
def test_max_pool_grad_ties_go_to_the_first_maximum(backend, strides):
    # A constant input: every element of every window ties; TensorFlow picks the first in row-major order.
    x = np.ones((1, 4, 4, 1), "float32")
    y = backend.max_pool(dev(backend, x), (2, 2), strides, "valid")
    g = np.ones(y.shape, "float32")
    got = backend.max_pool_grad(dev(backend, g), dev(backend, x), y, (2, 2), strides, "valid")
    expected = np.zeros((1, 4, 4, 1), "float32")
    if strides == (2, 2):
        expected[0, ::2, ::2, 0] = 1  # the top-left corner of each disjoint window
    else:
        expected[0, :3, :3, 0] = 1    # window (i, j) starts at (i, j): each start is its first maximum
    check(backend, got, expected, rtol=0, atol=0)
    check(backend, got, ref_max_pool_grad(g, x, (2, 2), strides, "valid"), rtol=0, atol=0)


def test_max_pool_same_padding_never_wins(backend):
    # All-negative input: a zero-padded max would return 0 at the borders.
    x = -rand(1, 3, 3, 1, low=1.0, high=2.0)
    got = backend.to_numpy(backend.max_pool(dev(backend, x), (2, 2), (2, 2), "same"))
    assert np.all(got < 0)
    np.testing.assert_array_equal(got, ref_pool(x, (2, 2), (2, 2), "same", np.max))


def test_pool_kernels_keep_float64(backend):
    x = rand(1, 4, 4, 2).astype("float64")
    y = backend.max_pool(dev(backend, x), (2, 2), (2, 2), "same")
    assert backend.dtype_name(y) == "float64"
    assert backend.dtype_name(backend.avg_pool(dev(backend, x), (2, 2), (1, 1), "same")) == "float64"
    g = backend.avg_pool_grad(dev(backend, np.ones((1, 4, 4, 2))), (1, 4, 4, 2), (2, 2), (1, 1), "same")
    assert backend.dtype_name(g) == "float64"


# ---------------------------------------------------------------- the CuPy pooling overrides
@pytest.fixture(scope="module")
def host_pool(tmp_path_factory):
    """The CuPy override code over NumPy, its CUDA kernels built for the host (tests/backends/cuda_host.py):
    the same Python orchestration and the same kernel arithmetic, run without a GPU."""
    from backends import cupy_pool
    from backends.numpy_backend import NumpyBackend
    from tests.backends import cuda_host
    lib = cuda_host.build(tmp_path_factory, cupy_pool._SOURCE)

    class HostCudaPool(cupy_pool.CupyPoolingKernels, NumpyBackend):
        def _pool_function(self, name, dtype):
            return cuda_host.launcher(lib, f"{name}_{'f32' if dtype == np.float32 else 'f64'}")
    return HostCudaPool()


TIES = [((2, 4, 4, 2), (2, 2), (2, 2), "valid"), ((1, 5, 5, 1), (3, 3), (1, 1), "same"),
        ((1, 6, 2), (3,), (1,), "valid")]


@pytest.mark.parametrize("shape, pool_size, strides, padding", CASES + TIES)
def test_cuda_pooling_matches_the_generic_kernels_on_the_host(host_pool, shape, pool_size, strides, padding):
    from backends.generic import XPBackend
    x = rand(*shape, seed=3).astype("float64")
    if (shape, pool_size, strides, padding) in TIES:
        x = np.round(x)  # few distinct values: many windows hold several equal maxima
    for name, args in (("max_pool", (x,)), ("avg_pool", (x,))):
        got = getattr(host_pool, name)(*args, pool_size, strides, padding)
        want = getattr(XPBackend, name)(host_pool, *args, pool_size, strides, padding)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    y = host_pool.max_pool(x, pool_size, strides, padding)
    g = rand(*y.shape, seed=4).astype("float64")
    np.testing.assert_allclose(host_pool.max_pool_grad(g, x, y, pool_size, strides, padding),
                               XPBackend.max_pool_grad(host_pool, g, x, y, pool_size, strides, padding),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(host_pool.avg_pool_grad(g, x.shape, pool_size, strides, padding),
                               XPBackend.avg_pool_grad(host_pool, g, x.shape, pool_size, strides, padding),
                               rtol=1e-12, atol=1e-15)


def test_cupy_pooling_overrides_match_generic():
    from backends.generic import XPBackend
    from tests.backends import cuda_host
    b = cuda_host.cupy_backend_or_skip()
    for shape, pool_size, strides, padding in CASES + TIES:
        x = b.asarray(rand(*shape, seed=3))
        y = b.max_pool(x, pool_size, strides, padding)
        np.testing.assert_array_equal(b.to_numpy(y), b.to_numpy(XPBackend.max_pool(b, x, pool_size, strides, padding)))
        g = b.asarray(rand(*y.shape, seed=4))
        for got, want in ((b.max_pool_grad(g, x, y, pool_size, strides, padding),
                           XPBackend.max_pool_grad(b, g, x, y, pool_size, strides, padding)),
                          (b.avg_pool(x, pool_size, strides, padding),
                           XPBackend.avg_pool(b, x, pool_size, strides, padding)),
                          (b.avg_pool_grad(g, x.shape, pool_size, strides, padding),
                           XPBackend.avg_pool_grad(b, g, x.shape, pool_size, strides, padding))):
            np.testing.assert_allclose(b.to_numpy(got), b.to_numpy(want), rtol=RED, atol=1e-6)


def test_every_cupy_pool_override_has_a_parity_case():
    from backends.cupy_pool import CupyPoolingKernels
    overrides = sorted(k for k, v in vars(CupyPoolingKernels).items() if not k.startswith("_") and callable(v))
    assert overrides == ["avg_pool", "avg_pool_grad", "max_pool", "max_pool_grad"], overrides


def ref_max_pool_select(c, x, pool_size, strides, padding):
    out = np.zeros(_out_shape(x.shape, pool_size, strides, padding), c.dtype)
    for out_idx, key in _windows(x.shape[1:-1], pool_size, strides, padding):
        for b in range(x.shape[0]):
            for ch in range(x.shape[-1]):
                win = x[(b,) + key + (ch,)]
                first = np.unravel_index(np.argmax(win), win.shape)
                pos = tuple(sl.start + f for sl, f in zip(key, first))
                out[(b,) + out_idx + (ch,)] = c[(b,) + pos + (ch,)]
    return out


@covers("max_pool_select")
@pytest.mark.parametrize("shape, pool_size, strides, padding", CASES)
def test_max_pool_select(backend, shape, pool_size, strides, padding):
    x, c = rand(*shape), rand(*shape, seed=1)
    y = backend.max_pool(dev(backend, x), pool_size, strides, padding)
    got = backend.max_pool_select(dev(backend, c), dev(backend, x), y, pool_size, strides, padding)
    check(backend, got, ref_max_pool_select(c, x, pool_size, strides, padding), rtol=0, atol=0)


def test_max_pool_select_is_the_transpose_of_max_pool_grad(backend):
    # <max_pool_grad(g), c> == <g, max_pool_select(c)>, ties included (a constant block).
    x = rand(1, 6, 7, 2)
    x[0, :2, :2] = 0.5
    c, shape = rand(1, 6, 7, 2, seed=1), (1, 6, 7, 2)
    y = backend.max_pool(dev(backend, x), (3, 3), (2, 2), "same")
    g = rand(*y.shape, seed=2)
    lhs = np.sum(backend.to_numpy(backend.max_pool_grad(dev(backend, g), dev(backend, x), y, (3, 3), (2, 2),
                                                        "same")) * c)
    rhs = np.sum(g * backend.to_numpy(backend.max_pool_select(dev(backend, c), dev(backend, x), y, (3, 3),
                                                              (2, 2), "same")))
    assert shape == x.shape
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5)
