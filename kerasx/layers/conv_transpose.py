"""Transposed convolution layers (sometimes called deconvolution): Conv1DTranspose, Conv2DTranspose,
Conv3DTranspose, as tf.keras.

The forward is the gradient of a convolution with respect to its input (`ops.conv_transpose`), so a
Conv2DTranspose undoes the shape change of the Conv2D with the same arguments. Kernels are
``(*kernel_size, filters, in_channels)``, as Keras stores them.
"""
from backends.conv_arithmetic import deconv_output_length
from kerasx import ops
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.conv_base import Conv1D, Conv2D, Conv3D
from kerasx.layers.weight_arguments import add_bias, add_configured_weight
from kerasx.ops.conv_utils import normalize_tuple


class _Transpose:
    """What the three transposed layers share; mixed in before their ConvND base (tf.keras makes each
    one a subclass of the matching ConvND too)."""

    # tf.keras's Conv3DTranspose accepts dilation_rate but ignores it, and leaves it out of its config.
    _uses_dilation = True

    def _init_transpose(self, output_padding):
        if self.padding == "causal":
            raise ValueError(f"`padding` 'causal' is not supported by {type(self).__name__}: use 'valid' or "
                             "'same'.")
        self.output_padding = output_padding
        if self.output_padding is not None:
            self.output_padding = normalize_tuple(self.output_padding, self.rank, "output_padding",
                                                  allow_zero=True)
            for stride, out_pad in zip(self.strides, self.output_padding):
                if out_pad >= stride:
                    raise ValueError("Strides must be greater than output padding. Received strides="
                                     f"{self.strides}, output_padding={self.output_padding}.")

    @property
    def _op_dilation(self):
        return self.dilation_rate if self._uses_dilation else (1,) * self.rank

    def _output_spatial(self, spatial):
        pads = self.output_padding or (None,) * self.rank
        return [deconv_output_length(n, k, padding=self.padding, output_padding=p, stride=s, dilation=r)
                for n, k, p, s, r in zip(spatial, self.kernel_size, pads, self.strides, self._op_dilation)]

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Inputs should have rank {self.rank + 2}. Received input_shape={input_shape}.")
        channel_axis = self._get_channel_axis()
        if input_shape[channel_axis] is None:
            raise ValueError(f"The channel dimension of the inputs to `{type(self).__name__}` should be defined. "
                             f"The input_shape received is {input_shape}, where axis {channel_axis} (0-based) "
                             "is the channel dimension, which found to be `None`.")
        input_dim = int(input_shape[channel_axis])
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: input_dim})
        self.kernel = add_configured_weight(self, "kernel", self.kernel_size + (self.filters, input_dim))
        self.bias = add_bias(self, (self.filters,))
        self.built = True

    def call(self, inputs):
        x, restore = self._to_channels_last(inputs)
        out_spatial = self._output_spatial(x.shape[1:-1])
        outputs = ops.conv_transpose(x, self.kernel, out_spatial, strides=self.strides, padding=self.padding,
                                     dilation_rate=self._op_dilation)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return restore(self.activation(outputs))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self._channels_first:
            c_axis, spatial_axes = 1, range(2, self.rank + 2)
        else:
            c_axis, spatial_axes = self.rank + 1, range(1, self.rank + 1)
        lengths = self._output_spatial([shape[a] for a in spatial_axes])
        for axis, length in zip(spatial_axes, lengths):
            shape[axis] = length
        shape[c_axis] = self.filters
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        if not self._uses_dilation:
            config.pop("dilation_rate")
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_Transpose, Conv1D):
    """Transposed 1-D convolution: inputs ``(batch, steps, channels)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self._init_transpose(output_padding)


class Conv2DTranspose(_Transpose, Conv2D):
    """Transposed 2-D convolution: inputs ``(batch, rows, cols, channels)``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self._init_transpose(output_padding)


class Conv3DTranspose(_Transpose, Conv3D):
    """Transposed 3-D convolution: inputs ``(batch, depth, rows, cols, channels)``."""

    _uses_dilation = False

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self._init_transpose(output_padding)


# Aliases, as tf.keras.layers exports them.
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
