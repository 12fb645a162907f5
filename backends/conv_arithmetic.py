"""Convolution and pooling geometry, one spatial axis at a time: output sizes and TensorFlow's 'same'
padding amounts.

Pure arithmetic on Python ints (no arrays, no kernels), written once for everyone who needs it: the
kernels (`generic_conv`, `generic_pool`, `cupy_conv`, `cupy_pool`), the primitives that turn Keras
padding into the kernels' explicit amounts (`kerasx.ops.conv`, `kerasx.ops.pool`) and the layers'
`compute_output_shape`. It lives in `backends/` because that is the floor they all stand on: `backends`
never imports `kerasx`, and `kerasx` may import `backends`.
"""


def conv_output_size(n, kernel, stride, dilation=1, before=0, after=0):
    """Outputs of a convolution along an axis of `n` elements padded by `before` and `after`."""
    return (n + before + after - (kernel - 1) * dilation - 1) // stride + 1


def conv_output_sizes(spatial, kernel_size, strides, padding, dilation):
    """`conv_output_size` per axis, `padding` holding one explicit ``(before, after)`` pair per axis."""
    return tuple(conv_output_size(n, k, s, r, lo, hi)
                 for n, k, s, (lo, hi), r in zip(spatial, kernel_size, strides, padding, dilation))


def same_padding(size, kernel, stride, dilation=1):
    """TensorFlow's 'SAME' padding of one axis: ``(before, after)`` giving ``ceil(size / stride)``
    outputs, the odd element after."""
    effective = (kernel - 1) * dilation + 1
    total = max((-(-size // stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Keras's `conv_utils.conv_output_length`: the output length of a convolution with padding
    'valid', 'same' or 'causal' (None, an unknown length, stays None)."""
    if input_length is None:
        return None
    if padding in ("same", "causal"):
        return -(-input_length // stride)
    return conv_output_size(input_length, filter_size, stride, dilation)


def deconv_output_length(input_length, filter_size, padding, output_padding=None, stride=0, dilation=1):
    """Keras's `conv_utils.deconv_output_length`: the output length of a transposed convolution."""
    if input_length is None:
        return None
    filter_size = filter_size + (filter_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return input_length * stride + max(filter_size - stride, 0)
        return input_length * stride  # 'same'
    pad = filter_size // 2 if padding == "same" else 0
    return (input_length - 1) * stride + filter_size - 2 * pad + output_padding


def pool_output_length(length, pool_size, stride, padding):
    """TensorFlow's pooling output size along one axis; None stays None (an unknown dimension)."""
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    return max(length - pool_size + stride, 0) // stride


def pool_geometry(spatial, pool_size, strides, padding):
    """``(out_sizes, pads)``: a pooling's output spatial sizes and one ``(before, after)`` pad per axis,
    by TensorFlow's rules ('valid': no padding; 'same': `same_padding`)."""
    out = tuple(pool_output_length(n, k, s, padding) for n, k, s in zip(spatial, pool_size, strides))
    if padding == "same":
        pads = tuple(same_padding(n, k, s) for n, k, s in zip(spatial, pool_size, strides))
    else:
        pads = ((0, 0),) * len(out)
    return out, pads
