"""The pooling kernels through oneDNN: max and average pooling, forward and backward, 1-D to 3-D, on
float32 NumPy arrays in their channels_last layout (described to oneDNN with strides, as in
`onednn_conv`); other dtypes and empty arrays run the generic NumPy kernels.

Semantics kept from `base_pool`: ``'same'`` padding is TensorFlow's (`conv_arithmetic.pool_geometry`), the
padding never wins a max and is left out of an average (oneDNN's ``pooling_avg_exclude_padding``). The
max-pool gradient goes to each window's first maximum, as TensorFlow's: oneDNN records in its workspace the
first position holding the window's maximum in row-major window order (checked with ties by
tests/backends/test_onednn_pool.py). The interface's `max_pool_grad` receives ``x`` and ``y`` but no
workspace, so its plan runs the training forward again to fill one (about a third of the backward's cost)
before the backward primitive.
"""
import numpy

from backends import onednn_capi as capi
from backends.conv_arithmetic import pool_geometry
from backends.onednn_conv import _plain


def _usable(*arrays):
    return all(type(a) is numpy.ndarray and a.dtype == numpy.float32 and a.size and 3 <= a.ndim <= 5
               for a in arrays)


def _args(pool_size, strides, pads):
    """oneDNN's strides, kernel, dilation (none) and left/right padding."""
    return (capi.dims(strides), capi.dims(pool_size), capi.dims(0 for _ in pool_size),
            capi.dims(lo for lo, _ in pads), capi.dims(hi for _, hi in pads))


class OneDNNPoolingKernels:
    """Mixed into `onednn_backend.OneDNNNumpyBackend` ahead of `NumpyBackend`."""

    def _pool_plan(self, kind, alg, x_shape, pool_size, strides, padding):
        """The plan of one pooling operation: `kind` is 'fwd', 'bwd' (average) or 'fwd_bwd' (max:
        training forward for the workspace, then backward)."""
        out_sizes, pads = pool_geometry(x_shape[1:-1], pool_size, strides, padding)
        y_shape = (x_shape[0],) + tuple(out_sizes) + (x_shape[-1],)
        if not all(y_shape):
            return None, y_shape

        def build(plan):
            geometry = _args(pool_size, strides, pads)
            x_md, y_md = plan.md(*_plain(x_shape)), plan.md(*_plain(y_shape))
            if kind == "fwd":
                pd = plan.pd("pooling_forward", capi.FORWARD_INFERENCE, alg, x_md, y_md, *geometry, None)
                plan.add(pd, {capi.ARG_SRC: plan.user("x", x_md), capi.ARG_DST: plan.user("y", y_md)})
                return
            fwd = plan.pd("pooling_forward", capi.FORWARD_TRAINING, alg, x_md, y_md, *geometry, None)
            bwd = plan.pd("pooling_backward", alg, x_md, y_md, *geometry, fwd, None)
            dy, dx = plan.user("g", y_md), plan.user("dx", x_md)
            if kind == "bwd":
                plan.add(bwd, {capi.ARG_DIFF_DST: dy, capi.ARG_DIFF_SRC: dx})
                return
            workspace = plan.scratch(plan.query_md(fwd, capi.QUERY_WORKSPACE_MD))
            plan.add(fwd, {capi.ARG_SRC: plan.user("x", x_md),
                           capi.ARG_DST: plan.scratch(plan.query_md(fwd, capi.QUERY_DST_MD)),
                           capi.ARG_WORKSPACE: workspace})
            plan.add(bwd, {capi.ARG_DIFF_DST: dy, capi.ARG_WORKSPACE: workspace, capi.ARG_DIFF_SRC: dx})

        key = ("pool_" + kind, alg, tuple(x_shape), tuple(pool_size), tuple(strides), padding)
        return self._onednn_plan(key, build), y_shape

    def max_pool(self, x, pool_size, strides, padding):
        if _usable(x):
            plan, y_shape = self._pool_plan("fwd", capi.POOLING_MAX, x.shape, pool_size, strides, padding)
            if plan is not None:
                y = numpy.empty(y_shape, dtype=numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), y=y)
                return y
        return super().max_pool(x, pool_size, strides, padding)

    def max_pool_grad(self, g, x, y, pool_size, strides, padding):
        if _usable(g, x) and g.shape == y.shape:
            plan, _ = self._pool_plan("fwd_bwd", capi.POOLING_MAX, x.shape, pool_size, strides, padding)
            if plan is not None:
                dx = numpy.empty(x.shape, dtype=numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), g=numpy.ascontiguousarray(g), dx=dx)
                return dx
        return super().max_pool_grad(g, x, y, pool_size, strides, padding)

    def avg_pool(self, x, pool_size, strides, padding):
        if _usable(x):
            plan, y_shape = self._pool_plan("fwd", capi.POOLING_AVG_EXCLUDE_PADDING, x.shape, pool_size,
                                            strides, padding)
            if plan is not None:
                y = numpy.empty(y_shape, dtype=numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), y=y)
                return y
        return super().avg_pool(x, pool_size, strides, padding)

    def avg_pool_grad(self, g, input_shape, pool_size, strides, padding):
        input_shape = tuple(input_shape)
        if _usable(g) and all(input_shape):
            plan, y_shape = self._pool_plan("bwd", capi.POOLING_AVG_EXCLUDE_PADDING, input_shape, pool_size,
                                            strides, padding)
            if plan is not None and y_shape == g.shape:
                dx = numpy.empty(input_shape, dtype=numpy.float32)
                plan.run(g=numpy.ascontiguousarray(g), dx=dx)
                return dx
        return super().avg_pool_grad(g, input_shape, pool_size, strides, padding)
