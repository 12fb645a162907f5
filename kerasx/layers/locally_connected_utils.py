"""LocallyConnected's implementation=2 and implementation=3 (tf.keras's `locally_connected_utils`): the
connectivity of an unshared convolution as tf.keras's `conv_utils` defines it, and the two ways of
applying it, composed from `kerasx.ops`.

Implementation 2 keeps the kernel as the dense matrix of a fully connected layer between the input and
output images, ``(*in_spatial, in_channels, *out_spatial, filters)`` (channels first where the layer's
data_format puts them first), multiplied by a 0/1 connectivity mask before one matmul. Implementation 3
keeps only the connected entries, a vector in the order of tf.keras's sorted ``(output index, input
index)`` list; the product gathers, for each output, its inputs and their weights (padded to the largest
fan-in with a zero input and a zero weight) and sums, so memory grows with the connections, not with
``in_size * out_size``. The index lists are pure Python integers, computed once at `build`."""
import itertools

from kerasx import ops
from kerasx.autodiff.tensor import as_tensor


def connected_range(n, k, s, position, padding):
    """The input positions along one axis of length `n` that output `position` sees (tf.keras's
    `conv_connected_inputs`; its 'same' centres the window on ``position * s``, ``k // 2`` to the left)."""
    left = k // 2
    center = position * s + (left if padding == "valid" else 0)
    return range(max(0, center - left), min(n, center + k - left))


def connectivity_mask(input_spatial, output_spatial, kernel_size, strides, padding, channels_first, dtype):
    """The 0/1 mask broadcasting against implementation 2's kernel: the product over the spatial axes of
    each axis's (input, output) connectivity, placed at that axis's input and output positions."""
    rank = len(input_spatial)
    ndim = 2 * rank + 2
    mask = None
    for d, (n, m, k, s) in enumerate(zip(input_spatial, output_spatial, kernel_size, strides)):
        table = [[0.0] * m for _ in range(n)]
        for o in range(m):
            for i in connected_range(n, k, s, o, padding):
                table[i][o] = 1.0
        in_axis, out_axis = (1 + d, rank + 2 + d) if channels_first else (d, rank + 1 + d)
        shape = [1] * ndim
        shape[in_axis], shape[out_axis] = n, m
        factor = ops.reshape(as_tensor(table, dtype=dtype), shape=tuple(shape))
        mask = factor if mask is None else ops.multiply(mask, factor)
    return mask


def _ravel(index, dims):
    flat = 0
    for i, n in zip(index, dims):
        flat = flat * n + i
    return flat


def kernel_idxs(input_spatial, output_spatial, kernel_size, strides, padding, filters_in, filters_out,
                channels_first):
    """tf.keras's `sorted(conv_kernel_idxs(...))`: every connected ``(output index, input index)`` pair
    of the flattened output and input images (channels where the data_format puts them)."""
    def concat(spatial, channel):
        return (channel,) + tuple(spatial) if channels_first else tuple(spatial) + (channel,)

    out_dims, in_dims = concat(output_spatial, filters_out), concat(input_spatial, filters_in)
    pairs = []
    for out_pos in itertools.product(*map(range, output_spatial)):
        ranges = [connected_range(n, k, s, p, padding)
                  for n, k, s, p in zip(input_spatial, kernel_size, strides, out_pos)]
        for in_pos in itertools.product(*ranges):
            for f_in in range(filters_in):
                in_idx = _ravel(concat(in_pos, f_in), in_dims)
                for f_out in range(filters_out):
                    pairs.append((_ravel(concat(out_pos, f_out), out_dims), in_idx))
    return sorted(pairs)


def gather_tables(idxs, out_size, in_size):
    """For implementation 3's product: ``(input, weight)`` index tables of shape (out_size, fan-in),
    row ``o`` listing output ``o``'s inputs and the positions of their weights in the kernel vector;
    rows shorter than the largest fan-in are padded with input ``in_size`` and weight ``len(idxs)``, the
    zero appended to each."""
    rows_in, rows_w = [[] for _ in range(out_size)], [[] for _ in range(out_size)]
    for w, (o, i) in enumerate(idxs):
        rows_in[o].append(i)
        rows_w[o].append(w)
    fan_in = max(len(r) for r in rows_in)
    pad_w = len(idxs)
    table_in = [r + [in_size] * (fan_in - len(r)) for r in rows_in]
    table_w = [r + [pad_w] * (fan_in - len(r)) for r in rows_w]
    return as_tensor(table_in, dtype="int64"), as_tensor(table_w, dtype="int64")


def local_conv_matmul(inputs, kernel, kernel_mask, output_shape):
    """``inputs . (kernel * kernel_mask)``: implementation 2's one matmul; `output_shape` excludes the
    batch."""
    flat = ops.reshape(inputs, shape=(inputs.shape[0], -1))
    split = kernel.ndim // 2
    rows = 1
    for n in kernel.shape[:split]:
        rows *= n
    dense = ops.reshape(ops.multiply(kernel, kernel_mask), shape=(rows, -1))
    return ops.reshape(ops.matmul(flat, dense), shape=(inputs.shape[0],) + tuple(output_shape))


def local_conv_sparse_matmul(inputs, kernel, table_in, table_w, output_shape):
    """Implementation 3's product of the sparse kernel (the vector `kernel` at tf.keras's sorted
    indices) with the flattened inputs, through the tables of `gather_tables`."""
    batch = inputs.shape[0]
    flat = ops.reshape(inputs, shape=(batch, -1))
    flat = ops.concatenate([flat, ops.zeros((batch, 1), dtype=flat.dtype)], axis=1)
    values = ops.concatenate([kernel, ops.zeros((1,), dtype=kernel.dtype)], axis=0)
    gathered = ops.take(flat, table_in, axis=1)          # (batch, out_size, fan_in)
    weights = ops.take(values, table_w, axis=0)          # (out_size, fan_in)
    out = ops.sum(ops.multiply(gathered, weights), axis=-1)
    return ops.reshape(out, shape=(batch,) + tuple(output_shape))
