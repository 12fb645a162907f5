"""The normalization kernels of the interface (see `backends.base` for the conventions every kernel follows).

`base.Backend` inherits this class: the interface stays one abstract class, split by family so that no
module outgrows its job.

Shared conventions: ``axes`` is a sorted tuple of non-negative axes of ``x``. A parameter (``gamma``,
``beta``, a moving statistic) has as many elements as ``x`` has along ``axes`` and may come in any shape
of that size, e.g. ``(C,)`` or the broadcast shape ``(1, C, 1, 1)``; the kernel views it in the
broadcast shape (``x``'s rank, 1 outside ``axes``). ``gamma`` None means no scale, ``beta`` None no
offset. Statistics and parameter gradients are returned in the broadcast shape; callers reshape them.
"""
import abc


class NormalizationInterface(abc.ABC):
    """Abstract normalization kernels; `generic_norm.NormalizationKernels` implements them over `xp`."""

    @abc.abstractmethod
    def batch_norm_train(self, x, gamma, beta, axes, epsilon):
        """Batch normalization with the batch's own statistics; ``axes`` are the channel axes kept.

        Mean and biased variance are taken over every axis not in ``axes``. Returns ``(y, mean, var,
        inv_std)``: ``y = (x - mean) * inv_std * gamma + beta`` in ``x``'s shape and dtype, and the
        statistics in the broadcast shape, ``inv_std = 1 / sqrt(var + epsilon)`` kept for the gradient."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def batch_norm_grad(self, g, x, mean, inv_std, gamma, axes, g_mean=None, g_var=None):
        """Gradients of `batch_norm_train` in one pass, the standard fused formula.

        ``g`` is the gradient of ``y``; ``g_mean`` and ``g_var`` (optional, parameter-sized) those of the
        returned mean and variance. Returns ``(dx, dgamma, dbeta)``: ``dx`` in ``x``'s shape,
        ``dgamma = sum(g * x_hat)`` and ``dbeta = sum(g)`` over the reduced axes, in the broadcast shape
        (returned even when ``gamma`` is None: ``dx`` needs both sums anyway)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def batch_norm_infer(self, x, mean, var, gamma, beta, axes, epsilon):
        """Batch normalization with given (moving) statistics:
        ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta``, applied as one scale and one shift per
        channel. ``y`` has ``x``'s shape and dtype."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def batch_norm_infer_grad(self, g, x, mean, var, gamma, axes, epsilon, param_grads=True):
        """Gradients of `batch_norm_infer`: ``(dx, dmean, dvar, dgamma, dbeta)``, the last four in the
        broadcast shape. With ``param_grads`` False only ``dx`` is computed (the others are None): a
        frozen layer being fine-tuned through needs nothing else."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def moving_average_update(self, var, value, momentum, value_scale=1.0):
        """In place, as tf.keras: ``var -= (var - value * value_scale) * (1 - momentum)``.

        ``value`` has ``var``'s number of elements in any shape (a statistic in the broadcast shape);
        ``value_scale`` is e.g. Bessel's correction ``n / (n - 1)``. Returns None."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def layer_norm(self, x, gamma, beta, axes, epsilon):
        """Layer normalization: mean and biased variance over ``axes`` (the normalized axes), for each
        position of the others. Returns ``(y, mean, inv_std)``: ``y = (x - mean) * inv_std * gamma +
        beta`` in ``x``'s shape and dtype; ``mean`` and ``inv_std = 1 / sqrt(var + epsilon)`` in ``x``'s
        rank with 1 along ``axes``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def layer_norm_grad(self, g, x, mean, inv_std, gamma, axes):
        """Gradients of `layer_norm`: ``(dx, dgamma, dbeta)``, ``dx`` in ``x``'s shape and the others in
        the parameters' broadcast shape (summed over the axes not in ``axes``)."""
        raise NotImplementedError("abstract kernel")
