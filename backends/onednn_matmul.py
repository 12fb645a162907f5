"""`matmul` and `dense` through oneDNN's matmul primitive, so that while oneDNN is active the GEMMs of the
model (Dense layers, the tape's matmul gradients) run on oneDNN's OpenMP threads instead of waking
OpenBLAS's: on a 2-core machine two thread pools that each spin after their work starve each other.

Float32 only; ``a`` 2-D or more with ``b`` 2-D (the leading axes of ``a`` flattened into the rows, as the
generic kernel does). Transposed operands (``g @ w.T``, ``x.T @ g``: what the tape passes) are described to
oneDNN with their strides, so they are not copied; an operand with no unit stride is copied first. Batched
products and other dtypes run the generic kernel. ``dense`` fuses the bias (a ``(1, m)`` bias operand)
and ReLU (a post-op), as `onednn_conv` does.
"""
import numpy

from backends import onednn_capi as capi


def _layout(a):
    """(element strides, array to pass) of a 2-D float32 array: its own strides when one of them is 1."""
    st = tuple(s // a.itemsize for s in a.strides)
    if (st[1] == 1 and st[0] >= a.shape[1]) or (st[0] == 1 and st[1] >= a.shape[0]):
        return st, a
    a = numpy.ascontiguousarray(a)
    return (a.shape[1], 1), a


def _ok(*arrays):
    return all(type(a) is numpy.ndarray and a.dtype == numpy.float32 and a.size for a in arrays)


class OneDNNMatmulKernels:
    """Mixed into `onednn_backend.OneDNNNumpyBackend` ahead of `NumpyBackend`."""

    def _matmul_plan(self, m, k, n, a_strides, b_strides, bias, relu):
        def build(plan):
            a_md, b_md = plan.md((m, k), a_strides), plan.md((k, n), b_strides)
            c_md = plan.md((m, n), (n, 1))
            bias_md = plan.md((1, n), (n, 1)) if bias else None
            attr = plan.post_ops_relu() if relu else None
            pd = plan.pd("matmul", a_md, b_md, bias_md, c_md, attr)
            args = {capi.ARG_SRC: plan.user("a", a_md), capi.ARG_WEIGHTS: plan.user("b", b_md),
                    capi.ARG_DST: plan.user("c", c_md)}
            if bias:
                args[capi.ARG_BIAS] = plan.user("bias", bias_md)
            plan.add(pd, args)

        return self._onednn_plan(("matmul", m, k, n, a_strides, b_strides, bias, relu), build)

    def _onednn_matmul(self, a, b, bias=None, relu=False):
        """``a @ b (+ bias, relu)`` through oneDNN, or None when it does not serve this case."""
        if not (_ok(a, b) and a.ndim >= 2 and b.ndim == 2 and a.shape[-1] == b.shape[0]):
            return None
        if bias is not None and not (_ok(bias) and bias.shape == (b.shape[1],)):
            return None
        lead = a.shape[:-1]
        a2 = a.reshape(-1, a.shape[-1]) if a.ndim > 2 else a
        a_strides, a2 = _layout(a2)
        b_strides, b2 = _layout(b)
        m, k, n = a2.shape[0], a2.shape[1], b2.shape[1]
        plan = self._matmul_plan(m, k, n, a_strides, b_strides, bias is not None, bool(relu))
        if plan is None:
            return None
        c = numpy.empty((m, n), dtype=numpy.float32)
        arrays = {"a": a2, "b": b2, "c": c}
        if bias is not None:
            arrays["bias"] = numpy.ascontiguousarray(bias)
        plan.run(**arrays)
        return c.reshape(lead + (n,))

    def matmul(self, a, b):
        out = self._onednn_matmul(a, b)
        return super().matmul(a, b) if out is None else out

    def dense(self, x, kernel, bias, relu):
        out = self._onednn_matmul(x, kernel, bias, relu)
        return super().dense(x, kernel, bias, relu) if out is None else out
