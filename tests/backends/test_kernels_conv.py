"""The convolution kernels of `backends.base_conv` on every available backend, against direct NumPy loops
(tests/layers/conv_test_utils.py): shape, dtype (float32 stays float32) and values, for 1-D, 2-D and 3-D
with strides, dilation, asymmetric padding and groups; plus the CuPy overrides' parity with the generic
kernels they replace (skipped without a CUDA device)."""
import math

import numpy as np
import pytest

from backends.conv_arithmetic import conv_output_sizes
from backends.generic import XPBackend
from tests.backends import cuda_host
from tests.backends.kernel_test_utils import RED, check, covers, dev, host, rand
from tests.layers import conv_test_utils as ref

# (x shape, kernel shape, strides, padding, dilation, groups)
CASES = [
    ((2, 9, 3), (3, 3, 4), (1,), ((0, 0),), (1,), 1),
    ((2, 9, 3), (3, 3, 4), (2,), ((1, 2),), (1,), 1),
    ((2, 9, 2), (3, 2, 4), (1,), ((4, 0),), (2,), 1),              # causal, dilated
    ((2, 6, 7, 3), (3, 2, 3, 4), (2, 1), ((1, 1), (0, 1)), (1, 1), 1),
    ((1, 8, 8, 2), (3, 3, 2, 3), (1, 1), ((2, 2), (2, 2)), (2, 2), 1),
    ((2, 5, 5, 3), (3, 3, 3, 2), (3, 3), ((0, 0), (0, 0)), (1, 1), 1),  # stride > kernel: skipped rows
    ((3, 5, 5, 3), (5, 5, 3, 2), (1, 1), ((2, 2), (2, 2)), (1, 1), 1),  # padding reaches every edge
    ((2, 6, 7, 3), (1, 1, 3, 5), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),  # 1x1: the GEMM-only path
    ((2, 7, 7, 3), (1, 1, 3, 5), (2, 2), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 6, 6, 4), (3, 3, 2, 6), (1, 1), ((1, 1), (1, 1)), (1, 1), 2),  # groups
    ((1, 4, 4, 6), (2, 2, 2, 3), (1, 1), ((0, 1), (0, 1)), (1, 1), 3),
    ((2, 5, 6, 7, 2), (2, 3, 2, 2, 3), (1, 2, 2), ((0, 1), (1, 1), (0, 0)), (1, 1, 1), 1),
    # Above, k_w * C < 16: patches built offset by offset. Below, the usual chunked im2col layout.
    ((2, 9, 6), (3, 6, 4), (2,), ((1, 1),), (1,), 1),
    ((2, 6, 7, 8), (3, 3, 8, 5), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((1, 8, 8, 8), (3, 3, 8, 3), (1, 1), ((2, 2), (2, 2)), (2, 2), 1),
    ((2, 7, 6, 8), (3, 2, 8, 3), (2, 3), ((0, 1), (1, 0)), (1, 1), 1),
    ((2, 6, 6, 16), (3, 3, 8, 6), (1, 1), ((1, 1), (1, 1)), (1, 1), 2),
    ((1, 4, 5, 4, 6), (2, 3, 3, 6, 2), (1, 1, 2), ((0, 1), (1, 1), (1, 0)), (1, 1, 1), 1),
    # One input channel per group (ConvNeXt's depthwise Conv2D): the generic kernels run them as depthwise.
    ((2, 7, 7, 5), (7, 7, 1, 5), (1, 1), ((3, 3), (3, 3)), (1, 1), 5),
    ((2, 6, 7, 4), (3, 2, 1, 8), (2, 1), ((1, 1), (0, 1)), (1, 2), 4),
    ((2, 9, 3), (3, 1, 6), (2,), ((1, 2),), (1,), 3),
]
IDS = [f"{len(c[0]) - 2}d-s{c[2]}-p{c[3]}-d{c[4]}-g{c[5]}".replace(" ", "") for c in CASES]


def _inputs(case, seed=0):
    xs, ks = case[0], case[1]
    return rand(*xs, seed=seed), rand(*ks, seed=seed + 1) * 0.5


@covers("conv", "conv_grad_input", "conv_grad_kernel")
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_and_grads_match_loops(backend, case):
    _, _, strides, pads, dilation, groups = case
    x, kernel = _inputs(case)
    expected = ref.conv(x, kernel, strides, pads, dilation, groups)
    xd, kd = dev(backend, x), dev(backend, kernel)
    out = backend.conv(xd, kd, strides, pads, dilation, groups)
    check(backend, out, expected, rtol=RED, atol=1e-5)

    g = rand(*expected.shape, seed=7)
    dx, dk = ref.conv_grads(x, kernel, g, strides, pads, dilation, groups)
    gd = dev(backend, g)
    check(backend, backend.conv_grad_input(gd, kd, x.shape, strides, pads, dilation, groups), dx,
          rtol=RED, atol=1e-5)
    check(backend, backend.conv_grad_kernel(xd, gd, kernel.shape, strides, pads, dilation, groups), dk,
          rtol=RED, atol=1e-4)
    # Kernels never change their inputs.
    check(backend, xd, x, rtol=0, atol=0)
    check(backend, gd, g, rtol=0, atol=0)


@pytest.mark.parametrize("relu", [False, True])
def test_conv_fuses_bias_and_relu(backend, relu):
    x, kernel, bias = rand(2, 6, 6, 3, seed=1), rand(3, 3, 3, 4, seed=2), rand(4, seed=3)
    pads = ((1, 1), (1, 1))
    expected = ref.conv(x, kernel, (1, 1), pads, (1, 1)) + bias
    if relu:
        expected = np.maximum(expected, 0.0)
    out = backend.conv(dev(backend, x), dev(backend, kernel), (1, 1), pads, (1, 1), bias=dev(backend, bias),
                       relu=relu)
    check(backend, out, expected, rtol=RED, atol=1e-5)


def test_conv_float64_stays_float64(backend):
    x, kernel = rand(1, 5, 5, 2).astype("float64"), rand(2, 2, 2, 3, seed=1).astype("float64")
    pads = ((0, 1), (1, 0))
    out = backend.conv(dev(backend, x), dev(backend, kernel), (1, 1), pads, (1, 1))
    check(backend, out, ref.conv(x, kernel, (1, 1), pads, (1, 1)), rtol=1e-10, atol=1e-12, dtype="float64")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_chunked_batch_matches_one_chunk(backend, case):
    """The batch is cut into cache-sized chunks; the result must not depend on where the cuts fall."""
    _, _, strides, pads, dilation, groups = case
    x, kernel = _inputs(case, seed=3)
    xd, kd = dev(backend, x), dev(backend, kernel)
    whole = backend.conv(xd, kd, strides, pads, dilation, groups)
    g = dev(backend, rand(*whole.shape, seed=4))
    results = []
    for chunk_bytes in (1 << 30, 1):  # one chunk, then one image per chunk
        backend.conv_chunk_bytes = chunk_bytes
        try:
            results.append([host(backend, a) for a in (
                backend.conv(xd, kd, strides, pads, dilation, groups),
                backend.conv_grad_input(g, kd, x.shape, strides, pads, dilation, groups),
                backend.conv_grad_kernel(xd, g, kernel.shape, strides, pads, dilation, groups))])
        finally:
            del backend.conv_chunk_bytes  # back to the class default
    for one, many in zip(*results):
        np.testing.assert_allclose(many, one, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("keep_bytes", [None, 0], ids=["kept", "over-the-cap"])
def test_saved_patches_give_the_same_kernel_gradient(backend, keep_bytes):
    """The forward may leave its patch matrix in `saved` for conv_grad_kernel, which takes it out."""
    for case in (CASES[3], CASES[13]):  # patches built offset by offset, then in chunks
        _check_saved_patches(backend, case, keep_bytes)


def _check_saved_patches(backend, case, keep_bytes):
    _, _, strides, pads, dilation, groups = case
    x, kernel = _inputs(case, seed=21)
    xd, kd = dev(backend, x), dev(backend, kernel)
    if keep_bytes is not None:
        backend.conv_keep_patches_bytes = keep_bytes
    saved = {}
    out = backend.conv(xd, kd, strides, pads, dilation, groups, saved=saved)
    if keep_bytes == 0:
        assert not saved
    elif type(backend).conv is XPBackend.conv:
        assert saved  # the generic kernels keep them; CuPy and oneDNN rebuild instead
    g = dev(backend, rand(*out.shape, seed=22))
    reused = backend.conv_grad_kernel(xd, g, kernel.shape, strides, pads, dilation, groups, saved=saved)
    assert not saved
    rebuilt = backend.conv_grad_kernel(xd, g, kernel.shape, strides, pads, dilation, groups)
    np.testing.assert_allclose(host(backend, reused), host(backend, rebuilt), rtol=1e-6, atol=1e-6)


DEPTHWISE = [
    ((2, 9, 3), (3, 3, 1), (1,), ((1, 1),), (1,)),
    ((2, 9, 2), (2, 2, 3), (2,), ((0, 1),), (1,)),
    ((2, 6, 7, 3), (3, 3, 3, 2), (2, 1), ((1, 1), (0, 2)), (1, 1)),
    ((1, 8, 8, 2), (3, 3, 2, 1), (1, 1), ((2, 2), (2, 2)), (2, 2)),
    ((1, 4, 5, 4, 2), (2, 2, 2, 2, 2), (1, 1, 2), ((0, 1), (1, 0), (0, 0)), (1, 1, 1)),
]


@covers("depthwise_conv", "depthwise_conv_grad_input", "depthwise_conv_grad_kernel")
@pytest.mark.parametrize("case", DEPTHWISE, ids=[f"{len(c[0]) - 2}d-{i}" for i, c in enumerate(DEPTHWISE)])
def test_depthwise_conv_and_grads_match_loops(backend, case):
    xs, ks, strides, pads, dilation = case
    x, kernel = rand(*xs, seed=5), rand(*ks, seed=6)
    expected = ref.depthwise_conv(x, kernel, strides, pads, dilation)
    xd, kd = dev(backend, x), dev(backend, kernel)
    check(backend, backend.depthwise_conv(xd, kd, strides, pads, dilation), expected, rtol=RED, atol=1e-5)
    g = rand(*expected.shape, seed=8)
    dx, dk = ref.depthwise_grads(x, kernel, g, strides, pads, dilation)
    gd = dev(backend, g)
    check(backend, backend.depthwise_conv_grad_input(gd, kd, x.shape, strides, pads, dilation), dx,
          rtol=RED, atol=1e-5)
    check(backend, backend.depthwise_conv_grad_kernel(xd, gd, kernel.shape, strides, pads, dilation), dk,
          rtol=RED, atol=1e-4)
    check(backend, xd, x, rtol=0, atol=0)


# ---------------------------------------------------------------- CuPy overrides (STYLE.md 4)
def test_every_cupy_conv_override_has_a_parity_case():
    # Inspecting the class needs neither CuPy nor a device.
    from backends.cupy_conv import CupyConvolutionKernels
    overrides = sorted(k for k, v in vars(CupyConvolutionKernels).items() if not k.startswith("_") and callable(v))
    assert overrides, "the CuPy convolution mixin overrides nothing: is it still wired in?"
    assert set(overrides) <= {"conv", "conv_grad_input", "conv_grad_kernel"}, overrides


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cupy_conv_overrides_match_generic(case):
    b = cuda_host.cupy_backend_or_skip()
    _, _, strides, pads, dilation, groups = case
    x, kernel = _inputs(case, seed=11)
    xd, kd, bias = b.asarray(x), b.asarray(kernel), b.asarray(rand(kernel.shape[-1], seed=12))
    fast = b.conv(xd, kd, strides, pads, dilation, groups, bias=bias, relu=True)
    generic = XPBackend.conv(b, xd, kd, strides, pads, dilation, groups, bias=bias, relu=True)
    np.testing.assert_allclose(b.to_numpy(fast), b.to_numpy(generic), rtol=RED, atol=1e-5)
    g = b.asarray(rand(*fast.shape, seed=13))
    for name, args in (("conv_grad_input", (g, kd, x.shape)), ("conv_grad_kernel", (xd, g, kernel.shape))):
        fast = getattr(b, name)(*args, strides, pads, dilation, groups)
        generic = getattr(XPBackend, name)(b, *args, strides, pads, dilation, groups)
        assert fast.dtype == generic.dtype and fast.shape == generic.shape
        np.testing.assert_allclose(b.to_numpy(fast), b.to_numpy(generic), rtol=RED, atol=1e-4)


# ---------------------------------------------------------------- the CUDA sources' arithmetic, on the host
@pytest.fixture(scope="module")
def host_cuda_kernels(tmp_path_factory):
    """backends/cuda/conv.cu compiled as plain C++ (tests/backends/cuda_host.py)."""
    from backends import cupy_conv
    return cuda_host.build(tmp_path_factory, cupy_conv._SOURCE)


def _host_launch(lib, name, src, dst, geometry):
    args = [src, dst, np.int64(dst.size)] + [np.int32(v) for v in geometry]
    cuda_host.launcher(lib, name)(None, None, args)


@pytest.mark.parametrize("case", [c for c in CASES if c[5] == 1], ids=[i for i, c in zip(IDS, CASES) if c[5] == 1])
def test_cuda_im2col_col2im_arithmetic_on_the_host(host_cuda_kernels, case):
    from backends.cupy_conv import CupyConvolutionKernels as K
    _, _, strides, pads, dilation, _ = case
    x, kernel = (a.astype("float64") for a in _inputs(case))
    ksize, f = kernel.shape[:-2], kernel.shape[-1]
    out_spatial = conv_output_sizes(x.shape[1:-1], ksize, strides, pads, dilation)
    geometry = K._geometry(x.shape, out_spatial, ksize, strides, pads, dilation)

    cols = np.empty((x.shape[0],) + out_spatial + ksize + (x.shape[-1],))
    _host_launch(host_cuda_kernels, "im2col_f64", np.ascontiguousarray(x), cols, geometry)
    out = cols.reshape(-1, math.prod(ksize) * x.shape[-1]) @ kernel.reshape(-1, f)
    np.testing.assert_allclose(out.reshape((x.shape[0],) + out_spatial + (f,)),
                               ref.conv(x, kernel, strides, pads, dilation), rtol=1e-12, atol=1e-12)

    g = rand(x.shape[0], *out_spatial, f, seed=9).astype("float64")
    gcols = np.ascontiguousarray(g.reshape(-1, f) @ kernel.reshape(-1, f).T)
    dx = np.empty(x.shape)
    _host_launch(host_cuda_kernels, "col2im_f64", gcols, dx, geometry)
    np.testing.assert_allclose(dx, ref.conv_grads(x, kernel, g, strides, pads, dilation)[0], rtol=1e-12,
                               atol=1e-12)

