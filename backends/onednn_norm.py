"""Batch and layer normalization through oneDNN, forward (training) and backward, for float32 arrays
normalized over (batch norm: kept) the last axis, the channels_last case every Keras layer here uses.

Batch norm: ``(N, ..., C)`` is oneDNN's ``(N, C, ...)`` with the channel stride 1 (2-D ``(N, C)`` too);
layer norm: the leading axes are oneDNN's, the last is its normalized axis. Scale and shift are always
passed (ones and zeros standing in for a missing gamma or beta), so the backward always returns both
parameter gradients, as the interface asks. The interface keeps ``inv_std``, not the variance, for the
backward; it hands oneDNN ``var = 1 / inv_std**2`` with epsilon 0, which gives back the same
``inv_std`` to float32 rounding. Batch norm is off by default (`OneDNNNumpyBackend.onednn_off`: slower than
NumPy's on a shared 2-core machine). A batch-norm gradient with respect to the returned statistics
(``g_mean``/``g_var``), other axes and other dtypes run the generic kernels.
"""
import numpy

from backends import onednn_capi as capi
from backends.onednn_conv import _c_strides, _plain

_FLAGS = capi.USE_SCALE | capi.USE_SHIFT


def _ok(x, axes):
    return (type(x) is numpy.ndarray and x.dtype == numpy.float32 and x.size and 2 <= x.ndim <= 5
            and tuple(axes) == (x.ndim - 1,))


def _param(p, c, fill):
    return numpy.full(c, fill, numpy.float32) if p is None else numpy.ascontiguousarray(p, numpy.float32).reshape(c)


class OneDNNNormalizationKernels:
    """Mixed into `onednn_backend.OneDNNNumpyBackend` ahead of `NumpyBackend`."""

    def _norm_plan(self, kind, shape, epsilon):
        """kind: 'bn_fwd', 'bn_bwd', 'ln_fwd' or 'ln_bwd'."""
        def build(plan):
            if kind.startswith("bn"):
                x_md = plan.md(*_plain(shape))
                fwd = plan.pd("batch_normalization_forward", capi.FORWARD_TRAINING, x_md, x_md, epsilon, _FLAGS,
                              None)
            else:
                x_md = plan.md(shape, _c_strides(shape))
                stat = plan.md(shape[:-1], _c_strides(shape[:-1]))
                fwd = plan.pd("layer_normalization_forward", capi.FORWARD_TRAINING, x_md, x_md, stat, epsilon,
                              _FLAGS, None)
            c = shape[-1]
            param = plan.md((c,), (1,))
            mean_md = param if kind.startswith("bn") else plan.md(shape[:-1], _c_strides(shape[:-1]))
            args = {capi.ARG_SRC: plan.user("x", x_md), capi.ARG_MEAN: plan.user("mean", mean_md),
                    capi.ARG_VARIANCE: plan.user("var", mean_md)}
            if kind.endswith("fwd"):
                args.update({capi.ARG_SCALE: plan.user("scale", param), capi.ARG_SHIFT: plan.user("shift", param),
                             capi.ARG_DST: plan.user("y", x_md)})
                plan.add(fwd, args)
                return
            if kind.startswith("bn"):
                bwd = plan.pd("batch_normalization_backward", capi.BACKWARD, x_md, x_md, x_md, 0.0, _FLAGS, fwd,
                              None)
            else:
                bwd = plan.pd("layer_normalization_backward", capi.BACKWARD, x_md, x_md, x_md, mean_md, 0.0,
                              _FLAGS, fwd, None)
            # Layer norm's backward also reads the shift (not used by the gradients: zeros are passed).
            shift = {capi.ARG_SHIFT: plan.user("shift", param)} if kind.startswith("ln") else {}
            args.update({capi.ARG_DIFF_DST: plan.user("g", x_md), capi.ARG_SCALE: plan.user("scale", param),
                         **shift,
                         capi.ARG_DIFF_SRC: plan.user("dx", x_md),
                         capi.ARG_DIFF_SCALE: plan.user("dscale", param),
                         capi.ARG_DIFF_SHIFT: plan.user("dshift", param)})
            plan.add(bwd, args)

        return self._onednn_plan((kind, tuple(shape), float(epsilon)), build)

    def batch_norm_train(self, x, gamma, beta, axes, epsilon):
        if self._onednn_on("batch_norm") and _ok(x, axes):
            plan = self._norm_plan("bn_fwd", x.shape, epsilon)
            if plan is not None:
                c = x.shape[-1]
                y, mean, var = numpy.empty(x.shape, numpy.float32), numpy.empty(c, numpy.float32), \
                    numpy.empty(c, numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), y=y, mean=mean, var=var, scale=_param(gamma, c, 1.0),
                         shift=_param(beta, c, 0.0))
                inv_std = 1.0 / numpy.sqrt(var + numpy.float32(epsilon))
                kept = (1,) * (x.ndim - 1) + (c,)
                return y, mean.reshape(kept), var.reshape(kept), inv_std.reshape(kept)
        return super().batch_norm_train(x, gamma, beta, axes, epsilon)

    def batch_norm_grad(self, g, x, mean, inv_std, gamma, axes, g_mean=None, g_var=None):
        if (self._onednn_on("batch_norm") and _ok(x, axes) and g_mean is None and g_var is None and _ok(g, axes)
                and g.shape == x.shape):
            plan = self._norm_plan("bn_bwd", x.shape, 0.0)
            if plan is not None:
                c = x.shape[-1]
                dx, dgamma, dbeta = numpy.empty(x.shape, numpy.float32), numpy.empty(c, numpy.float32), \
                    numpy.empty(c, numpy.float32)
                inv = numpy.asarray(inv_std, numpy.float32).reshape(c)
                plan.run(x=numpy.ascontiguousarray(x), g=numpy.ascontiguousarray(g), dx=dx,
                         mean=numpy.ascontiguousarray(mean, numpy.float32).reshape(c), var=1.0 / (inv * inv),
                         scale=_param(gamma, c, 1.0), dscale=dgamma, dshift=dbeta)
                kept = (1,) * (x.ndim - 1) + (c,)
                return dx, dgamma.reshape(kept), dbeta.reshape(kept)
        return super().batch_norm_grad(g, x, mean, inv_std, gamma, axes, g_mean, g_var)

    def layer_norm(self, x, gamma, beta, axes, epsilon):
        if _ok(x, axes):
            plan = self._norm_plan("ln_fwd", x.shape, epsilon)
            if plan is not None:
                c = x.shape[-1]
                y = numpy.empty(x.shape, numpy.float32)
                mean, var = numpy.empty(x.shape[:-1], numpy.float32), numpy.empty(x.shape[:-1], numpy.float32)
                plan.run(x=numpy.ascontiguousarray(x), y=y, mean=mean, var=var, scale=_param(gamma, c, 1.0),
                         shift=_param(beta, c, 0.0))
                var += numpy.float32(epsilon)
                inv_std = numpy.divide(1.0, numpy.sqrt(var, out=var), out=var)
                lead = x.shape[:-1] + (1,)
                return y, mean.reshape(lead), inv_std.reshape(lead)
        return super().layer_norm(x, gamma, beta, axes, epsilon)

    def layer_norm_grad(self, g, x, mean, inv_std, gamma, axes):
        if _ok(x, axes) and _ok(g, axes) and g.shape == x.shape:
            plan = self._norm_plan("ln_bwd", x.shape, 0.0)
            if plan is not None:
                c = x.shape[-1]
                dx, dgamma, dbeta = numpy.empty(x.shape, numpy.float32), numpy.empty(c, numpy.float32), \
                    numpy.empty(c, numpy.float32)
                inv = numpy.asarray(inv_std, numpy.float32).reshape(x.shape[:-1])
                plan.run(x=numpy.ascontiguousarray(x), g=numpy.ascontiguousarray(g), dx=dx,
                         mean=numpy.ascontiguousarray(mean, numpy.float32).reshape(x.shape[:-1]),
                         var=1.0 / (inv * inv), scale=_param(gamma, c, 1.0), shift=_param(None, c, 0.0),
                         dscale=dgamma, dshift=dbeta)
                kept = (1,) * (x.ndim - 1) + (c,)
                return dx, dgamma.reshape(kept), dbeta.reshape(kept)
        return super().layer_norm_grad(g, x, mean, inv_std, gamma, axes)
