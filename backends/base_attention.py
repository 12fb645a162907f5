"""The attention kernels of the interface (see `backends.base` for the conventions every kernel follows).

`base.Backend` inherits this class: the interface stays one abstract class, split by family so that no
module outgrows its job.

Shared conventions: ``q`` is ``(..., T, D)``, ``k`` ``(..., S, D)`` and ``v`` ``(..., S, E)``, with the
same leading (batch) axes; the scores and probabilities are ``(..., T, S)``. ``mask`` is None or a bool
array broadcastable to the scores (True: attend), applied as tf.keras does, ``scores - 1e9 * (1 - mask)``
(so a row masked everywhere attends uniformly). ``dropout`` is None or a float array broadcastable to
the scores that multiplies the probabilities (a keep mask already scaled by ``1 / keep``); the returned
probabilities are the ones before it, as tf.keras's MultiHeadAttention returns them.
"""
import abc


class AttentionInterface(abc.ABC):
    """Abstract attention kernels; `generic_attention.AttentionKernels` implements them over `xp`."""

    @abc.abstractmethod
    def attention(self, q, k, v, mask, dropout, scale, robust_masking=False):
        """Scaled dot-product attention in one kernel: ``p = softmax(masked(scale * q @ kᵀ))`` over the
        last axis, ``out = (p * dropout) @ v``. Returns ``(out, p)``: ``out`` ``(..., T, E)`` and ``p``
        ``(..., T, S)``, in ``q``'s dtype. With `robust_masking` a masked score is replaced by ``-1e9``
        (tf.keras's ``Softmax(robust_masking=True)``: ``where(mask, scores, -1e9)``) instead of shifted."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def attention_grad(self, g_out, g_probs, q, k, v, probs, dropout, scale, needs):
        """Gradients of `attention` from ``g_out`` (the gradient of ``out``) and ``g_probs`` (of ``p``;
        None when ``p`` was not used). ``needs`` says which of ``(dq, dk, dv, ddropout)`` to compute
        (None elsewhere). ``ddropout = p * (g_out @ vᵀ)`` comes in the scores' shape."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def causal_mask(self, rows, cols):
        """The ``(rows, cols)`` bool array that is True where ``col <= row`` (a lower triangle, as
        ``tf.linalg.band_part(ones, -1, 0)``)."""
        raise NotImplementedError("abstract kernel")
