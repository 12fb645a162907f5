"""Convolution layers: Conv1D, Conv2D, Conv3D (tf.keras.layers.convolutional) and their base `Conv`, which
the transposed, separable and depthwise layers build on. The argument normalisers of Keras's
`conv_utils` are in `kerasx.ops.conv_utils`, the output-length arithmetic in `backends.conv_arithmetic`.

Layers compute channels_last, as the kernels do; with ``data_format='channels_first'`` the inputs are
transposed at the layer's edge and the outputs transposed back.
"""
from backends.conv_arithmetic import conv_output_length
from kerasx import activations, ops
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.weight_arguments import (add_bias, add_configured_weight, serialize_arguments,
                                            store_weight_arguments)
from kerasx.ops.conv_utils import normalize_data_format, normalize_padding, normalize_tuple


# ------------------------------------------------------------------ the base layer
class Conv(Layer):
    """N-d convolution: ``activation(conv(inputs, kernel) + bias)``, kernel ``(*kernel_size,
    in_channels // groups, filters)``. Private base of Conv1D/2D/3D, as tf.keras's `Conv`."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True,
                 name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if isinstance(filters, float):
            filters = int(filters)
        if filters is not None and filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        self.filters = filters
        self.groups = groups or 1
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides", allow_zero=True)
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        store_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        store_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        self._validate_init()

    def _validate_init(self):
        if self.filters is not None and self.filters % self.groups != 0:
            raise ValueError("The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}")
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0(s). Received: {self.kernel_size}")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0(s). Received: {self.strides}")
        if self.padding == "causal" and not self._allows_causal:
            raise ValueError("Causal padding is only supported for `Conv1D`and `SeparableConv1D`.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    _allows_causal = False

    # ------------------------------------------------------------ shapes
    @property
    def _channels_first(self):
        return self.data_format == "channels_first"

    def _get_channel_axis(self):
        return 1 if self._channels_first else -1

    def _get_input_channel(self, input_shape):
        channel_axis = self._get_channel_axis()
        if input_shape[channel_axis] is None:
            raise ValueError("The channel dimension of the inputs should be defined. The input_shape received "
                             f"is {input_shape}, where axis {channel_axis} (0-based) is the channel dimension, "
                             "which found to be `None`.")
        return int(input_shape[channel_axis])

    def _spatial_output_shape(self, spatial_input_shape):
        return [conv_output_length(length, self.kernel_size[i], padding=self.padding, stride=self.strides[i],
                                   dilation=self.dilation_rate[i])
                for i, length in enumerate(spatial_input_shape)]

    def compute_output_shape(self, input_shape):
        input_shape = list(input_shape)
        batch_rank = len(input_shape) - self.rank - 1
        if self._channels_first:
            spatial = self._spatial_output_shape(input_shape[batch_rank + 1:])
            out = input_shape[:batch_rank] + [self.filters] + spatial
        else:
            spatial = self._spatial_output_shape(input_shape[batch_rank:-1])
            out = input_shape[:batch_rank] + spatial + [self.filters]
        if any(d is not None and d <= 0 for d in spatial):
            raise ValueError(f"One of the dimensions in the output is <= 0 due to downsampling in {self.name}. "
                             "Consider increasing the input size. Received input shape "
                             f"{input_shape} which would produce output shape with a zero or negative value "
                             "in a dimension.")
        return tuple(out)

    # ------------------------------------------------------------ weights
    def build(self, input_shape):
        input_shape = tuple(input_shape)
        input_channel = self._get_input_channel(input_shape)
        if input_channel % self.groups != 0:
            raise ValueError("The number of input channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, but the input has {input_channel} channels (full "
                             f"input shape is {input_shape}).")
        kernel_shape = self.kernel_size + (input_channel // self.groups, self.filters)
        # As tf.keras: checks, before any weight exists, that the output has no empty dimension.
        self.compute_output_shape(input_shape)
        self.kernel = add_configured_weight(self, "kernel", kernel_shape)
        self.bias = add_bias(self, (self.filters,))
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._get_channel_axis(): input_channel})
        self.built = True

    # ------------------------------------------------------------ computing
    def _to_channels_last(self, inputs):
        """``(inputs, restore)``: channels_last inputs of rank ``rank + 2`` (extra batch axes folded into
        the first), and a function that gives the outputs the caller's layout back."""
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, dtype=self.dtype)
        lead = inputs.shape[:inputs.ndim - self.rank - 1]
        if len(lead) > 1:
            inputs = ops.reshape(inputs, (-1,) + inputs.shape[len(lead):])
        if self._channels_first:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, self.rank + 2)) + (1,))

        def restore(outputs):
            if self._channels_first:
                outputs = ops.transpose(outputs, (0, self.rank + 1) + tuple(range(1, self.rank + 1)))
            if len(lead) > 1:
                outputs = ops.reshape(outputs, tuple(lead) + outputs.shape[1:])
            return outputs

        return inputs, restore

    def _activate(self, outputs, fused_relu):
        return outputs if fused_relu else self.activation(outputs)

    def call(self, inputs):
        x, restore = self._to_channels_last(inputs)
        # relu after a bias runs inside the convolution kernel, in place on its output (as Dense).
        fused = self.activation is activations.relu
        outputs = ops.conv(x, self.kernel, bias=self.bias, strides=self.strides, padding=self.padding,
                           dilation_rate=self.dilation_rate, groups=self.groups, relu=fused)
        return restore(self._activate(outputs, fused))

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, (
            "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
            "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
            "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")))
        return config


# ------------------------------------------------------------------ Conv1D, Conv2D, Conv3D
class Conv1D(Conv):
    """1-D convolution (temporal): inputs ``(batch, steps, channels)``; padding may be 'causal'."""

    _allows_causal = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


class Conv2D(Conv):
    """2-D convolution (spatial, over images): inputs ``(batch, rows, cols, channels)``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(rank=2, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


class Conv3D(Conv):
    """3-D convolution (over volumes): inputs ``(batch, depth, rows, cols, channels)``."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(rank=3, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


# Aliases, as tf.keras.layers exports them.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
