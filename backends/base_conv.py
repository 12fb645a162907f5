"""The convolution kernels of the interface (see `backends.base` for the conventions every kernel follows).

`base.Backend` inherits this class: the interface stays one abstract class, split by family so that no
module outgrows its job.

Conventions shared by every kernel here, for ``d`` = 1, 2 or 3 spatial dimensions:

- ``x`` is channels_last, ``(N, *spatial, C)``; outputs and gradients are channels_last too.
- A convolution kernel is stored as Keras stores it, ``(*kernel_size, C // groups, F)`` (HWIO for 2-D);
  a depthwise kernel is ``(*kernel_size, C, depth_multiplier)``.
- ``strides`` and ``dilation`` are tuples of ``d`` positive ints; ``padding`` is a tuple of ``d``
  ``(before, after)`` pairs of zeros added to the input (the frontend turns 'same'/'valid'/'causal'
  into these amounts), so output size ``o = (n + before + after - (k - 1) * dilation - 1) // stride + 1``.
- The operation is cross-correlation, as in TensorFlow: ``out[n, o, f] = sum_{k, c} xpad[n, o * stride +
  k * dilation, c] * kernel[k, c, f]``.
"""
import abc


class ConvolutionInterface(abc.ABC):
    """Abstract convolution kernels; `generic_conv.ConvolutionKernels` implements them over `xp`."""

    @abc.abstractmethod
    def conv(self, x, kernel, strides, padding, dilation, groups=1, bias=None, relu=False, saved=None):
        """N-d convolution: ``(N, *spatial, C)`` with ``(*k, C // groups, F)`` -> ``(N, *out, F)``.

        With ``groups > 1`` the channels are split into ``groups`` equal parts, each convolved with its
        own ``F // groups`` filters, and the results concatenated in group order (as tf). ``bias``
        (``(F,)``, or None) is added and ``relu`` applied in place on the fresh output: the forward of a
        Conv layer in one kernel, as `dense`.

        ``saved`` is None or an empty dict that the kernel may fill with intermediate results (the patch
        matrix) for `conv_grad_kernel` to reuse when given the same dict with the same ``x``; its contents
        are the backend's own. Pass it only when the kernel gradient will be taken: it holds memory."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation, groups=1):
        """Gradient of `conv` with respect to ``x``: ``g`` is ``(N, *out, F)``, the result has
        ``input_shape``. Input positions no output window reaches (past the last stride) get zero.

        This is also the forward of a transposed convolution."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation, groups=1, saved=None):
        """Gradient of `conv` with respect to the kernel: ``x`` is the forward input, ``g`` the output
        gradient ``(N, *out, F)``; the result has ``kernel_shape``. ``saved``: the dict the forward `conv`
        filled, or None; what it reuses from it is removed."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def depthwise_conv(self, x, kernel, strides, padding, dilation):
        """Depthwise convolution: each channel ``c`` convolved with its own ``depth_multiplier`` filters
        ``kernel[..., c, :]``; ``(N, *spatial, C)`` -> ``(N, *out, C * depth_multiplier)``, output channel
        ``c * depth_multiplier + m`` (tf's order)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def depthwise_conv_grad_input(self, g, kernel, input_shape, strides, padding, dilation):
        """Gradient of `depthwise_conv` with respect to ``x`` (of ``input_shape``)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def depthwise_conv_grad_kernel(self, x, g, kernel_shape, strides, padding, dilation):
        """Gradient of `depthwise_conv` with respect to the kernel (of ``kernel_shape``)."""
        raise NotImplementedError("abstract kernel")
