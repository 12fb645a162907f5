"""The convolution kernels through oneDNN: forward (bias and ReLU as post-ops), backward-data and
backward-weights, for 1-D, 2-D and 3-D, grouped and depthwise, on float32 NumPy arrays.

Layouts: the caller's arrays are described to oneDNN as they lie, with strides: channels_last data
``(N, *spatial, C)`` is oneDNN's ``(N, C, *spatial)`` with the channel stride 1, and Keras's kernel
``(*k, C // groups, F)`` is oneDNN's ``(F, C, *k)`` (or ``(G, F // G, C // G, *k)`` grouped) with the
filter stride 1. Each primitive is first asked for with the data in that plain layout and the weights in
the layout it prefers (one small reorder per call); if oneDNN then picks a GEMM or reference
implementation (``gemm:*``, ``ref:*`` — its slow paths for plain layouts), the plan is built again with
every tensor in oneDNN's blocked layouts and reorders around the primitive (`onednn_runtime.Plan`).

Anything else (other dtypes: oneDNN has no float64 convolutions on CPU; empty arrays; a case oneDNN
reports unimplemented) runs the generic NumPy kernel. Mixed in ahead of `NumpyBackend` by
`onednn_backend.OneDNNNumpyBackend`, whose `_onednn_plans()` gives the plan cache or None.
"""
import numpy

from backends import onednn_capi as capi
from backends.conv_arithmetic import conv_output_sizes

_SLOW = ("gemm", "ref")


def _plain(shape):
    """oneDNN dims and element strides of a C-contiguous channels_last array of `shape`."""
    strides = _c_strides(shape)
    return (shape[0], shape[-1]) + tuple(shape[1:-1]), (strides[0], strides[-1]) + tuple(strides[1:-1])


def _c_strides(shape):
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return tuple(reversed(out))


def _weights(kernel_shape, groups):
    """oneDNN dims and strides of a Keras kernel ``(*k, C // groups, F)`` (C-contiguous)."""
    st = _c_strides(kernel_shape)
    ksize, cg, f = tuple(kernel_shape[:-2]), kernel_shape[-2], kernel_shape[-1]
    k_dims, k_strides = ksize, tuple(st[:-2])
    if groups == 1:
        return (f, cg) + k_dims, (st[-1], st[-2]) + k_strides
    fg = f // groups
    return (groups, fg, cg) + k_dims, (fg * st[-1], st[-1], st[-2]) + k_strides


def _depthwise_weights(kernel_shape):
    """A depthwise kernel ``(*k, C, M)`` as oneDNN's grouped weights ``(C, M, 1, *k)``: output channel
    ``c * M + m``, tf's order."""
    st = _c_strides(kernel_shape)
    c, m = kernel_shape[-2], kernel_shape[-1]
    return (c, m, 1) + tuple(kernel_shape[:-2]), (st[-2], st[-1], c * m) + tuple(st[:-2])


def _key(strides, padding, dilation):
    return tuple(strides), tuple(tuple(p) for p in padding), tuple(dilation)


def _usable(*arrays):
    return all(type(a) is numpy.ndarray and a.dtype == numpy.float32 and a.size and 3 <= a.ndim <= 5
               for a in arrays)


def _geometry(geometry):
    """oneDNN's strides, dilations (0 = none) and left/right padding from ``(strides, padding, dilation)``."""
    strides, padding, dilation = geometry
    return (capi.dims(strides), capi.dims(r - 1 for r in dilation), capi.dims(lo for lo, _ in padding),
            capi.dims(hi for _, hi in padding))


class _Shapes:
    """The descriptors of one convolution: user (plain) layouts, and `any` ones for oneDNN to choose."""

    def __init__(self, plan, x_shape, w_dims, w_strides, y_shape):
        self.plan = plan
        xd, xs = _plain(x_shape)
        yd, ys = _plain(y_shape)
        self.dims = (xd, w_dims, yd)
        self.x, self.w, self.y = plan.md(xd, xs), plan.md(w_dims, w_strides), plan.md(yd, ys)

    def any(self):
        return tuple(self.plan.md(d) for d in self.dims)


def _choose(shapes, create):
    """``create(x_md, w_md, y_md)`` with plain data and `any` weights; again with every tensor `any` if
    oneDNN chose a slow implementation for the plain layout. Returns the primitive descriptor."""
    pd = create(shapes.x, shapes.plan.md(shapes.dims[1]), shapes.y)
    if not shapes.plan.impl_name(pd).startswith(_SLOW):
        return pd
    return create(*shapes.any())


class OneDNNConvolutionKernels:
    """Mixed into `onednn_backend.OneDNNNumpyBackend` ahead of `NumpyBackend`."""

    # ---------------------------------------------------------------- plans
    @staticmethod
    def _conv_forward_pd(plan, prop, dnnl_geometry, bias_md, attr, x_md, w_md, y_md):
        return plan.pd("convolution_forward", prop, capi.CONVOLUTION_DIRECT, x_md, w_md, bias_md, y_md,
                       *dnnl_geometry, attr)

    def _conv_plan(self, x_shape, w_dims, w_strides, y_shape, geometry, bias, relu, training):
        def build(plan):
            dnnl_geometry = _geometry(geometry)
            shapes = _Shapes(plan, x_shape, w_dims, w_strides, y_shape)
            bias_md = plan.md((y_shape[-1],), (1,)) if bias else None
            attr = plan.post_ops_relu() if relu else None
            prop = capi.FORWARD_TRAINING if training else capi.FORWARD_INFERENCE
            pd = _choose(shapes, lambda x, w, y: self._conv_forward_pd(plan, prop, dnnl_geometry, bias_md,
                                                                       attr, x, w, y))
            args = {capi.ARG_SRC: plan.input("x", shapes.x, plan.query_md(pd, capi.QUERY_SRC_MD)),
                    capi.ARG_WEIGHTS: plan.input("w", shapes.w, plan.query_md(pd, capi.QUERY_WEIGHTS_MD))}
            if bias:
                args[capi.ARG_BIAS] = plan.user("b", bias_md)
            args[capi.ARG_DST] = plan.output("y", shapes.y, plan.query_md(pd, capi.QUERY_DST_MD))
            plan.add(pd, args)

        key = ("conv", x_shape, w_dims, w_strides, geometry, bias, relu, training)
        return self._onednn_plan(key, build)

    def _conv_bwd_data_plan(self, x_shape, w_dims, w_strides, y_shape, geometry):
        def build(plan):
            dnnl_geometry = _geometry(geometry)
            shapes = _Shapes(plan, x_shape, w_dims, w_strides, y_shape)

            def create(x, w, y):
                hint = self._conv_forward_pd(plan, capi.FORWARD_TRAINING, dnnl_geometry, None, None, x, w, y)
                return plan.pd("convolution_backward_data", capi.CONVOLUTION_DIRECT, x, w, y, *dnnl_geometry,
                               hint, None)
            pd = _choose(shapes, create)
            plan.add(pd, {
                capi.ARG_DIFF_DST: plan.input("g", shapes.y, plan.query_md(pd, capi.QUERY_DIFF_DST_MD)),
                capi.ARG_WEIGHTS: plan.input("w", shapes.w, plan.query_md(pd, capi.QUERY_WEIGHTS_MD)),
                capi.ARG_DIFF_SRC: plan.output("dx", shapes.x, plan.query_md(pd, capi.QUERY_DIFF_SRC_MD))})

        key = ("conv_bwd_data", x_shape, w_dims, w_strides, geometry)
        return self._onednn_plan(key, build)

    def _conv_bwd_weights_plan(self, x_shape, w_dims, w_strides, y_shape, geometry):
        def build(plan):
            dnnl_geometry = _geometry(geometry)
            shapes = _Shapes(plan, x_shape, w_dims, w_strides, y_shape)

            def create(x, w, y):
                hint = self._conv_forward_pd(plan, capi.FORWARD_TRAINING, dnnl_geometry, None, None, x, w, y)
                return plan.pd("convolution_backward_weights", capi.CONVOLUTION_DIRECT, x, w, None, y,
                               *dnnl_geometry, hint, None)
            pd = _choose(shapes, create)
            plan.add(pd, {
                capi.ARG_SRC: plan.input("x", shapes.x, plan.query_md(pd, capi.QUERY_SRC_MD)),
                capi.ARG_DIFF_DST: plan.input("g", shapes.y, plan.query_md(pd, capi.QUERY_DIFF_DST_MD)),
                capi.ARG_DIFF_WEIGHTS: plan.output("dw", shapes.w,
                                                   plan.query_md(pd, capi.QUERY_DIFF_WEIGHTS_MD))})

        key = ("conv_bwd_weights", x_shape, w_dims, w_strides, geometry)
        return self._onednn_plan(key, build)

    # ---------------------------------------------------------------- overrides
    def conv(self, x, kernel, strides, padding, dilation, groups=1, bias=None, relu=False, saved=None):
        if _usable(x, kernel) and (bias is None or (type(bias) is numpy.ndarray and bias.dtype == x.dtype)):
            w_dims, w_strides = _weights(kernel.shape, groups)
            out = _out_shape(x.shape, kernel.shape, strides, padding, dilation, kernel.shape[-1])
            plan = self._conv_plan(x.shape, w_dims, w_strides, out, _key(strides, padding, dilation),
                                   bias is not None, bool(relu), saved is not None)
            if plan is not None:
                y = numpy.empty(out, dtype=numpy.float32)
                arrays = {"x": numpy.ascontiguousarray(x), "w": numpy.ascontiguousarray(kernel), "y": y}
                if bias is not None:
                    arrays["b"] = numpy.ascontiguousarray(bias)
                plan.run(**arrays)
                return y
        return super().conv(x, kernel, strides, padding, dilation, groups, bias=bias, relu=relu, saved=saved)

    def conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation, groups=1):
        input_shape = tuple(input_shape)
        if _usable(g, kernel) and all(input_shape):
            w_dims, w_strides = _weights(kernel.shape, groups)
            plan = self._conv_bwd_data_plan(input_shape, w_dims, w_strides, g.shape,
                                            _key(strides, padding, dilation))
            if plan is not None:
                dx = numpy.empty(input_shape, dtype=numpy.float32)
                plan.run(g=numpy.ascontiguousarray(g), w=numpy.ascontiguousarray(kernel), dx=dx)
                return dx
        return super().conv_grad_input(g, kernel, input_shape, strides, padding, dilation, groups)

    def conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation, groups=1, saved=None):
        kernel_shape = tuple(kernel_shape)
        if _usable(x, g):
            w_dims, w_strides = _weights(kernel_shape, groups)
            plan = self._conv_bwd_weights_plan(x.shape, w_dims, w_strides, g.shape,
                                               _key(strides, padding, dilation))
            if plan is not None:
                dw = numpy.empty(kernel_shape, dtype=numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), g=numpy.ascontiguousarray(g), dw=dw)
                return dw
        return super().conv_grad_kernel(x, g, kernel_shape, strides, padding, dilation, groups, saved=saved)

    def depthwise_conv(self, x, kernel, strides, padding, dilation):
        if _usable(x, kernel):
            w_dims, w_strides = _depthwise_weights(kernel.shape)
            out = _out_shape(x.shape, kernel.shape, strides, padding, dilation, x.shape[-1] * kernel.shape[-1])
            plan = self._conv_plan(x.shape, w_dims, w_strides, out, _key(strides, padding, dilation),
                                   False, False, False)
            if plan is not None:
                y = numpy.empty(out, dtype=numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), w=numpy.ascontiguousarray(kernel), y=y)
                return y
        return super().depthwise_conv(x, kernel, strides, padding, dilation)

    def depthwise_conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation):
        input_shape = tuple(input_shape)
        if _usable(g, kernel) and all(input_shape):
            w_dims, w_strides = _depthwise_weights(kernel.shape)
            plan = self._conv_bwd_data_plan(input_shape, w_dims, w_strides, g.shape,
                                            _key(strides, padding, dilation))
            if plan is not None:
                dx = numpy.empty(input_shape, dtype=numpy.float32)
                plan.run(g=numpy.ascontiguousarray(g), w=numpy.ascontiguousarray(kernel), dx=dx)
                return dx
        return super().depthwise_conv_grad_input(g, kernel, input_shape, strides, padding, dilation)

    def depthwise_conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation):
        kernel_shape = tuple(kernel_shape)
        if _usable(x, g):
            w_dims, w_strides = _depthwise_weights(kernel_shape)
            plan = self._conv_bwd_weights_plan(x.shape, w_dims, w_strides, g.shape,
                                               _key(strides, padding, dilation))
            if plan is not None:
                dw = numpy.empty(kernel_shape, dtype=numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), g=numpy.ascontiguousarray(g), dw=dw)
                return dw
        return super().depthwise_conv_grad_kernel(x, g, kernel_shape, strides, padding, dilation)



def _out_shape(x_shape, kernel_shape, strides, padding, dilation, channels):
    out = conv_output_sizes(x_shape[1:-1], kernel_shape[:-2], strides, padding, dilation)
    return (x_shape[0],) + tuple(out) + (channels,)
