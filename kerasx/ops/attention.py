"""Scaled dot-product attention as one primitive with its own backward kernel: the scores, the mask,
the softmax, the dropout and the contraction with the values, never a chain of autodiff nodes.

``q`` is ``(..., T, D)``, ``k`` ``(..., S, D)``, ``v`` ``(..., S, E)`` (the same leading axes). ``mask``
(bool, True where a query attends a key) and ``dropout`` (a float keep mask already scaled by
``1 / keep``) are broadcastable to the ``(..., T, S)`` scores, or None. Masking is tf.keras's additive
``scores - 1e9 * (1 - mask)``. `attention` gives the output; `attention_with_scores` also gives the
probabilities before dropout, as MultiHeadAttention's ``return_attention_scores`` does.
"""
import backends
from kerasx.autodiff.primitive import primitive
from kerasx.autodiff.tensor import Tensor
from kerasx.ops import elementwise as ew
from kerasx.ops import linalg
from kerasx.ops import reduction as red
from kerasx.ops import shape as sh


def _absent(x):
    # A missing mask travels as the Python number 1 (a constant of the tape): positional inputs cannot
    # be None.
    return 1 if x is None else x


def _present(x):
    return None if isinstance(x, (bool, int, float)) else x


def _broadcastable(a, shape):
    if a.ndim > len(shape):
        return False
    return all(m in (1, n) for m, n in zip(a.shape[::-1], shape[::-1]))


def _check(name, q, k, v, mask, dropout):
    if q.ndim < 2 or q.ndim != k.ndim or q.ndim != v.ndim:
        raise ValueError(f"{name}: query, key and value must have the same rank, at least 2; received "
                         f"shapes {tuple(q.shape)}, {tuple(k.shape)} and {tuple(v.shape)}.")
    if q.shape[:-2] != k.shape[:-2] or q.shape[:-2] != v.shape[:-2] or q.shape[-1] != k.shape[-1] \
            or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{name}: expected query (..., T, D), key (..., S, D) and value (..., S, E) with the "
                         f"same leading axes; received shapes {tuple(q.shape)}, {tuple(k.shape)} and "
                         f"{tuple(v.shape)}.")
    scores = tuple(q.shape[:-1]) + (k.shape[-2],)
    for what, a in (("mask", mask), ("dropout", dropout)):
        if a is not None and not _broadcastable(a, scores):
            raise ValueError(f"{name}: the {what} of shape {tuple(a.shape)} does not broadcast to the scores' "
                             f"shape {scores}.")
    if mask is not None and mask.dtype.name != "bool":
        raise ValueError(f"{name}: the mask must be boolean, received dtype {mask.dtype.name}.")


def _fwd(name, b, q, k, v, mask, dropout, scale, robust_masking):
    mask, dropout = _present(mask), _present(dropout)
    _check(name, q, k, v, mask, dropout)
    out, probs = b.attention(q, k, v, mask, dropout, float(scale), bool(robust_masking))
    return (out, probs), (q, k, v, probs, dropout)


def _grads(b, g_out, g_probs, res, needs, scale):
    q, k, v, probs, dropout = res
    dq, dk, dv, dd = b.attention_grad(g_out, g_probs, q, k, v, probs, dropout, float(scale),
                                      (needs[0], needs[1], needs[2], bool(needs[4]) and dropout is not None))
    return dq, dk, dv, None, dd


def _attention_fwd(b, q, k, v, mask, dropout, scale=1.0, robust_masking=False):
    (out, _), res = _fwd("attention", b, q, k, v, mask, dropout, scale, robust_masking)
    return out, res


def _attention_vjp(b, g, res, needs, scale=1.0, robust_masking=False):
    return _grads(b, g, None, res, needs, scale)


def _scores_fwd(b, q, k, v, mask, dropout, scale=1.0, robust_masking=False):
    return _fwd("attention_with_scores", b, q, k, v, mask, dropout, scale, robust_masking)


def _scores_vjp(b, cot, res, needs, scale=1.0, robust_masking=False):
    return _grads(b, cot[0], cot[1], res, needs, scale)


def _samples(rng):
    def normal(*shape):
        return rng.standard_normal(shape)
    # A causal (T, S) pattern: column index <= row index.
    causal = rng.uniform(1, 1, (3, 4)).cumsum(axis=1) <= rng.uniform(1, 1, (3, 1)).cumsum(axis=0)
    keep = (rng.uniform(size=(2, 3, 4)) > 0.3) / 0.7
    return [((normal(2, 3, 4), normal(2, 4, 4), normal(2, 4, 2), 1, 1), {"scale": 0.5}),
            ((normal(2, 2, 3, 2), normal(2, 2, 4, 2), normal(2, 2, 4, 3), rng.uniform(size=(2, 1, 1, 4)) > 0.3,
              1), {"scale": 1.0}),
            ((normal(2, 3, 2), normal(2, 4, 2), normal(2, 4, 3), causal, keep), {"scale": 0.7}),
            ((normal(2, 3, 2), normal(2, 4, 2), normal(2, 4, 3), causal, 1),
             {"scale": 0.7, "robust_masking": True})]


def _diff_grads(g_out, g_probs, xs, probs, needs, scale):
    q, k, v, _, dropout = xs
    dropped = probs if isinstance(dropout, (bool, int, float)) else ew.multiply(probs, dropout)
    dv = linalg.matmul(sh.transpose(dropped, _swapped(dropped.ndim)), g_out) if needs[2] else None
    dp = linalg.matmul(g_out, sh.transpose(v, _swapped(v.ndim)))
    dd = ew.multiply(probs, dp) if needs[4] else None
    if not isinstance(dropout, (bool, int, float)):
        dp = ew.multiply(dp, dropout)
    if g_probs is not None:
        dp = ew.add(dp, g_probs)
    dq = dk = None
    if needs[0] or needs[1]:
        ds = ew.multiply(probs, ew.subtract(dp, red.sum(ew.multiply(dp, probs), axis=-1, keepdims=True)))
        ds = ew.multiply(ds, float(scale))
        dq = linalg.matmul(ds, k) if needs[0] else None
        dk = linalg.matmul(sh.transpose(ds, _swapped(ds.ndim)), q) if needs[1] else None
    return dq, dk, dv, None, dd


def _swapped(ndim):
    axes = list(range(ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return tuple(axes)


def _attention_diff_vjp(g, xs, out, needs, scale=1.0, robust_masking=False):
    # The single-output primitive keeps no probabilities: they come from `attention_with_scores`, a
    # primitive the outer tapes record too, so they see how the probabilities depend on q and k.
    probs = _attention_with_scores(*xs, scale=scale, robust_masking=robust_masking)[1]
    return _diff_grads(g, None, xs, probs, needs, scale)


def _scores_diff_vjp(cot, xs, outs, needs, scale=1.0, robust_masking=False):
    return _diff_grads(cot[0], cot[1], xs, outs[1], needs, scale)


def causal_mask(rows, cols):
    """The ``(rows, cols)`` bool mask of ``col <= row`` (tf.linalg.band_part(ones, -1, 0)), made on the
    device; constant, so nothing records it."""
    return Tensor(backends.get().causal_mask(int(rows), int(cols)))
_attention_with_scores = primitive(
    "attention_with_scores", _scores_fwd, _scores_vjp, _samples, n_outputs=2, diff_vjp=_scores_diff_vjp,
    doc="`attention`'s output and its probabilities (before dropout).")
_attention = primitive("attention", _attention_fwd, _attention_vjp, _samples, diff_vjp=_attention_diff_vjp,
                       doc="``(softmax(masked(scale * q @ kᵀ)) * dropout) @ v`` in one kernel.")


def attention(q, k, v, mask=None, dropout=None, scale=1.0, robust_masking=False):
    """Scaled dot-product attention: ``(softmax(scale * q @ kᵀ masked) * dropout) @ v`` (module docstring);
    `robust_masking` replaces masked scores by -1e9 instead of shifting them (tf.keras's Softmax option)."""
    return _attention(q, k, v, _absent(mask), _absent(dropout), scale=float(scale),
                      robust_masking=bool(robust_masking))


def attention_with_scores(q, k, v, mask=None, dropout=None, scale=1.0, robust_masking=False):
    """``(output, probabilities)`` of `attention`; the probabilities are the ones before dropout."""
    return _attention_with_scores(q, k, v, _absent(mask), _absent(dropout), scale=float(scale),
                                  robust_masking=bool(robust_masking))
