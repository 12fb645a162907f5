"""The pooling kernels of the interface (see `backends.base` for the conventions every kernel follows).

`base.Backend` inherits this class: the interface stays one abstract class, split by family so that no
module outgrows its job.

Conventions for every pooling kernel:
- ``x`` is channels_last ``(batch, *spatial, channels)`` with 1, 2 or 3 spatial axes;
- ``pool_size`` and ``strides`` are tuples of positive ints, one per spatial axis;
- ``padding`` is ``'valid'`` (windows inside the input only) or ``'same'`` (TensorFlow's rule: output
  size ``ceil(in / stride)``, the padding split as evenly as possible with the extra element after);
- outputs are ``(batch, *out_spatial, channels)`` in the input's dtype.
"""
import abc


class PoolingInterface(abc.ABC):
    """Abstract pooling kernels; `generic_pool.PoolingKernels` implements them over `xp`."""

    @abc.abstractmethod
    def max_pool(self, x, pool_size, strides, padding):
        """The largest element of each window; with ``'same'`` the padding never wins (it is -inf)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def max_pool_grad(self, g, x, y, pool_size, strides, padding):
        """Gradient of `max_pool` with respect to ``x`` (shape of ``x``), given its output ``y`` and the
        output gradient ``g`` (shape of ``y``).

        Each window's gradient goes to one element: the first maximum in row-major window order, as
        TensorFlow's MaxPoolGrad does; overlapping windows accumulate."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def max_pool_select(self, c, x, y, pool_size, strides, padding):
        """The transpose of `max_pool_grad`: for each window (shape of ``y``), the element of ``c``
        (shape of ``x``) at the window's first maximum of ``x``. Also the derivative of `max_pool` at
        ``x`` in direction ``c``; it makes max pooling differentiable twice."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def avg_pool(self, x, pool_size, strides, padding):
        """The mean of each window; with ``'same'`` the mean is over the real (unpadded) elements only,
        as TensorFlow's AvgPool computes it."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def avg_pool_grad(self, g, input_shape, pool_size, strides, padding):
        """Gradient of `avg_pool` with respect to its input of shape ``input_shape`` (a tuple), given
        the output gradient ``g``: each window's ``g / count`` spread over its real elements."""
        raise NotImplementedError("abstract kernel")
