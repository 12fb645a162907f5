"""oneDNN's convolution kernels (backends/onednn_conv.py) against the generic NumPy kernels on the same
inputs: every case of the generic kernels' own tests (1-D to 3-D, strides, dilation, asymmetric padding,
groups), with bias and ReLU fused, both gradients, and depthwise; float64 runs the generic kernel.
Skipped where oneDNN is not installed."""
import numpy as np
import pytest

from backends import onednn_conv
from tests.backends.kernel_test_utils import RED, rand
from tests.backends.onednn_host import backends_or_skip, served
from tests.backends.test_kernels_conv import CASES, DEPTHWISE, IDS, _inputs

# The MNIST CNN's layers: the shapes the benchmark times.
MNIST = [((8, 28, 28, 1), (3, 3, 1, 32), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
         ((8, 26, 26, 32), (3, 3, 32, 64), (1, 1), ((0, 0), (0, 0)), (1, 1), 1)]


def _close(got, want, atol):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RED, atol=atol)


def _close_sums(got, want):
    """For kernel gradients, sums over the whole batch and image: an element near zero that is the
    difference of large terms differs by float32 rounding of those terms, scaled to the largest."""
    _close(got, want, max(1e-4, 2e-5 * float(np.abs(want).max())))


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("case", CASES + MNIST, ids=IDS + ["mnist1", "mnist2"])
def test_conv_and_grads_match_generic(case, relu):
    fast, generic = backends_or_skip()
    _, _, strides, pads, dilation, groups = case
    x, kernel = _inputs(case, seed=11)
    bias = rand(kernel.shape[-1], seed=12)
    for saved in (None, {}):  # inference and training forwards are separate plans
        want = generic.conv(x, kernel, strides, pads, dilation, groups, bias=bias, relu=relu)
        _close(fast.conv(x, kernel, strides, pads, dilation, groups, bias=bias, relu=relu, saved=saved), want,
               1e-5)
    _close(fast.conv(x, kernel, strides, pads, dilation, groups),
           generic.conv(x, kernel, strides, pads, dilation, groups), 1e-5)
    g = rand(*want.shape, seed=13)
    _close(fast.conv_grad_input(g, kernel, x.shape, strides, pads, dilation, groups),
           generic.conv_grad_input(g, kernel, x.shape, strides, pads, dilation, groups), 1e-5)
    _close_sums(fast.conv_grad_kernel(x, g, kernel.shape, strides, pads, dilation, groups),
                generic.conv_grad_kernel(x, g, kernel.shape, strides, pads, dilation, groups))
    for op in ("conv", "conv_bwd_data", "conv_bwd_weights"):
        assert served(fast, op), f"oneDNN did not serve {op} for {case}"


@pytest.mark.parametrize("case", DEPTHWISE, ids=[f"{len(c[0]) - 2}d-{i}" for i, c in enumerate(DEPTHWISE)])
def test_depthwise_conv_and_grads_match_generic(case):
    fast, generic = backends_or_skip()
    xs, ks, strides, pads, dilation = case
    x, kernel = rand(*xs, seed=5), rand(*ks, seed=6)
    want = generic.depthwise_conv(x, kernel, strides, pads, dilation)
    _close(fast.depthwise_conv(x, kernel, strides, pads, dilation), want, 1e-5)
    g = rand(*want.shape, seed=8)
    _close(fast.depthwise_conv_grad_input(g, kernel, x.shape, strides, pads, dilation),
           generic.depthwise_conv_grad_input(g, kernel, x.shape, strides, pads, dilation), 1e-5)
    _close(fast.depthwise_conv_grad_kernel(x, g, kernel.shape, strides, pads, dilation),
           generic.depthwise_conv_grad_kernel(x, g, kernel.shape, strides, pads, dilation), 1e-4)
    for op in ("conv", "conv_bwd_data", "conv_bwd_weights"):
        assert served(fast, op), f"oneDNN did not serve depthwise {op} for {case}"


def test_kernels_leave_inputs_unchanged_and_accept_strided_views():
    fast, generic = backends_or_skip()
    x = rand(2, 8, 8, 6, seed=1)[:, ::2]          # a view: not C-contiguous
    kernel = rand(3, 3, 6, 4, seed=2)
    x0, k0 = x.copy(), kernel.copy()
    pads = ((1, 1), (1, 1))
    _close(fast.conv(x, kernel, (1, 1), pads, (1, 1)), generic.conv(x, kernel, (1, 1), pads, (1, 1)), 1e-5)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(kernel, k0)


def test_float64_runs_the_generic_kernel():
    fast, generic = backends_or_skip()
    case = CASES[3]
    x, kernel = (a.astype("float64") for a in _inputs(case))
    args = case[2:]
    out = fast.conv(x, kernel, *args)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, generic.conv(x, kernel, *args))
    assert not fast.onednn_implementations()


def test_plans_are_cached_per_shape():
    fast, _ = backends_or_skip()
    case = CASES[3]
    x, kernel = _inputs(case)
    plans = fast._onednn_plans()
    fast.conv(x, kernel, *case[2:])
    fast.conv(x + 1, kernel, *case[2:])
    assert len(plans) == 1
    fast.conv(x[:1], kernel, *case[2:])
    fast.conv(x, kernel, *case[2:], relu=True)
    assert len(plans) == 3


@pytest.mark.parametrize("case", [CASES[3], CASES[9], MNIST[1]], ids=["2d", "groups", "mnist2"])
def test_blocked_layouts_with_reorders_match_generic(case, monkeypatch):
    """Where oneDNN picks a slow path for the plain layout the plan moves every tensor to its blocked
    layouts with reorders; forced here (every implementation counts as slow) to check that path."""
    fast, generic = backends_or_skip()
    monkeypatch.setattr(onednn_conv, "_SLOW", ("",))
    _, _, strides, pads, dilation, groups = case
    x, kernel = _inputs(case, seed=3)
    bias = rand(kernel.shape[-1], seed=4)
    want = generic.conv(x, kernel, strides, pads, dilation, groups, bias=bias, relu=True)
    _close(fast.conv(x, kernel, strides, pads, dilation, groups, bias=bias, relu=True), want, 1e-5)
    g = rand(*want.shape, seed=5)
    _close(fast.conv_grad_input(g, kernel, x.shape, strides, pads, dilation, groups),
           generic.conv_grad_input(g, kernel, x.shape, strides, pads, dilation, groups), 1e-5)
    _close_sums(fast.conv_grad_kernel(x, g, kernel.shape, strides, pads, dilation, groups),
                generic.conv_grad_kernel(x, g, kernel.shape, strides, pads, dilation, groups))
    reorders = {key[0]: r for key, (_, r) in fast.onednn_implementations().items()}
    # Each plan reorders where oneDNN's chosen layouts differ from ours: the weights always, and here the
    # data of at least one plan too (two in, one out).
    assert all(reorders.values()) and any(len(r) == 3 for r in reorders.values()), reorders
