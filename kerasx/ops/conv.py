"""Convolution primitives (channels_last, kernels as Keras stores them): conv, conv_transpose and
depthwise_conv, each with its VJP on the backend's grad kernels; separable_conv composed from them.

The public functions take Keras-style arguments (an int or a tuple per spatial axis; padding 'valid',
'same', 'causal' or explicit ``(before, after)`` pairs) and turn them into the explicit amounts the
kernels take, padding 'same' exactly as TensorFlow does. The primitives themselves take the explicit
form only, so a recorded node replays the same arithmetic.
"""
import math

from backends.conv_arithmetic import conv_output_sizes, same_padding
from kerasx.autodiff.primitive import primitive
from kerasx.autodiff.tape import active_tapes
from kerasx.ops import elementwise as ew
from kerasx.ops.conv_utils import normalize_tuple


# ------------------------------------------------------------------ argument handling
def explicit_padding(padding, spatial, kernel_size, strides, dilation):
    """'valid' / 'same' / 'causal' (or explicit pairs) as one ``(before, after)`` pair per spatial axis."""
    d = len(kernel_size)
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return ((0, 0),) * d
        if mode == "same":
            return tuple(same_padding(n, k, s, r) for n, k, s, r in zip(spatial, kernel_size, strides, dilation))
        if mode == "causal":
            # Every output sees only the current and earlier steps: all the padding goes before.
            return tuple(((k - 1) * r, 0) for k, r in zip(kernel_size, dilation))
        raise ValueError(f'padding must be "valid", "same", "causal" or explicit (before, after) pairs, '
                         f"received {padding!r}")
    pairs = tuple((int(lo), int(hi)) for lo, hi in padding)
    if len(pairs) != d or any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ValueError(f"padding must hold {d} non-negative (before, after) pairs, received {padding!r}")
    return pairs


def _check_conv(op, x, kernel, strides, padding, dilation, groups=1, depthwise=False):
    d = kernel.ndim - 2
    if x.ndim != d + 2:
        raise ValueError(f"{op}: a {d}-D kernel of shape {tuple(kernel.shape)} needs inputs of rank {d + 2} "
                         f"(batch, {d} spatial, channels), received shape {tuple(x.shape)}.")
    if not (len(strides) == len(dilation) == len(padding) == d):
        raise ValueError(f"{op}: strides {strides}, dilation {dilation} and padding {padding} must each have "
                         f"{d} entries, one per spatial axis.")
    c = x.shape[-1]
    expected = c if depthwise else c // groups
    if c % groups or kernel.shape[-2] != expected or (not depthwise and kernel.shape[-1] % groups):
        what = (f"{c} channels" if depthwise else f"{c} channels in {groups} group(s)")
        raise ValueError(f"{op}: the kernel {tuple(kernel.shape)} does not fit inputs of shape "
                         f"{tuple(x.shape)} ({what}: expected kernel.shape[-2] == {expected}"
                         + ("" if depthwise else f" and filters divisible by {groups}") + ").")
    out = conv_output_sizes(x.shape[1:-1], kernel.shape[:-2], strides, padding, dilation)
    if any(o <= 0 for o in out):
        raise ValueError(f"{op}: inputs of shape {tuple(x.shape)} are too small for a kernel of shape "
                         f"{tuple(kernel.shape)} with strides {strides}, dilation {dilation} and padding "
                         f"{padding}: the output would have spatial shape {out}.")
    return out


def _static(x, kernel, strides, padding, dilation_rate):
    """The explicit (strides, padding, dilation) for a channels_last input and kernel."""
    d = len(kernel.shape) - 2
    strides = normalize_tuple(strides, d, "strides")
    dilation = normalize_tuple(dilation_rate, d, "dilation_rate")
    pads = explicit_padding(padding, tuple(x.shape[1:-1]), tuple(kernel.shape[:-2]), strides, dilation)
    return strides, pads, dilation


# ------------------------------------------------------------------ conv
def _saved():
    """A dict for the forward to leave its patch matrix in for the kernel gradient, when a tape is
    recording (inference keeps nothing)."""
    return {} if active_tapes() else None


def _conv_fwd(b, x, kernel, strides, padding, dilation, groups=1):
    _check_conv("conv", x, kernel, strides, padding, dilation, groups)
    saved = _saved()
    return b.conv(x, kernel, strides, padding, dilation, groups, saved=saved), (x, kernel, saved)


def _conv_vjp(b, g, res, needs, strides, padding, dilation, groups=1):
    x, kernel, saved = res
    # The first layer's input is not watched: its gradient, a whole col2im pass, is skipped.
    gx = b.conv_grad_input(g, kernel, x.shape, strides, padding, dilation, groups) if needs[0] else None
    gk = (b.conv_grad_kernel(x, g, kernel.shape, strides, padding, dilation, groups, saved=saved)
          if needs[1] else None)
    return gx, gk


def _conv_samples(rng):
    n = rng.standard_normal
    return [
        ((n((2, 6, 3)), n((3, 3, 2))), {"strides": (1,), "padding": ((0, 0),), "dilation": (1,)}),
        ((n((2, 7, 2)), n((2, 2, 3))), {"strides": (2,), "padding": ((1, 0),), "dilation": (1,)}),
        ((n((1, 7, 2)), n((3, 2, 2))), {"strides": (1,), "padding": ((4, 0),), "dilation": (2,)}),
        ((n((1, 5, 4, 2)), n((3, 2, 2, 3))), {"strides": (2, 1), "padding": ((1, 1), (0, 1)),
                                              "dilation": (1, 1)}),
        ((n((1, 5, 5, 1)), n((2, 2, 1, 2))), {"strides": (1, 1), "padding": ((1, 1), (1, 1)),
                                              "dilation": (2, 2)}),
        ((n((1, 4, 4, 4)), n((3, 3, 2, 2))), {"strides": (1, 1), "padding": ((1, 1), (1, 1)),
                                              "dilation": (1, 1), "groups": 2}),
        ((n((1, 3, 4, 3, 2)), n((2, 2, 2, 2, 2))), {"strides": (1, 2, 1), "padding": ((0, 1), (0, 0), (1, 0)),
                                                    "dilation": (1, 1, 1)}),
        # Enough channels for the backend's chunked im2col path (the ones above build patches by offset).
        ((n((2, 5, 6)), n((3, 6, 2))), {"strides": (1,), "padding": ((1, 1),), "dilation": (1,)}),
    ]


def _conv_diff_vjp(g, xs, out, needs, strides, padding, dilation, groups=1):
    x, kernel = xs
    geometry = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    gx = conv_grad_input_p(g, kernel, input_shape=tuple(x.shape), **geometry) if needs[0] else None
    gk = conv_grad_kernel_p(x, g, kernel_shape=tuple(kernel.shape), **geometry) if needs[1] else None
    return gx, gk


conv_p = primitive("conv", _conv_fwd, _conv_vjp, _conv_samples, diff_vjp=_conv_diff_vjp,
                   doc="N-d convolution (cross-correlation) of channels_last inputs with a (*k, C, F) kernel.")


# ------------------------------------------------------------------ conv's VJPs, as primitives
# conv is bilinear: with B(x, k, g) = <conv(x, k), g>, its input gradient is dB/dx (a function of k and
# g) and its kernel gradient dB/dk (of x and g). Each is linear in both its arguments, and its VJP is
# again conv or the other gradient, with the cotangent in the role of x or k. So the three primitives
# differentiate each other to any order.
def _grad_samples(rng, samples, which):
    """conv_grad_input / conv_grad_kernel samples from conv's: the conv output's shape for g."""
    out = []
    for (x, kernel), params in samples[:5]:
        spatial = conv_output_sizes(x.shape[1:-1], kernel.shape[:-2], params["strides"], params["padding"],
                                    params["dilation"])
        g = rng.standard_normal((x.shape[0],) + tuple(spatial) + (kernel.shape[-1],))
        if which == "input":
            out.append(((g, kernel), dict(params, input_shape=tuple(x.shape))))
        else:
            out.append(((x, g), dict(params, kernel_shape=tuple(kernel.shape))))
    return out


def _conv_grad_input_fwd(b, g, kernel, input_shape, strides, padding, dilation, groups=1):
    return b.conv_grad_input(g, kernel, tuple(input_shape), strides, padding, dilation, groups), (g, kernel)


def _conv_grad_input_vjp(b, c, res, needs, input_shape, strides, padding, dilation, groups=1):
    g, kernel = res
    gg = b.conv(c, kernel, strides, padding, dilation, groups) if needs[0] else None
    gk = b.conv_grad_kernel(c, g, kernel.shape, strides, padding, dilation, groups) if needs[1] else None
    return gg, gk


def _conv_grad_input_diff_vjp(c, xs, out, needs, input_shape, strides, padding, dilation, groups=1):
    g, kernel = xs
    geometry = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    gg = conv_p(c, kernel, **geometry) if needs[0] else None
    gk = conv_grad_kernel_p(c, g, kernel_shape=tuple(kernel.shape), **geometry) if needs[1] else None
    return gg, gk


conv_grad_input_p = primitive(
    "conv_grad_input", _conv_grad_input_fwd, _conv_grad_input_vjp,
    lambda rng: _grad_samples(rng, _conv_samples(rng), "input"), diff_vjp=_conv_grad_input_diff_vjp,
    doc="conv's gradient with respect to its input (of shape `input_shape`), from g and the kernel.")


def _conv_grad_kernel_fwd(b, x, g, kernel_shape, strides, padding, dilation, groups=1):
    return b.conv_grad_kernel(x, g, tuple(kernel_shape), strides, padding, dilation, groups), (x, g)


def _conv_grad_kernel_vjp(b, c, res, needs, kernel_shape, strides, padding, dilation, groups=1):
    x, g = res
    gx = b.conv_grad_input(g, c, x.shape, strides, padding, dilation, groups) if needs[0] else None
    gg = b.conv(x, c, strides, padding, dilation, groups) if needs[1] else None
    return gx, gg


def _conv_grad_kernel_diff_vjp(c, xs, out, needs, kernel_shape, strides, padding, dilation, groups=1):
    x, g = xs
    geometry = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    gx = conv_grad_input_p(g, c, input_shape=tuple(x.shape), **geometry) if needs[0] else None
    gg = conv_p(x, c, **geometry) if needs[1] else None
    return gx, gg


conv_grad_kernel_p = primitive(
    "conv_grad_kernel", _conv_grad_kernel_fwd, _conv_grad_kernel_vjp,
    lambda rng: _grad_samples(rng, _conv_samples(rng), "kernel"), diff_vjp=_conv_grad_kernel_diff_vjp,
    doc="conv's gradient with respect to its kernel (of shape `kernel_shape`), from x and g.")


def _conv_bias_fwd(b, x, kernel, bias, strides, padding, dilation, groups=1, relu=False):
    _check_conv("conv", x, kernel, strides, padding, dilation, groups)
    if tuple(bias.shape) != (kernel.shape[-1],):
        raise ValueError(f"conv: bias must have shape ({kernel.shape[-1]},) to match the kernel "
                         f"{tuple(kernel.shape)}, received {tuple(bias.shape)}.")
    saved = _saved()
    y = b.conv(x, kernel, strides, padding, dilation, groups, bias=bias, relu=relu, saved=saved)
    # The relu gradient needs only the output.
    return y, (x, kernel, saved, y if relu else None)


def _conv_bias_vjp(b, g, res, needs, strides, padding, dilation, groups=1, relu=False):
    x, kernel, saved, y = res
    if relu:
        g = b.relu_grad(g, y)
    gx, gk = _conv_vjp(b, g, (x, kernel, saved), needs[:2], strides, padding, dilation, groups)
    return gx, gk, (_bias_grad(b, g) if needs[2] else None)


def _bias_grad(b, g):
    """``g`` summed over every axis but the channels, as one GEMV ``ones @ g``: on the MNIST CNN's
    (64, 24, 24, 64) gradient BLAS takes 0.2 ms where NumPy's sum over the leading axes takes 0.6 ms."""
    f = g.shape[-1]
    rows = math.prod(g.shape[:-1])
    ones = b.ones((1, rows), b.dtype_name(g))
    return b.reshape(b.matmul(ones, b.reshape(g, (rows, f))), (f,))


def _conv_bias_samples(rng):
    out = []
    for relu in (False, True):
        for (x, kernel), params in _conv_samples(rng)[2:4]:
            # Scaled and shifted so that no pre-activation sits on relu's kink.
            bias = rng.standard_normal(kernel.shape[-1]) + 3.0 * rng.choice([-1.0, 1.0], kernel.shape[-1])
            out.append(((x * 0.1, kernel, bias), dict(params, relu=relu)))
    return out


def _conv_bias_diff_vjp(g, xs, outs, needs, strides, padding, dilation, groups=1, relu=False):
    x, kernel, _ = xs
    if relu:
        g = ew.relu_cotangent(g, outs[0])
    gx, gk = _conv_diff_vjp(g, (x, kernel), None, needs[:2], strides, padding, dilation, groups)
    return gx, gk, (g if needs[2] else None)  # the tape sums g down to the bias's shape


conv_bias_p = primitive("conv_bias", _conv_bias_fwd, _conv_bias_vjp, _conv_bias_samples,
                        diff_vjp=_conv_bias_diff_vjp,
                        doc="conv + bias, relu'd when `relu`: a Conv layer's forward in one kernel.")


def conv(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, groups=1, relu=False):
    """Convolution of channels_last ``x`` ``(N, *spatial, C)`` with ``kernel`` ``(*k, C // groups, F)``,
    plus ``bias`` and relu when given (fused into the kernel's output)."""
    strides, pads, dilation = _static(x, kernel, strides, padding, dilation_rate)
    if bias is None:
        out = conv_p(x, kernel, strides=strides, padding=pads, dilation=dilation, groups=groups)
        return ew.relu(out) if relu else out
    return conv_bias_p(x, kernel, bias, strides=strides, padding=pads, dilation=dilation, groups=groups,
                       relu=relu)


# ------------------------------------------------------------------ conv_transpose
def _conv_transpose_fwd(b, x, kernel, output_spatial, strides, padding, dilation):
    output_shape = (x.shape[0],) + tuple(output_spatial) + (kernel.shape[-2],)
    # The input must be what a convolution of the output would produce, as in tf.
    if x.ndim != kernel.ndim or x.shape[-1] != kernel.shape[-1]:
        raise ValueError(f"conv_transpose: the kernel {tuple(kernel.shape)} (*k, filters, in_channels) does "
                         f"not fit inputs of shape {tuple(x.shape)}.")
    expected = conv_output_sizes(output_spatial, kernel.shape[:-2], strides, padding, dilation)
    if expected != tuple(x.shape[1:-1]):
        raise ValueError(f"conv_transpose: an output of spatial shape {tuple(output_spatial)} gives back "
                         f"inputs of spatial shape {expected} under this kernel, strides {strides}, "
                         f"dilation {dilation} and padding {padding}, not {tuple(x.shape[1:-1])}.")
    return b.conv_grad_input(x, kernel, output_shape, strides, padding, dilation), (x, kernel)


def _conv_transpose_vjp(b, g, res, needs, output_spatial, strides, padding, dilation):
    x, kernel = res
    # conv_transpose is conv_grad_input: linear in both arguments, its adjoints are the convolution
    # and the convolution's kernel gradient, with g in the role of the convolution's input.
    gx = b.conv(g, kernel, strides, padding, dilation) if needs[0] else None
    gk = b.conv_grad_kernel(g, x, kernel.shape, strides, padding, dilation) if needs[1] else None
    return gx, gk


def _conv_transpose_samples(rng):
    n = rng.standard_normal
    return [
        ((n((2, 4, 3)), n((3, 2, 3))), {"output_spatial": (6,), "strides": (1,), "padding": ((0, 0),),
                                        "dilation": (1,)}),
        ((n((1, 3, 2)), n((3, 2, 2))), {"output_spatial": (6,), "strides": (2,), "padding": ((0, 1),),
                                        "dilation": (1,)}),
        ((n((1, 3, 3, 2)), n((3, 2, 3, 2))), {"output_spatial": (6, 4), "strides": (2, 1),
                                              "padding": ((1, 1), (0, 0)), "dilation": (1, 1)}),
        ((n((1, 2, 3, 2, 2)), n((2, 2, 2, 2, 2))), {"output_spatial": (3, 4, 3), "strides": (1, 1, 1),
                                                    "padding": ((0, 0),) * 3, "dilation": (1, 1, 1)}),
    ]


def _conv_transpose_diff_vjp(g, xs, out, needs, output_spatial, strides, padding, dilation):
    x, kernel = xs
    geometry = dict(strides=strides, padding=padding, dilation=dilation)
    gx = conv_p(g, kernel, **geometry) if needs[0] else None
    gk = conv_grad_kernel_p(g, x, kernel_shape=tuple(kernel.shape), **geometry) if needs[1] else None
    return gx, gk


conv_transpose_p = primitive(
    "conv_transpose", _conv_transpose_fwd, _conv_transpose_vjp, _conv_transpose_samples,
    diff_vjp=_conv_transpose_diff_vjp,
    doc="Transposed convolution (the gradient of conv with respect to its input) with a Keras "
        "(*k, filters, in_channels) kernel.")


def conv_transpose(x, kernel, output_spatial, strides=1, padding="valid", dilation_rate=1):
    """Transposed convolution of ``x`` ``(N, *in, C_in)`` with ``kernel`` ``(*k, F, C_in)`` to
    ``(N, *output_spatial, F)``. 'same' padding is computed, as tf, from the output size."""
    d = len(kernel.shape) - 2
    strides = normalize_tuple(strides, d, "strides")
    dilation = normalize_tuple(dilation_rate, d, "dilation_rate")
    output_spatial = tuple(int(n) for n in output_spatial)
    pads = explicit_padding(padding, output_spatial, tuple(kernel.shape[:-2]), strides, dilation)
    return conv_transpose_p(x, kernel, output_spatial=output_spatial, strides=strides, padding=pads,
                            dilation=dilation)


# ------------------------------------------------------------------ depthwise_conv
def _depthwise_fwd(b, x, kernel, strides, padding, dilation):
    _check_conv("depthwise_conv", x, kernel, strides, padding, dilation, depthwise=True)
    return b.depthwise_conv(x, kernel, strides, padding, dilation), (x, kernel)


def _depthwise_vjp(b, g, res, needs, strides, padding, dilation):
    x, kernel = res
    gx = b.depthwise_conv_grad_input(g, kernel, x.shape, strides, padding, dilation) if needs[0] else None
    gk = b.depthwise_conv_grad_kernel(x, g, kernel.shape, strides, padding, dilation) if needs[1] else None
    return gx, gk


def _depthwise_samples(rng):
    n = rng.standard_normal
    return [
        ((n((2, 6, 2)), n((3, 2, 1))), {"strides": (1,), "padding": ((1, 1),), "dilation": (1,)}),
        ((n((1, 5, 5, 2)), n((3, 2, 2, 2))), {"strides": (2, 1), "padding": ((1, 1), (0, 1)),
                                              "dilation": (1, 1)}),
        ((n((1, 5, 5, 1)), n((2, 2, 1, 3))), {"strides": (1, 1), "padding": ((0, 0), (1, 1)),
                                              "dilation": (2, 2)}),
    ]


def _depthwise_diff_vjp(g, xs, out, needs, strides, padding, dilation):
    x, kernel = xs
    geometry = dict(strides=strides, padding=padding, dilation=dilation)
    gx = depthwise_grad_input_p(g, kernel, input_shape=tuple(x.shape), **geometry) if needs[0] else None
    gk = depthwise_grad_kernel_p(x, g, kernel_shape=tuple(kernel.shape), **geometry) if needs[1] else None
    return gx, gk


depthwise_conv_p = primitive(
    "depthwise_conv", _depthwise_fwd, _depthwise_vjp, _depthwise_samples, diff_vjp=_depthwise_diff_vjp,
    doc="Depthwise convolution with a (*k, C, depth_multiplier) kernel; output channel c * M + m.")


# Bilinear like conv (see conv's VJP primitives above): the three differentiate each other.
def _depthwise_grad_samples(rng, which):
    out = []
    for (x, kernel), params in _depthwise_samples(rng):
        spatial = conv_output_sizes(x.shape[1:-1], kernel.shape[:-2], params["strides"], params["padding"],
                                    params["dilation"])
        g = rng.standard_normal((x.shape[0],) + tuple(spatial) + (kernel.shape[-2] * kernel.shape[-1],))
        if which == "input":
            out.append(((g, kernel), dict(params, input_shape=tuple(x.shape))))
        else:
            out.append(((x, g), dict(params, kernel_shape=tuple(kernel.shape))))
    return out


def _dw_grad_input_vjp(b, c, res, needs, input_shape, strides, padding, dilation):
    g, kernel = res
    gg = b.depthwise_conv(c, kernel, strides, padding, dilation) if needs[0] else None
    gk = b.depthwise_conv_grad_kernel(c, g, kernel.shape, strides, padding, dilation) if needs[1] else None
    return gg, gk


def _dw_grad_input_diff_vjp(c, xs, out, needs, input_shape, strides, padding, dilation):
    g, kernel = xs
    geometry = dict(strides=strides, padding=padding, dilation=dilation)
    gg = depthwise_conv_p(c, kernel, **geometry) if needs[0] else None
    gk = depthwise_grad_kernel_p(c, g, kernel_shape=tuple(kernel.shape), **geometry) if needs[1] else None
    return gg, gk


depthwise_grad_input_p = primitive(
    "depthwise_conv_grad_input",
    lambda b, g, kernel, input_shape, strides, padding, dilation: (
        b.depthwise_conv_grad_input(g, kernel, tuple(input_shape), strides, padding, dilation), (g, kernel)),
    _dw_grad_input_vjp, lambda rng: _depthwise_grad_samples(rng, "input"), diff_vjp=_dw_grad_input_diff_vjp,
    doc="depthwise_conv's gradient with respect to its input, from g and the kernel.")


def _dw_grad_kernel_vjp(b, c, res, needs, kernel_shape, strides, padding, dilation):
    x, g = res
    gx = b.depthwise_conv_grad_input(g, c, x.shape, strides, padding, dilation) if needs[0] else None
    gg = b.depthwise_conv(x, c, strides, padding, dilation) if needs[1] else None
    return gx, gg


def _dw_grad_kernel_diff_vjp(c, xs, out, needs, kernel_shape, strides, padding, dilation):
    x, g = xs
    geometry = dict(strides=strides, padding=padding, dilation=dilation)
    gx = depthwise_grad_input_p(g, c, input_shape=tuple(x.shape), **geometry) if needs[0] else None
    gg = depthwise_conv_p(x, c, **geometry) if needs[1] else None
    return gx, gg


depthwise_grad_kernel_p = primitive(
    "depthwise_conv_grad_kernel",
    lambda b, x, g, kernel_shape, strides, padding, dilation: (
        b.depthwise_conv_grad_kernel(x, g, tuple(kernel_shape), strides, padding, dilation), (x, g)),
    _dw_grad_kernel_vjp, lambda rng: _depthwise_grad_samples(rng, "kernel"), diff_vjp=_dw_grad_kernel_diff_vjp,
    doc="depthwise_conv's gradient with respect to its kernel, from x and g.")


def depthwise_conv(x, kernel, strides=1, padding="valid", dilation_rate=1):
    """Each channel of ``x`` convolved with its own ``kernel[..., c, :]`` filters."""
    strides, pads, dilation = _static(x, kernel, strides, padding, dilation_rate)
    return depthwise_conv_p(x, kernel, strides=strides, padding=pads, dilation=dilation)


# ------------------------------------------------------------------ composed
def separable_conv(x, depthwise_kernel, pointwise_kernel, bias=None, strides=1, padding="valid",
                   dilation_rate=1, relu=False):
    """A depthwise convolution, then a 1x1 convolution mixing the channels (tf's separable_conv2d)."""
    mid = depthwise_conv(x, depthwise_kernel, strides=strides, padding=padding, dilation_rate=dilation_rate)
    return conv(mid, pointwise_kernel, bias=bias, relu=relu)
