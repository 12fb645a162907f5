"""Locally connected layers (Keras 2's `keras.layers.local`): LocallyConnected1D and LocallyConnected2D, a
convolution whose kernel is not shared: each output position has its own. `implementation` picks tf.keras's
weight layout and computation: 1 (a kernel per position, `local_conv` here, also `K.local_conv1d`/
`K.local_conv2d`'s math), 2 (a dense masked matrix) or 3 (the nonzeros of a sparse one), the last two in
`locally_connected_utils`; their weights have tf.keras's shapes and order, so h5 files move both ways."""
import itertools
import math

from backends.conv_arithmetic import conv_output_length
from kerasx import activations, ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.locally_connected_utils import (connectivity_mask, gather_tables, kernel_idxs,
                                                   local_conv_matmul, local_conv_sparse_matmul)
from kerasx.layers.weight_arguments import (add_bias, add_configured_weight, serialize_arguments,
                                            store_weight_arguments)
from kerasx.ops.conv_utils import normalize_data_format, normalize_padding, normalize_tuple


def local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """Convolution with a separate kernel at each output position (LocallyConnected's math).

    ``kernel`` is (prod(output_shape), prod(kernel_size) * channels, filters); each position's patch is
    flattened in the input's own axis order, as tf.keras does."""
    data_format = normalize_data_format(data_format)
    inputs, kernel = as_tensor(inputs), as_tensor(kernel)
    rank = len(output_shape)
    if inputs.ndim != rank + 2 or kernel.ndim != 3:
        raise ValueError(f"local_conv: expected a rank-{rank + 2} input and a rank-3 kernel, received "
                         f"shapes {tuple(inputs.shape)} and {tuple(kernel.shape)}.")
    positions = list(itertools.product(*map(range, output_shape)))
    feature_dim = kernel.shape[1]
    if kernel.shape[0] != len(positions):
        raise ValueError(f"local_conv: the kernel has {kernel.shape[0]} positions, the output shape "
                         f"{tuple(output_shape)} needs {len(positions)}.")
    filters = kernel.shape[2]
    xs = []
    for position in positions:
        key = [slice(None)] + ([slice(None)] if data_format == "channels_first" else [])
        key += [slice(p * s, p * s + k) for p, s, k in zip(position, strides, kernel_size)]
        patch = ops.getitem(inputs, tuple(key))
        xs.append(ops.reshape(patch, shape=(1, inputs.shape[0], -1)))
    aggregate = ops.concatenate(xs, axis=0)  # (positions, batch, features)
    if aggregate.shape[-1] != feature_dim:
        raise ValueError(f"local_conv: each patch has {aggregate.shape[-1]} features, the kernel expects "
                         f"{feature_dim}.")
    out = ops.matmul(aggregate, kernel)  # (positions, batch, filters): one GEMM per position
    out = ops.reshape(out, shape=tuple(output_shape) + (inputs.shape[0], filters))
    if data_format == "channels_first":
        return ops.transpose(out, axes=(rank, rank + 1) + tuple(range(rank)))
    return ops.transpose(out, axes=(rank,) + tuple(range(rank)) + (rank + 1,))




class _LocallyConnected(Layer):
    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, implementation=1, **kwargs):
        name = type(self).__name__
        padding = normalize_padding(padding)
        if isinstance(implementation, bool) or implementation not in (1, 2, 3):
            raise ValueError(f"Unrecognized implementation mode: {implementation}.")
        if padding != "valid" and implementation == 1:
            raise ValueError(f'Invalid border mode for {name} (only "valid" is supported if implementation '
                             f"is 1): {padding}")
        if padding not in ("valid", "same"):
            raise ValueError(f'Invalid border mode for {name} (only "valid" and "same" are supported): '
                             f"{padding}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = padding
        self.data_format = normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.implementation = implementation
        store_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        store_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _channels_first(self):
        return self.data_format == "channels_first"

    def _spatial(self, input_shape):
        return tuple(input_shape[2:]) if self._channels_first else tuple(input_shape[1:-1])

    def _output_spatial(self, input_shape):
        return tuple(conv_output_length(n, k, self.padding, s)
                     for n, k, s in zip(self._spatial(input_shape), self.kernel_size, self.strides))

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channels = input_shape[1] if self._channels_first else input_shape[-1]
        spatial = self._spatial(input_shape)
        if channels is None or any(n is None for n in spatial):
            raise ValueError(f"{type(self).__name__} needs fully defined spatial and channel dimensions, "
                             f"received input shape {input_shape}.")
        self.output_spatial = self._output_spatial(input_shape)
        if any(n <= 0 for n in self.output_spatial):
            raise ValueError(f"{type(self).__name__}: the kernel_size {self.kernel_size} does not fit the input "
                             f"shape {input_shape}.")
        self.kernel_shape = self._kernel_shape(spatial, channels)
        if self.implementation == 2:
            self.kernel_mask = connectivity_mask(spatial, self.output_spatial, self.kernel_size, self.strides,
                                                 self.padding, self._channels_first, self.dtype)
        if self.implementation == 3:
            self.kernel_idxs = kernel_idxs(spatial, self.output_spatial, self.kernel_size, self.strides,
                                           self.padding, channels, self.filters, self._channels_first)
            self._gather_tables = gather_tables(self.kernel_idxs, *self.kernel_shape)
            weight_shape = (len(self.kernel_idxs),)
        else:
            weight_shape = self.kernel_shape
        self.kernel = add_configured_weight(self, "kernel", weight_shape)
        # tf.keras's bias is (*output_spatial, filters) in both data formats.
        self.bias = add_bias(self, self.output_spatial + (self.filters,))
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={1 if self._channels_first else -1: channels})
        self.built = True

    def _kernel_shape(self, spatial, channels):
        """The `kernel_shape` tf.keras records: implementation 1's weight, implementation 2's dense masked
        matrix (also its weight), implementation 3's sparse matrix (its weight holds the nonzeros)."""
        out = self.output_spatial
        if self.implementation == 1:
            return (math.prod(out), math.prod(self.kernel_size) * channels, self.filters)
        if self.implementation == 2:
            if self._channels_first:
                return (channels,) + spatial + (self.filters,) + out
            return spatial + (channels,) + out + (self.filters,)
        return (math.prod(out) * self.filters, math.prod(spatial) * channels)

    def call(self, inputs):
        output_shape = self.compute_output_shape(tuple(inputs.shape))[1:]
        if self.implementation == 1:
            out = local_conv(inputs, self.kernel, self.kernel_size, self.strides, self.output_spatial,
                             self.data_format)
        elif self.implementation == 2:
            out = local_conv_matmul(inputs, self.kernel, self.kernel_mask, output_shape)
        else:
            out = local_conv_sparse_matmul(inputs, self.kernel, *self._gather_tables, output_shape)
        if self.bias is not None:
            # K.bias_add of a (*spatial, filters) bias: channels_first reshapes it (not transposes) to
            # (1, filters, *spatial), as tf.keras does.
            shape = tuple(self.bias.shape)
            if self._channels_first:
                out = ops.add(out, ops.reshape(self.bias, shape=(1, shape[-1]) + shape[:-1]))
            else:
                out = ops.add(out, self.bias)
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        spatial = self._output_spatial(tuple(input_shape))
        if self._channels_first:
            return (input_shape[0], self.filters) + spatial
        return (input_shape[0],) + spatial + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, (
            "filters", "kernel_size", "strides", "padding", "data_format", "activation", "use_bias",
            "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
            "activity_regularizer", "kernel_constraint", "bias_constraint", "implementation")))
        return config


class LocallyConnected1D(_LocallyConnected):
    rank = 1


class LocallyConnected2D(_LocallyConnected):
    rank = 2
