"""The attention kernels written once over the array module ``self.xp`` (NumPy or CuPy), as in
`backends.generic`: only API that NumPy and CuPy share (a test checks each ``xp.<name>`` against CuPy).

The scores are formed by one batched GEMM, masked, soft-maxed and dropped out in place in that one
buffer, and contracted with ``v`` by a second GEMM; the backward needs only the probabilities, not the
scores. On the host the leading (batch) axes are processed in blocks of about `attention_chunk_bytes` of
scores, so each block's elementwise passes reuse the scores from cache; a GPU takes everything at once.
Every GEMM gets C-contiguous operands (``kᵀ``, ``vᵀ`` and the blocks' transposes are copied first):
NumPy's batched matmul of small matrices through a transposed view skips BLAS and runs about ten times
slower ((256, 128, 32) @ (256, 32, 128): 210 ms against 21 ms on this machine's 2 cores).
"""
import math


def _swap(a):
    return a.swapaxes(-1, -2)


class AttentionKernels:
    """Mixed into `generic.XPBackend`; implements `base_attention.AttentionInterface`."""

    attention_chunk_bytes = 1 << 20

    def _attention_blocks(self, lead, rows_bytes):
        """Slices of the flattened leading axes, each holding about `attention_chunk_bytes` of scores."""
        per = max(1, self.attention_chunk_bytes // max(1, rows_bytes))
        return [slice(lo, min(lead, lo + per)) for lo in range(0, lead, per)]

    def _flat(self, a, lead):
        return self.xp.ascontiguousarray(a.reshape((lead,) + a.shape[-2:]))

    def _transposed(self, a):
        return self.xp.ascontiguousarray(_swap(a))

    def _broadcast_flat(self, m, lead_shape, t, s):
        """``m`` (broadcastable to ``lead_shape + (t, s)``) as a ``(lead, T, S)`` view or copy."""
        xp = self.xp
        full = lead_shape + (t, s)
        m = m.reshape((1,) * (len(full) - m.ndim) + m.shape)
        lead = math.prod(lead_shape)
        if all(d == 1 for d in m.shape[:-2]):
            # One pattern for every batch entry (a causal mask): kept (1, T', S') and broadcast per block.
            return m.reshape((1,) + m.shape[-2:])
        return xp.ascontiguousarray(xp.broadcast_to(m, full)).reshape((lead,) + full[-2:])

    @staticmethod
    def _rows(m, block):
        return m if m.shape[0] == 1 else m[block]

    def attention(self, q, k, v, mask, dropout, scale, robust_masking=False):
        xp = self.xp
        lead_shape, t, s = q.shape[:-2], q.shape[-2], k.shape[-2]
        lead = math.prod(lead_shape)
        qf, kt, vf = self._flat(q, lead), self._transposed(self._flat(k, lead)), self._flat(v, lead)
        mf = None if mask is None else self._broadcast_flat(mask, lead_shape, t, s)
        df = None if dropout is None else self._broadcast_flat(dropout, lead_shape, t, s)
        probs = xp.empty((lead, t, s), dtype=q.dtype)
        out = xp.empty((lead, t, v.shape[-1]), dtype=q.dtype)
        for block in self._attention_blocks(lead, t * s * q.itemsize):
            p = probs[block]
            xp.matmul(qf[block], kt[block], out=p)
            if scale != 1.0:
                p *= scale
            if mf is not None:
                keep = self._rows(mf, block).astype(p.dtype)
                if robust_masking:
                    p *= keep  # where(mask, scores, -1e9), with the line below
                # tf.keras's additive mask: scores + (1 - mask) * -1e9.
                p += (keep - 1) * 1e9
            p -= p.max(axis=-1, keepdims=True)
            xp.exp(p, out=p)
            p /= p.sum(axis=-1, keepdims=True)
            pd = p if df is None else p * self._rows(df, block)
            xp.matmul(pd, vf[block], out=out[block])
        return out.reshape(lead_shape + (t, v.shape[-1])), probs.reshape(lead_shape + (t, s))

    def attention_grad(self, g_out, g_probs, q, k, v, probs, dropout, scale, needs):
        xp = self.xp
        lead_shape, t, s = q.shape[:-2], q.shape[-2], k.shape[-2]
        lead = math.prod(lead_shape)
        qf, kf, gf = (self._flat(a, lead) for a in (q, k, g_out))
        vt = self._transposed(self._flat(v, lead))
        pf = self._flat(probs, lead)
        gpf = None if g_probs is None else self._flat(g_probs, lead)
        df = None if dropout is None else self._broadcast_flat(dropout, lead_shape, t, s)
        dq = xp.empty(qf.shape, dtype=q.dtype) if needs[0] else None
        dk = xp.empty(kf.shape, dtype=q.dtype) if needs[1] else None
        dv = xp.empty((lead,) + v.shape[-2:], dtype=q.dtype) if needs[2] else None
        dd = xp.empty((lead, t, s), dtype=q.dtype) if needs[3] else None
        if any(needs):
            for block in self._attention_blocks(lead, t * s * q.itemsize):
                p = pf[block]
                drop = None if df is None else self._rows(df, block)
                if needs[2]:
                    xp.matmul(self._transposed(p if drop is None else p * drop), gf[block], out=dv[block])
                if not (any(needs[:2]) or needs[3]):
                    continue
                dp = xp.matmul(gf[block], vt[block])  # the gradient of the dropped probabilities
                if needs[3]:
                    xp.multiply(p, dp, out=dd[block])
                if drop is not None:
                    dp *= drop
                if gpf is not None:
                    dp += gpf[block]
                if not any(needs[:2]):
                    continue
                # Through the softmax: ds = p * (dp - sum(dp * p)), then the scale.
                row = (dp * p).sum(axis=-1, keepdims=True)
                dp -= row
                dp *= p
                if scale != 1.0:
                    dp *= scale
                if needs[0]:
                    xp.matmul(dp, kf[block], out=dq[block])
                if needs[1]:
                    xp.matmul(self._transposed(dp), qf[block], out=dk[block])
        return (None if dq is None else dq.reshape(q.shape), None if dk is None else dk.reshape(k.shape),
                None if dv is None else dv.reshape(v.shape),
                None if dd is None else dd.reshape(lead_shape + (t, s)))

    def causal_mask(self, rows, cols):
        return self.xp.tri(rows, cols, dtype=bool)
