"""The `K.` neural-network functions of tf.keras 2.x's backend: convolutions, pooling, bias_add, batch_dot,
dropout, l2_normalize, in_top_k and the batch-normalization helpers. Each is composed from `kerasx.ops`
primitives (channels_last kernels; channels_first is transposed around them, as tf does on the CPU), so
each is differentiable where tf's is."""
from backends.config import image_data_format
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.ops.conv_utils import normalize_tuple

_PADDINGS = ("valid", "same")
_CAUSAL_PADDINGS = ("valid", "same", "causal")


def data_format_of(data_format):
    """`data_format`, defaulting to `image_data_format()`, with tf.keras's backend error when unknown."""
    if data_format is None:
        data_format = image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Unknown data_format: {data_format}")
    return data_format


def _padding_of(padding, allowed=_PADDINGS):
    if padding not in allowed:
        raise ValueError(f"Unknown padding: {padding}")
    return padding


def to_channels_last(x, data_format):
    if data_format == "channels_last":
        return x
    return ops.transpose(x, axes=(0,) + tuple(range(2, x.ndim)) + (1,))


def from_channels_last(x, data_format):
    if data_format == "channels_last":
        return x
    return ops.transpose(x, axes=(0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))


def _check_rank(name, x, rank):
    if x.ndim != rank + 2:
        raise ValueError(f"{name} expects an input of rank {rank + 2} (batch, {rank} spatial axes, "
                         f"channels), received shape {tuple(x.shape)}.")


# ------------------------------------------------------------------ convolutions
def _conv(name, rank, x, kernel, strides, padding, data_format, dilation_rate):
    data_format = data_format_of(data_format)
    padding = _padding_of(padding, _CAUSAL_PADDINGS if rank == 1 else _PADDINGS)
    x, kernel = as_tensor(x), as_tensor(kernel)
    _check_rank(name, x, rank)
    strides = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    x = to_channels_last(x, data_format)
    if padding == "causal":
        # Left padding by the dilated kernel's reach, then 'valid' (tf.keras's conv1d does the same).
        left = dilation[0] * (kernel.shape[0] - 1)
        x = ops.pad(x, paddings=((0, 0), (left, 0), (0, 0)))
        padding = "valid"
    out = ops.conv(x, kernel, strides=strides, padding=padding, dilation_rate=dilation)
    return from_channels_last(out, data_format)


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    return _conv("conv1d", 1, x, kernel, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    return _conv("conv2d", 2, x, kernel, strides, padding, data_format, dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    return _conv("conv3d", 3, x, kernel, strides, padding, data_format, dilation_rate)


def _conv_transpose(name, rank, x, kernel, output_shape, strides, padding, data_format, dilation_rate):
    data_format = data_format_of(data_format)
    padding = _padding_of(padding)
    x, kernel = as_tensor(x), as_tensor(kernel)
    _check_rank(name, x, rank)
    output_shape = tuple(int(n) for n in output_shape)
    if len(output_shape) != rank + 2:
        raise ValueError(f"{name}: output_shape must have {rank + 2} entries (batch, spatial axes and "
                         f"channels, in data_format order), received {output_shape}.")
    spatial = output_shape[2:] if data_format == "channels_first" else output_shape[1:-1]
    x = to_channels_last(x, data_format)
    out = ops.conv_transpose(x, kernel, spatial, strides=normalize_tuple(strides, rank, "strides"),
                             padding=padding, dilation_rate=normalize_tuple(dilation_rate, rank,
                                                                            "dilation_rate"))
    return from_channels_last(out, data_format)


def conv1d_transpose(x, kernel, output_shape, strides=1, padding="valid", data_format=None,
                     dilation_rate=1):
    return _conv_transpose("conv1d_transpose", 1, x, kernel, output_shape, strides, padding, data_format,
                           dilation_rate)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    return _conv_transpose("conv2d_transpose", 2, x, kernel, output_shape, strides, padding, data_format,
                           dilation_rate)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid", data_format=None):
    return _conv_transpose("conv3d_transpose", 3, x, kernel, output_shape, strides, padding, data_format, 1)


def _depthwise(name, rank, x, depthwise_kernel, strides, padding, data_format, dilation_rate):
    data_format = data_format_of(data_format)
    padding = _padding_of(padding)
    x = as_tensor(x)
    _check_rank(name, x, rank)
    x = to_channels_last(x, data_format)
    out = ops.depthwise_conv(x, as_tensor(depthwise_kernel), strides=normalize_tuple(strides, rank, "strides"),
                             padding=padding, dilation_rate=normalize_tuple(dilation_rate, rank,
                                                                            "dilation_rate"))
    return out, data_format


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    out, data_format = _depthwise("depthwise_conv2d", 2, x, depthwise_kernel, strides, padding, data_format,
                                  dilation_rate)
    return from_channels_last(out, data_format)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                     dilation_rate=1):
    out, data_format = _depthwise("separable_conv1d", 1, x, depthwise_kernel, strides, padding, data_format,
                                  dilation_rate)
    return from_channels_last(ops.conv(out, as_tensor(pointwise_kernel)), data_format)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    out, data_format = _depthwise("separable_conv2d", 2, x, depthwise_kernel, strides, padding, data_format,
                                  dilation_rate)
    return from_channels_last(ops.conv(out, as_tensor(pointwise_kernel)), data_format)


# ------------------------------------------------------------------ pooling
def _pool(name, rank, x, pool_size, strides, padding, data_format, pool_mode):
    data_format = data_format_of(data_format)
    padding = _padding_of(padding)
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"Invalid pooling mode: {pool_mode}")
    x = as_tensor(x)
    _check_rank(name, x, rank)
    pool_size = normalize_tuple(pool_size, rank, "pool_size")
    strides = normalize_tuple(strides, rank, "strides")
    x = to_channels_last(x, data_format)
    pool = ops.max_pool if pool_mode == "max" else ops.avg_pool
    return from_channels_last(pool(x, pool_size=pool_size, strides=strides, padding=padding), data_format)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    return _pool("pool2d", 2, x, pool_size, strides, padding, data_format, pool_mode)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    return _pool("pool3d", 3, x, pool_size, strides, padding, data_format, pool_mode)


# ------------------------------------------------------------------ bias, products
def bias_add(x, bias, data_format=None):
    """``x + bias`` with the bias on the channels axis (the last, or axis 1 for channels_first)."""
    data_format = data_format_of(data_format)
    x, bias = as_tensor(x), as_tensor(bias)
    if bias.ndim != 1 and bias.ndim != x.ndim - 1:
        raise ValueError(f"Unexpected bias dimensions {bias.ndim}, expect to be 1 or {x.ndim - 1} dimensions")
    if data_format == "channels_first" and x.ndim > 2:
        if bias.ndim == 1:
            bias = ops.reshape(bias, shape=(1, bias.shape[0]) + (1,) * (x.ndim - 2))
        else:
            bias = ops.reshape(ops.transpose(bias, axes=(bias.ndim - 1,) + tuple(range(bias.ndim - 1))),
                               shape=(1,) + tuple(bias.shape[-1:]) + tuple(bias.shape[:-1]))
    return ops.add(x, bias)


def batch_dot(x, y, axes=None):
    """Batchwise dot product: for each sample, ``x[i]`` contracted with ``y[i]`` over ``axes``
    (default: x's last axis with y's second-to-last, or last when y is 2-D). Rank-2 results get a
    trailing axis of 1, as tf.keras's do."""
    x, y = as_tensor(x), as_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
                         f"{tuple(x.shape)} and {tuple(y.shape)}.")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"Cannot do batch_dot on inputs with different batch sizes. Received inputs with "
                         f"shapes {tuple(x.shape)} and {tuple(y.shape)}.")
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    axes = tuple(a % n if a < 0 else a for a, n in zip(axes, (x.ndim, y.ndim)))
    if len(axes) != 2 or 0 in axes:
        raise ValueError(f"Cannot perform batch_dot over axis 0 (the batch axis). Received axes: {axes}")
    if x.shape[axes[0]] != y.shape[axes[1]]:
        raise ValueError(f"Cannot do batch_dot on inputs with shapes {tuple(x.shape)} and {tuple(y.shape)} "
                         f"with axes={axes}. x.shape[{axes[0]}] != y.shape[{axes[1]}] "
                         f"({x.shape[axes[0]]} != {y.shape[axes[1]]}).")
    x_rest = [a for a in range(1, x.ndim) if a != axes[0]]
    y_rest = [a for a in range(1, y.ndim) if a != axes[1]]
    n, k = x.shape[0], x.shape[axes[0]]
    x_rest_shape = tuple(x.shape[a] for a in x_rest)
    y_rest_shape = tuple(y.shape[a] for a in y_rest)
    # (N, rest_x..., K) @ (N, K, rest_y...) as one batched GEMM.
    xm = ops.reshape(ops.transpose(x, axes=(0, *x_rest, axes[0])), shape=(n, -1, k))
    ym = ops.reshape(ops.transpose(y, axes=(0, axes[1], *y_rest)), shape=(n, k, -1))
    out = ops.reshape(ops.matmul(xm, ym), shape=(n,) + x_rest_shape + y_rest_shape)
    return ops.expand_dims(out, 1) if out.ndim == 1 else out


def l2_normalize(x, axis=None):
    """``x / sqrt(max(sum(x**2, axis), 1e-12))``, as tf.math.l2_normalize."""
    x = as_tensor(x)
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.divide(1.0, ops.sqrt(ops.maximum(square_sum, 1e-12))))


def dropout(x, level, noise_shape=None, seed=None):
    """Zeroes each entry with probability ``level`` and scales the rest by ``1 / (1 - level)``;
    ``noise_shape`` broadcasts one draw across axes of size 1."""
    if not 0 <= float(level) < 1:
        raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {level}")
    x = as_tensor(x)
    if float(level) == 0:
        return x
    shape = tuple(x.shape) if noise_shape is None else tuple(x.shape[i] if n is None else int(n)
                                                             for i, n in enumerate(noise_shape))
    keep = ops.random_bernoulli(shape, 1.0 - float(level), x.dtype)
    return ops.multiply(x, ops.multiply(keep, 1.0 / (1.0 - float(level))))


def in_top_k(predictions, targets, k):
    """Whether each row's target class is among its ``k`` largest predictions; ties at the boundary
    count as in (tf.math.in_top_k)."""
    predictions, targets = as_tensor(predictions), as_tensor(targets)
    if predictions.ndim != 2 or targets.ndim != 1 or targets.shape[0] != predictions.shape[0]:
        raise ValueError(f"in_top_k expects predictions of shape (batch, classes) and targets of shape "
                         f"(batch,), received {tuple(predictions.shape)} and {tuple(targets.shape)}.")
    target_scores = ops.sum(ops.multiply(predictions, ops.one_hot(ops.cast(targets, "int32"),
                                                                  predictions.shape[1])),
                            axis=1, keepdims=True)
    above = ops.sum(ops.cast(ops.greater(predictions, target_scores), "int32"), axis=1)
    return ops.less(above, int(k))


# ------------------------------------------------------------------ batch normalization
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``, every statistic broadcast against ``x``."""
    out = ops.divide(ops.subtract(x, mean), ops.sqrt(ops.add(var, epsilon)))
    if gamma is not None:
        out = ops.multiply(out, gamma)
    return out if beta is None else ops.add(out, beta)


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalizes ``x`` by its mean and variance over ``reduction_axes``; returns the normalized
    tensor, the mean and the variance (the latter two without the reduced axes)."""
    x = as_tensor(x)
    axes = tuple(sorted(a % x.ndim for a in reduction_axes))
    mean = ops.mean(x, axis=axes, keepdims=True)
    var = ops.mean(ops.square(ops.subtract(x, mean)), axis=axes, keepdims=True)
    kept = tuple(1 if a in axes else n for a, n in enumerate(x.shape))

    def broadcast(param):
        return None if param is None else ops.reshape(as_tensor(param, dtype=x.dtype), shape=kept)

    normed = batch_normalization(x, mean, var, broadcast(beta), broadcast(gamma), epsilon=epsilon)
    return normed, ops.squeeze(mean, axis=axes), ops.squeeze(var, axis=axes)


def moving_average_update(x, value, momentum):
    """``x = x * momentum + value * (1 - momentum)`` in place on the Variable ``x``; returns ``x``."""
    value = as_tensor(value, dtype=x.dtype)
    if tuple(value.shape) != tuple(x.shape):
        raise ValueError(f"moving_average_update: value of shape {tuple(value.shape)} does not match the "
                         f"variable's shape {tuple(x.shape)}.")
    ops.assign_moving_average(x, value, momentum)
    return x
