"""Depthwise and depthwise-separable convolution layers: DepthwiseConv1D, DepthwiseConv2D,
SeparableConv1D, SeparableConv2D, as tf.keras.

A depthwise convolution filters each input channel with its own ``depth_multiplier`` kernels
(``depthwise_kernel`` of shape ``(*kernel_size, in_channels, depth_multiplier)``); a separable one follows
it with a 1x1 convolution that mixes the channels (``pointwise_kernel`` of shape
``(1, ..., in_channels * depth_multiplier, filters)``).
"""
from backends.conv_arithmetic import conv_output_length
from kerasx import activations, initializers, ops
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.conv_base import Conv
from kerasx.layers.weight_arguments import (add_bias, add_configured_weight, serialize_arguments,
                                            store_weight_arguments)


def _channel_dim(layer, input_shape, where):
    channel_axis = layer._get_channel_axis()
    if input_shape[channel_axis] is None:
        raise ValueError(f"The channel dimension of the inputs{where} should be defined. The input_shape "
                         f"received is {input_shape}, where axis {channel_axis} (0-based) is the channel "
                         "dimension, which found to be `None`.")
    return channel_axis, int(input_shape[channel_axis])


# ------------------------------------------------------------------ separable
class SeparableConv(Conv):
    """Depthwise convolution, then pointwise (1x1) convolution, then bias and activation. Private base
    of SeparableConv1D/2D, as tf.keras's `SeparableConv`."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, trainable=True,
                 name=None, **kwargs):
        super().__init__(rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint,
                         trainable=trainable, name=name, **kwargs)
        self.depth_multiplier = depth_multiplier
        store_weight_arguments(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                               depthwise_constraint)
        store_weight_arguments(self, "pointwise", pointwise_initializer, pointwise_regularizer,
                               pointwise_constraint)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        channel_axis, input_dim = _channel_dim(self, input_shape, "")
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: input_dim})
        self.depthwise_kernel = add_configured_weight(
            self, "depthwise_kernel", self.kernel_size + (input_dim, self.depth_multiplier))
        self.pointwise_kernel = add_configured_weight(
            self, "pointwise_kernel", (1,) * self.rank + (self.depth_multiplier * input_dim, self.filters))
        self.bias = add_bias(self, (self.filters,))
        self.built = True

    def call(self, inputs):
        x, restore = self._to_channels_last(inputs)
        fused = self.activation is activations.relu
        outputs = ops.separable_conv(x, self.depthwise_kernel, self.pointwise_kernel, bias=self.bias,
                                     strides=self.strides, padding=self.padding,
                                     dilation_rate=self.dilation_rate, relu=fused)
        return restore(self._activate(outputs, fused))

    def get_config(self):
        # As tf.keras: the base Conv config (which keeps its kernel_* and groups entries), then these.
        config = super().get_config()
        config.update(serialize_arguments(self, (
            "filters", "kernel_size", "strides", "padding", "data_format", "depth_multiplier", "dilation_rate",
            "activation", "use_bias", "depthwise_initializer", "pointwise_initializer", "bias_initializer",
            "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
            "depthwise_constraint", "pointwise_constraint", "bias_constraint")))
        return config


class SeparableConv1D(SeparableConv):
    """Depthwise-separable 1-D convolution: inputs ``(batch, steps, channels)``; padding may be 'causal'."""

    _allows_causal = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, depth_multiplier=depth_multiplier,
            activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint, **kwargs)


class SeparableConv2D(SeparableConv):
    """Depthwise-separable 2-D convolution: inputs ``(batch, rows, cols, channels)``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, depth_multiplier=depth_multiplier,
            activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint, **kwargs)


# ------------------------------------------------------------------ depthwise
class DepthwiseConv(Conv):
    """Depthwise convolution, then bias and activation. Private base of DepthwiseConv1D/2D, as
    tf.keras's `DepthwiseConv`."""

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, filters=None, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        store_weight_arguments(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                               depthwise_constraint)
        # The base stored the bias regularizer and constraint it was given, and its default initializer.
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Inputs to `DepthwiseConv` should have rank {self.rank + 2}. Received "
                             f"input_shape={input_shape}.")
        channel_axis, input_dim = _channel_dim(self, input_shape, " to `DepthwiseConv`")
        self.depthwise_kernel = add_configured_weight(
            self, "depthwise_kernel", self.kernel_size + (input_dim, self.depth_multiplier))
        self.bias = add_bias(self, (input_dim * self.depth_multiplier,))
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={channel_axis: input_dim})
        self.built = True

    def call(self, inputs):
        x, restore = self._to_channels_last(inputs)
        outputs = ops.depthwise_conv(x, self.depthwise_kernel, strides=self.strides, padding=self.padding,
                                     dilation_rate=self.dilation_rate)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return restore(self.activation(outputs))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        c_axis = 1 if self._channels_first else self.rank + 1
        spatial_axes = range(2, self.rank + 2) if self._channels_first else range(1, self.rank + 1)
        for i, axis in enumerate(spatial_axes):
            shape[axis] = conv_output_length(shape[axis], self.kernel_size[i], self.padding, self.strides[i],
                                             self.dilation_rate[i])
        shape[c_axis] = None if shape[c_axis] is None else shape[c_axis] * self.depth_multiplier
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        config.update(serialize_arguments(self, ("depthwise_initializer", "depthwise_regularizer",
                                                 "depthwise_constraint")))
        return config


class DepthwiseConv1D(DepthwiseConv):
    """Depthwise 1-D convolution: inputs ``(batch, steps, channels)``."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, kernel_size=kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)


class DepthwiseConv2D(DepthwiseConv):
    """Depthwise 2-D convolution: inputs ``(batch, rows, cols, channels)``."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, kernel_size=kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs)


# Aliases, as tf.keras.layers exports them.
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
