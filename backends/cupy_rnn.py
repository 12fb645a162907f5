"""The CuPy backend's LSTM and GRU overrides: each timestep's gate arithmetic as one CUDA kernel
(`backends/cuda/lstm.cu`, `backends/cuda/gru.cu`, loaded with `cupy.RawModule`) next to the step's cuBLAS
GEMM.

Why override: the generic kernels run a step's gates as about ten separate array operations forwards
and eight backwards (plus the backward's coefficient chunks); on a GPU each is a kernel launch and a
trip through CuPy's Python dispatch, so a 50-step sequence costs over a thousand launches, far more
time than its arithmetic. Here a step is one GEMM and one launch each way (the GRU's backward and a
masked LSTM's add one add). The caches have the generic kernels' layouts (activated gates in ``z``, then
``hs`` and ``cs`` and ``tanh(c)``, or the GRU's ``aux``; the mask as floats), so either backward can follow
either forward. The LSTM kernels take masks (Keras's rule: a masked step repeats the previous output and
keeps its states); masked GRUs, recurrent dropout, mixed dtypes and the GRU's ``reset_after=False`` fall
back to the generic kernels.
Parity with the generic kernels is tested on a device, and the kernels' arithmetic on the host
(tests/backends/test_kernels_rnn.py).
"""
import numpy  # host-side: kernel arguments are passed as NumPy scalars of the C types

from backends import cuda_modules

_LSTM_SOURCE = cuda_modules.source("lstm.cu")
_GRU_SOURCE = cuda_modules.source("gru.cu")


class CupyRecurrentKernels:
    """Mixed into `cupy_backend.CupyBackend` ahead of `generic.XPBackend`."""

    def _rnn_function(self, source, name, dtype):
        return cuda_modules.function(self.xp, source, name, dtype)

    @staticmethod
    def _rnn_launch(function, batch, units, args):
        """One thread per (batch row, unit); the kernels take ``total`` and ``units`` last."""
        total = batch * units
        function((cuda_modules.blocks(total),), (cuda_modules.THREADS,),
                 tuple(args) + (numpy.int64(total), numpy.int32(units)))

    @staticmethod
    def _rnn_fast_path(arrays, mask, recurrent_mask):
        """One dtype the kernels have, and whichever of a mask and recurrent dropout they handle."""
        dtype = arrays[0].dtype
        return (mask is None and recurrent_mask is None and dtype.name in cuda_modules.SUFFIX
                and all(a.dtype == dtype for a in arrays))

    def lstm_forward(self, x, kernel, recurrent_kernel, bias, h0, c0, mask=None, recurrent_mask=None,
                     go_backwards=False, zero_output_for_mask=False):
        if not self._rnn_fast_path((x, kernel, recurrent_kernel, bias, h0, c0), None, recurrent_mask):
            return super().lstm_forward(x, kernel, recurrent_kernel, bias, h0, c0, mask, recurrent_mask,
                                        go_backwards, zero_output_for_mask)
        xp = self.xp
        u = recurrent_kernel.shape[0]
        xt, keep = self._rnn_time_major(x, mask, go_backwards)
        steps, batch = xt.shape[:2]
        z = self._rnn_project(xt, kernel, bias)  # raw pre-activations; the kernel activates them in place
        hs = xp.empty((steps + 1, batch, u), dtype=x.dtype)
        cs = xp.empty((steps + 1, batch, u), dtype=x.dtype)
        hs[0] = h0
        cs[0] = c0
        tc = xp.empty((steps, batch, u), dtype=x.dtype)
        rec = xp.empty((batch, 4 * u), dtype=x.dtype)
        rk = xp.ascontiguousarray(recurrent_kernel)
        keepf = None if keep is None else xp.ascontiguousarray(keep.astype(x.dtype))  # (T, B, 1)
        if keepf is None:
            outs = hs[1:]
            step = self._rnn_function(_LSTM_SOURCE, "lstm_step_fwd", x.dtype)
        else:
            outs = xp.empty((steps, batch, u), dtype=x.dtype)
            step = self._rnn_function(_LSTM_SOURCE, "lstm_step_fwd_masked", x.dtype)
        for t in range(steps):
            xp.matmul(hs[t], rk, out=rec)
            if keepf is None:
                self._rnn_launch(step, batch, u, (z[t], rec, cs[t], cs[t + 1], tc[t], hs[t + 1]))
            else:
                use_prev = t > 0 and not zero_output_for_mask
                self._rnn_launch(step, batch, u, (z[t], rec, cs[t], cs[t + 1], tc[t], hs[t], hs[t + 1], keepf[t],
                                                  outs[t], outs[t - 1] if use_prev else outs[t],
                                                  numpy.int32(use_prev)))
        cache = (xt, kernel, recurrent_kernel, z, hs, cs, tc, keepf, None, go_backwards, zero_output_for_mask)
        return self._rnn_outputs(outs), hs[steps], cs[steps], cache

    def lstm_backward(self, g_outputs, g_h, g_c, cache):
        xt, kernel, recurrent_kernel, z, hs, cs, tc, keepf, rmask, go_backwards, zero_output = cache
        if not self._rnn_fast_path((z, g_outputs, g_h, g_c), None, rmask):
            return super().lstm_backward(g_outputs, g_h, g_c, cache)
        xp = self.xp
        steps, batch = xt.shape[:2]
        u = recurrent_kernel.shape[0]
        go = xp.ascontiguousarray(g_outputs)  # (B, T, U): step t's rows start at t * U, T * U apart
        go_rows = (numpy.int64(steps * u),)
        dz = xp.empty_like(z)
        rk_t = xp.ascontiguousarray(recurrent_kernel.T)
        dh = xp.ascontiguousarray(g_h)
        dc = g_c.copy()  # updated in place, step by step, into the cotangent of c0
        if keepf is None:
            step = self._rnn_function(_LSTM_SOURCE, "lstm_step_bwd", z.dtype)
        else:
            step = self._rnn_function(_LSTM_SOURCE, "lstm_step_bwd_masked", z.dtype)
            keepf = xp.ascontiguousarray(keepf)
            out_carry = xp.zeros((batch, u), dtype=z.dtype)
            dh_keep = xp.empty((batch, u), dtype=z.dtype)
        for t in range(steps - 1, -1, -1):
            offset = (numpy.int64(t * u),)
            if keepf is None:
                self._rnn_launch(step, batch, u, (dh, go) + offset + go_rows + (dc, z[t], cs[t], tc[t], dz[t]))
                dh = xp.matmul(dz[t], rk_t)
            else:
                self._rnn_launch(step, batch, u, (dh, go) + offset + go_rows + (
                    out_carry, keepf[t], numpy.int32(bool(zero_output)), dc, z[t], cs[t], tc[t], dz[t], dh_keep))
                dh = xp.matmul(dz[t], rk_t)
                dh += dh_keep
        dx = self._rnn_grad_x(dz, kernel, go_backwards)
        dkernel, dbias = self._rnn_input_grads(xt, dz)
        drecurrent = self._rnn_gram(hs[:-1], dz)
        return dx, dkernel, drecurrent, dbias, dh, dc, None

    def gru_forward(self, x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None,
                    go_backwards=False, zero_output_for_mask=False, reset_after=True):
        if not (reset_after and self._rnn_fast_path((x, kernel, recurrent_kernel, bias, h0), mask,
                                                    recurrent_mask)):
            return super().gru_forward(x, kernel, recurrent_kernel, bias, h0, mask, recurrent_mask, go_backwards,
                                       zero_output_for_mask, reset_after)
        xp = self.xp
        u = recurrent_kernel.shape[0]
        xt, _ = self._rnn_time_major(x, None, go_backwards)
        steps, batch = xt.shape[:2]
        # The recurrent bias of z and r joins the input bias; h~'s (which r scales) is added per step.
        b_in = bias[0].copy()
        b_in[:2 * u] += bias[1][:2 * u]
        b_rh = xp.ascontiguousarray(bias[1][2 * u:])
        z = self._rnn_project(xt, kernel, b_in)  # raw pre-activations; the kernel activates them in place
        hs = xp.empty((steps + 1, batch, u), dtype=x.dtype)
        hs[0] = h0
        aux = xp.empty((steps, batch, u), dtype=x.dtype)
        rec = xp.empty((batch, 3 * u), dtype=x.dtype)
        rk = xp.ascontiguousarray(recurrent_kernel)
        step = self._rnn_function(_GRU_SOURCE, "gru_step_fwd", x.dtype)
        for t in range(steps):
            xp.matmul(hs[t], rk, out=rec)
            self._rnn_launch(step, batch, u, (z[t], rec, b_rh, hs[t], aux[t], hs[t + 1]))
        cache = (xt, kernel, recurrent_kernel, z, hs, aux, None, None, go_backwards, zero_output_for_mask, True)
        return self._rnn_outputs(hs[1:]), hs[steps], cache

    def gru_backward(self, g_outputs, g_h, cache):
        xt, kernel, recurrent_kernel, z, hs, aux, keepf, rmask, go_backwards, _, reset_after = cache
        if not (reset_after and self._rnn_fast_path((z, g_outputs, g_h), keepf, rmask)):
            return super().gru_backward(g_outputs, g_h, cache)
        xp = self.xp
        steps, batch = xt.shape[:2]
        u = recurrent_kernel.shape[0]
        go = xp.ascontiguousarray(g_outputs)  # (B, T, U): step t's rows start at t * U, T * U apart
        dz = xp.empty_like(z)
        d_inner = xp.empty_like(z)  # the cotangent of each step's recurrent GEMM output
        carry = xp.empty((batch, u), dtype=z.dtype)
        rk_t = xp.ascontiguousarray(recurrent_kernel.T)
        dh = xp.ascontiguousarray(g_h)
        step = self._rnn_function(_GRU_SOURCE, "gru_step_bwd", z.dtype)
        for t in range(steps - 1, -1, -1):
            self._rnn_launch(step, batch, u, (dh, go, numpy.int64(t * u), numpy.int64(steps * u), z[t], hs[t],
                                              aux[t], dz[t], d_inner[t], carry))
            dh = xp.matmul(d_inner[t], rk_t)
            dh += carry
        dx = self._rnn_grad_x(dz, kernel, go_backwards)
        dkernel, dbias = self._rnn_input_grads(xt, dz)
        drecurrent = self._rnn_gram(hs[:-1], d_inner)
        dbias = xp.stack([dbias, xp.sum(d_inner, axis=(0, 1))], axis=0)
        return dx, dkernel, drecurrent, dbias, dh, None
