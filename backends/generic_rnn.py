"""The recurrent kernels written once over the array module ``self.xp`` (NumPy or CuPy), as in
`backends.generic`: only API that NumPy and CuPy share (a test checks each ``xp.<name>`` against CuPy).

Each kernel runs a whole sequence: one GEMM projects every timestep's input at once, the loop over time
does only the recurrent ``h @ recurrent_kernel`` GEMM and the gate arithmetic (in place, into buffers
allocated once per call), and the backward loops back over time, then forms the weight gradients with
one GEMM over all timesteps. Buffers are time-major ``(timesteps, batch, ...)`` so that each step reads
and writes one contiguous block.
"""


class RecurrentKernels:
    """Mixed into `generic.XPBackend`; implements `base_rnn.RecurrentInterface`."""

    # ---------------------------------------------------------------- shared helpers
    def _rnn_time_major(self, x, mask, go_backwards):
        """``x`` as a contiguous ``(T, B, F + 1)`` array in processing order, its last column all ones
        (so that one GEMM adds the bias in the projection and sums the bias gradient in the backward),
        and the mask as ``(T, B, 1)`` bools (or None)."""
        xp = self.xp
        steps, batch, features = x.shape[1], x.shape[0], x.shape[2]
        src = xp.transpose(x, (1, 0, 2))
        keep = None if mask is None else xp.transpose(mask, (1, 0))[:, :, None]
        if go_backwards:
            src = src[::-1]
            keep = None if keep is None else keep[::-1]
        xt = xp.empty((steps, batch, features + 1), dtype=x.dtype)
        xt[:, :, :features] = src
        xt[:, :, features] = 1
        return xt, keep

    def _rnn_project(self, xt, kernel, bias):
        """``x @ kernel + bias`` for every timestep in one GEMM: ``(T, B, G * units)``."""
        t, b, f1 = xt.shape
        w = self.xp.concatenate([kernel, bias.reshape(1, -1)], axis=0)
        return self.xp.matmul(xt.reshape(t * b, f1), w).reshape(t, b, kernel.shape[1])

    def _rnn_input_grads(self, xt, dz):
        """``(dkernel, dbias)`` of the projection: one GEMM, the ones column giving the bias row."""
        g = self._rnn_gram(xt, dz)
        return g[:-1], g[-1]

    def _rnn_sigmoid_(self, z):
        # 0.5 * tanh(z / 2) + 0.5 equals 1 / (1 + e^-z) but never overflows and runs in place.
        z *= 0.5
        self.xp.tanh(z, out=z)
        z *= 0.5
        z += 0.5

    def _rnn_mask_step(self, keep_t, outs, t, h_new, zero_output, states):
        """Keras's masked step: the output repeats the previous output (zeros when `zero_output`), the
        states (buffers indexed by step, ``state[t + 1]`` just written) keep their previous value."""
        xp = self.xp
        prev = 0.0 if (t == 0 or zero_output) else outs[t - 1]
        outs[t] = xp.where(keep_t, h_new, prev)
        for s in states:
            s[t + 1] = xp.where(keep_t, s[t + 1], s[t])

    def _rnn_outputs(self, outs):
        return self.xp.transpose(outs, (1, 0, 2))

    def _rnn_grad_x(self, dz, kernel, go_backwards):
        """``dz @ kernel.T`` for every timestep in one GEMM, back in ``(B, T, F)`` input order."""
        t, b, g = dz.shape
        dx = self.xp.matmul(dz.reshape(t * b, g), kernel.T).reshape(t, b, kernel.shape[0])
        if go_backwards:
            dx = dx[::-1]
        return self.xp.ascontiguousarray(self.xp.transpose(dx, (1, 0, 2)))

    def _rnn_gram(self, a, dz):
        """``sum_t a[t].T @ dz[t]`` as one GEMM over all timesteps."""
        t, b, n = a.shape
        return self.xp.matmul(a.reshape(t * b, n).T, dz.reshape(t * b, dz.shape[2]))

    def _rnn_step_grads(self, t, dh, keepf, go, out_carry, zero_output):
        """Splits the state cotangent `dh` and the output cotangent at step `t` into the part reaching
        the step's new state and the part a masked step carries past it. Returns
        ``(dh_new, dh_keep, out_carry)``; ``dh_keep`` is None without a mask."""
        if keepf is None:
            return dh + go[t], None, None
        k = keepf[t]
        g_t = go[t] if out_carry is None else go[t] + out_carry
        dh_new = k * (dh + g_t)
        # A masked output copies the previous output, so its cotangent flows to step t - 1's output.
        out_carry = None if zero_output else g_t - k * g_t
        return dh_new, dh - k * dh, out_carry

    def _rnn_recurrent_input(self, hs, recurrent_mask):
        """The states that entered each step's recurrent GEMM: ``(T, B, units)``."""
        h_in = hs[:-1]
        return h_in if recurrent_mask is None else h_in * recurrent_mask

    # ---------------------------------------------------------------- LSTM
    def _lstm_gate_affine(self, u, dtype):
        """``(scale, shift)`` over the 4 gates: sigmoid(v) = 0.5 * tanh(0.5 * v) + 0.5, so with the i, f, o
        columns of the weights pre-scaled by 0.5 one tanh over the whole row, times `scale` plus `shift`,
        activates all four gates (c's columns keep scale 1 and shift 0)."""
        xp = self.xp
        scale = xp.full((4 * u,), 0.5, dtype=dtype)
        scale[2 * u:3 * u] = 1.0
        shift = xp.full((4 * u,), 0.5, dtype=dtype)
        shift[2 * u:3 * u] = 0.0
        return scale, shift

    def lstm_forward(self, x, kernel, recurrent_kernel, bias, h0, c0, mask=None, recurrent_mask=None,
                     go_backwards=False, zero_output_for_mask=False):
        xp = self.xp
        u = recurrent_kernel.shape[0]
        xt, keep = self._rnn_time_major(x, mask, go_backwards)
        steps, batch = xt.shape[:2]
        scale, shift = self._lstm_gate_affine(u, x.dtype)
        # z[t] holds step t's activated gates i, f, c~, o once the step has run.
        z = self._rnn_project(xt, kernel * scale, bias * scale)
        rk_scaled = recurrent_kernel * scale
        hs = xp.empty((steps + 1, batch, u), dtype=x.dtype)
        cs = xp.empty((steps + 1, batch, u), dtype=x.dtype)
        hs[0] = h0
        cs[0] = c0
        tc = xp.empty((steps, batch, u), dtype=x.dtype)
        outs = hs[1:] if keep is None else xp.empty((steps, batch, u), dtype=x.dtype)
        rec = xp.empty((batch, 4 * u), dtype=x.dtype)
        for t in range(steps):
            h_in = hs[t] if recurrent_mask is None else hs[t] * recurrent_mask
            xp.matmul(h_in, rk_scaled, out=rec)
            zt = z[t]
            zt += rec
            xp.tanh(zt, out=zt)
            zt *= scale
            zt += shift
            c = cs[t + 1]
            xp.multiply(zt[:, u:2 * u], cs[t], out=c)
            c += zt[:, :u] * zt[:, 2 * u:3 * u]
            xp.tanh(c, out=tc[t])
            h = hs[t + 1]
            xp.multiply(zt[:, 3 * u:], tc[t], out=h)
            if keep is not None:
                self._rnn_mask_step(keep[t], outs, t, h, zero_output_for_mask, (hs, cs))
        keepf = None if keep is None else keep.astype(x.dtype)
        cache = (xt, kernel, recurrent_kernel, z, hs, cs, tc, keepf, recurrent_mask, go_backwards,
                 zero_output_for_mask)
        return self._rnn_outputs(outs), hs[steps], cs[steps], cache

    def _lstm_coefficients(self, z, cs, tc):
        """Everything of the backward step that does not depend on the incoming cotangents, for all
        timesteps of a chunk at once (a few large elementwise ops instead of many small ones per step):
        ``coef`` with dz_i,f,c~ = dc * coef and dz_o = dh * coef_o, and ``to_c`` with dc += dh * to_c."""
        xp = self.xp
        u = cs.shape[2]
        zi, zg, zo = z[..., :u], z[..., 2 * u:3 * u], z[..., 3 * u:]
        coef = 1.0 - z
        coef *= z
        coef[..., :u] *= zg
        coef[..., u:2 * u] *= cs[:-1]
        g2 = zg * zg
        g2 *= zi
        xp.subtract(zi, g2, out=coef[..., 2 * u:3 * u])
        coef[..., 3 * u:] *= tc
        to_c = xp.multiply(tc, tc, out=g2)
        to_c *= zo
        xp.subtract(zo, to_c, out=to_c)
        return coef, to_c

    def lstm_backward(self, g_outputs, g_h, g_c, cache):
        xp = self.xp
        xt, kernel, recurrent_kernel, z, hs, cs, tc, keepf, rmask, go_backwards, zero_output = cache
        steps, batch = xt.shape[:2]
        u = recurrent_kernel.shape[0]
        go = xp.transpose(g_outputs, (1, 0, 2))
        dz = xp.empty_like(z)
        rk_t = xp.ascontiguousarray(recurrent_kernel.T)
        dh, out_carry = g_h, None
        dc = g_c.copy()
        drm = None if rmask is None else xp.zeros(rmask.shape, dtype=rmask.dtype)
        # The coefficients come a few timesteps at a time: large enough ops, small enough to stay in cache
        # (LSTM(128), batch 64, 50 steps: 2.0 ms in chunks of 4 steps, 2.3 ms of 8, 3.0 ms all at once).
        chunk = 4
        for start in range(((steps - 1) // chunk) * chunk, -1, -chunk):
            stop = min(start + chunk, steps)
            coef, to_c = self._lstm_coefficients(z[start:stop], cs[start:stop + 1], tc[start:stop])
            for t in range(stop - 1, start - 1, -1):
                k = t - start
                dh_new, dh_keep, out_carry = self._rnn_step_grads(t, dh, keepf, go, out_carry, zero_output)
                if keepf is not None:
                    dc_keep = dc - keepf[t] * dc
                    dc *= keepf[t]
                dc += dh_new * to_c[k]
                d = dz[t]
                xp.multiply(coef[k].reshape(batch, 4, u)[:, :3], dc[:, None, :],
                            out=d.reshape(batch, 4, u)[:, :3])
                xp.multiply(coef[k][:, 3 * u:], dh_new, out=d[:, 3 * u:])
                dc *= z[t][:, u:2 * u]
                if keepf is not None:
                    dc += dc_keep
                dh = xp.matmul(d, rk_t)
                if rmask is not None:
                    drm += dh * hs[t]
                    dh *= rmask
                if dh_keep is not None:
                    dh += dh_keep
        dx = self._rnn_grad_x(dz, kernel, go_backwards)
        dkernel, dbias = self._rnn_input_grads(xt, dz)
        drecurrent = self._rnn_gram(self._rnn_recurrent_input(hs, rmask), dz)
        return dx, dkernel, drecurrent, dbias, dh, dc, drm

    # ---------------------------------------------------------------- GRU
    def gru_forward(self, x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None,
                    go_backwards=False, zero_output_for_mask=False, reset_after=True):
        xp = self.xp
        u = recurrent_kernel.shape[0]
        xt, keep = self._rnn_time_major(x, mask, go_backwards)
        steps, batch = xt.shape[:2]
        # The z and r columns are pre-scaled by 0.5 so that sigmoid(v) = 0.5 * tanh(0.5 * v) + 0.5 is one
        # tanh and one affine step; with reset_after the recurrent bias of z and r joins the input bias,
        # and only h's recurrent bias (which the reset gate scales) is added per step.
        scale = xp.full((3 * u,), 0.5, dtype=x.dtype)
        scale[2 * u:] = 1.0
        if reset_after:
            b_in = bias[0].copy()
            b_in[:2 * u] += bias[1][:2 * u]
            b_rh = bias[1][2 * u:]
        else:
            b_in = bias
        z = self._rnn_project(xt, kernel * scale, b_in * scale)
        hs = xp.empty((steps + 1, batch, u), dtype=x.dtype)
        hs[0] = h0
        outs = hs[1:] if keep is None else xp.empty((steps, batch, u), dtype=x.dtype)
        # reset_after: h @ U_h + b_h, which the reset gate scales; else r * h, the input of U_h's GEMM.
        aux = xp.empty((steps, batch, u), dtype=x.dtype)
        if reset_after:
            rk_scaled = recurrent_kernel * scale
            rec = xp.empty((batch, 3 * u), dtype=x.dtype)
        else:
            rk_zr = xp.ascontiguousarray(recurrent_kernel[:, :2 * u]) * 0.5
            rk_h = xp.ascontiguousarray(recurrent_kernel[:, 2 * u:])
            rec = xp.empty((batch, 2 * u), dtype=x.dtype)
        for t in range(steps):
            h_in = hs[t] if recurrent_mask is None else hs[t] * recurrent_mask
            zt = z[t]
            zr, cand = zt[:, :2 * u], zt[:, 2 * u:]
            if reset_after:
                xp.matmul(h_in, rk_scaled, out=rec)
                zr += rec[:, :2 * u]
                xp.add(rec[:, 2 * u:], b_rh, out=aux[t])
            else:
                xp.matmul(h_in, rk_zr, out=rec)
                zr += rec
            xp.tanh(zr, out=zr)
            zr *= 0.5
            zr += 0.5
            if reset_after:
                cand += zt[:, u:2 * u] * aux[t]
            else:
                xp.multiply(zt[:, u:2 * u], h_in, out=aux[t])
                cand += xp.matmul(aux[t], rk_h)
            xp.tanh(cand, out=cand)
            h = hs[t + 1]
            xp.subtract(hs[t], cand, out=h)
            h *= zt[:, :u]
            h += cand
            if keep is not None:
                self._rnn_mask_step(keep[t], outs, t, h, zero_output_for_mask, (hs,))
        keepf = None if keep is None else keep.astype(x.dtype)
        cache = (xt, kernel, recurrent_kernel, z, hs, aux, keepf, recurrent_mask, go_backwards,
                 zero_output_for_mask, reset_after)
        return self._rnn_outputs(outs), hs[steps], cache

    def gru_backward(self, g_outputs, g_h, cache):
        xp = self.xp
        xt, kernel, recurrent_kernel, z, hs, aux, keepf, rmask, go_backwards, zero_output, reset_after = cache
        steps = xt.shape[0]
        u = recurrent_kernel.shape[0]
        go = xp.transpose(g_outputs, (1, 0, 2))
        dz = xp.empty_like(z)
        if reset_after:
            d_inner = xp.empty_like(z)
            rk_t = xp.ascontiguousarray(recurrent_kernel.T)
        else:
            rk_zr_t = xp.ascontiguousarray(recurrent_kernel[:, :2 * u].T)
            rk_h_t = xp.ascontiguousarray(recurrent_kernel[:, 2 * u:].T)
        dh, out_carry = g_h, None
        drm = None if rmask is None else xp.zeros(rmask.shape, dtype=rmask.dtype)
        for t in range(steps - 1, -1, -1):
            zt, d = z[t], dz[t]
            zz, r, hh = zt[:, :u], zt[:, u:2 * u], zt[:, 2 * u:]
            dh_new, dh_keep, out_carry = self._rnn_step_grads(t, dh, keepf, go, out_carry, zero_output)
            hp = hs[t]
            xp.multiply(dh_new, hp - hh, out=d[:, :u])
            d[:, :u] *= zz * (1.0 - zz)
            xp.multiply(dh_new, 1.0 - zz, out=d[:, 2 * u:])
            d[:, 2 * u:] *= 1.0 - hh * hh
            dah = d[:, 2 * u:]
            if reset_after:
                xp.multiply(dah, aux[t], out=d[:, u:2 * u])
                d[:, u:2 * u] *= r * (1.0 - r)
                di = d_inner[t]
                di[:, :2 * u] = d[:, :2 * u]
                xp.multiply(dah, r, out=di[:, 2 * u:])
                dh_in = xp.matmul(di, rk_t)
            else:
                h_in = hp if rmask is None else hp * rmask
                d_rh = xp.matmul(dah, rk_h_t)
                xp.multiply(d_rh, h_in, out=d[:, u:2 * u])
                d[:, u:2 * u] *= r * (1.0 - r)
                dh_in = d_rh * r
                dh_in += xp.matmul(d[:, :2 * u], rk_zr_t)
            if rmask is not None:
                drm += dh_in * hp
                dh_in *= rmask
            dh = dh_new * zz
            dh += dh_in
            if dh_keep is not None:
                dh += dh_keep
        dx = self._rnn_grad_x(dz, kernel, go_backwards)
        dkernel, dbias = self._rnn_input_grads(xt, dz)
        h_in_all = self._rnn_recurrent_input(hs, rmask)
        if reset_after:
            drecurrent = self._rnn_gram(h_in_all, d_inner)
            dbias = xp.stack([dbias, xp.sum(d_inner, axis=(0, 1))], axis=0)
        else:
            drecurrent = xp.concatenate([self._rnn_gram(h_in_all, dz[:, :, :2 * u]),
                                         self._rnn_gram(aux, dz[:, :, 2 * u:])], axis=1)
        return dx, dkernel, drecurrent, dbias, dh, drm

    # ---------------------------------------------------------------- SimpleRNN
    def _rnn_activate_(self, z, activation):
        xp = self.xp
        if activation == "tanh":
            xp.tanh(z, out=z)
        elif activation == "relu":
            xp.maximum(z, 0, out=z)
        elif activation == "sigmoid":
            self._rnn_sigmoid_(z)
        elif activation != "linear":
            raise ValueError(f"simple_rnn: unknown activation {activation!r}; expected 'tanh', 'relu', "
                             "'sigmoid' or 'linear'.")

    def _rnn_activation_grad(self, y, activation):
        """The activation's derivative from its output `y`."""
        if activation == "tanh":
            return 1.0 - y * y
        if activation == "sigmoid":
            return y * (1.0 - y)
        if activation == "relu":
            return (y > 0).astype(y.dtype)
        return None

    def simple_rnn_forward(self, x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None,
                           go_backwards=False, zero_output_for_mask=False, activation="tanh"):
        xp = self.xp
        u = recurrent_kernel.shape[0]
        xt, keep = self._rnn_time_major(x, mask, go_backwards)
        steps, batch = xt.shape[:2]
        # z[t] becomes step t's new (unmasked) state in place: the backward reads the derivative off it.
        z = self._rnn_project(xt, kernel, bias)
        self._rnn_activate_(z[:0], activation)  # rejects an unknown activation before any work
        hs = xp.empty((steps + 1, batch, u), dtype=x.dtype)
        hs[0] = h0
        outs = hs[1:] if keep is None else xp.empty((steps, batch, u), dtype=x.dtype)
        rec = xp.empty((batch, u), dtype=x.dtype)
        for t in range(steps):
            h_in = hs[t] if recurrent_mask is None else hs[t] * recurrent_mask
            xp.matmul(h_in, recurrent_kernel, out=rec)
            zt = z[t]
            zt += rec
            self._rnn_activate_(zt, activation)
            hs[t + 1] = zt
            if keep is not None:
                self._rnn_mask_step(keep[t], outs, t, zt, zero_output_for_mask, (hs,))
        keepf = None if keep is None else keep.astype(x.dtype)
        cache = (xt, kernel, recurrent_kernel, z, hs, keepf, recurrent_mask, go_backwards,
                 zero_output_for_mask, activation)
        return self._rnn_outputs(outs), hs[steps], cache

    def simple_rnn_backward(self, g_outputs, g_h, cache):
        xp = self.xp
        xt, kernel, recurrent_kernel, z, hs, keepf, rmask, go_backwards, zero_output, activation = cache
        steps = xt.shape[0]
        go = xp.transpose(g_outputs, (1, 0, 2))
        dz = xp.empty_like(z)
        rk_t = xp.ascontiguousarray(recurrent_kernel.T)
        dh, out_carry = g_h, None
        drm = None if rmask is None else xp.zeros(rmask.shape, dtype=rmask.dtype)
        for t in range(steps - 1, -1, -1):
            dh_new, dh_keep, out_carry = self._rnn_step_grads(t, dh, keepf, go, out_carry, zero_output)
            act_grad = self._rnn_activation_grad(z[t], activation)
            if act_grad is None:
                dz[t] = dh_new
            else:
                xp.multiply(dh_new, act_grad, out=dz[t])
            dh = xp.matmul(dz[t], rk_t)
            if rmask is not None:
                drm += dh * hs[t]
                dh *= rmask
            if dh_keep is not None:
                dh += dh_keep
        dx = self._rnn_grad_x(dz, kernel, go_backwards)
        dkernel, dbias = self._rnn_input_grads(xt, dz)
        drecurrent = self._rnn_gram(self._rnn_recurrent_input(hs, rmask), dz)
        return dx, dkernel, drecurrent, dbias, dh, drm
