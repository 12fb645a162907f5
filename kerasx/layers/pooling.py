"""Pooling layers (tf.keras.layers.pooling): Max/Average pooling and their global forms over 1, 2 or 3
spatial axes, with the tf.keras aliases (MaxPool2D, GlobalAvgPool1D, ...).

The kernels are channels_last; a channels_first layer moves the channels last and back around them
(as TensorFlow does on the CPU, where NCHW pooling is not implemented)."""
from backends.conv_arithmetic import pool_output_length
from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.ops.conv_utils import normalize_data_format, normalize_padding, normalize_tuple


def _to_channels_last(x, data_format):
    if data_format == "channels_first":
        return ops.transpose(x, axes=(0,) + tuple(range(2, x.ndim)) + (1,))
    return x


def _to_channels_first(x, data_format):
    if data_format == "channels_first":
        return ops.transpose(x, axes=(0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))
    return x


# ------------------------------------------------------------------ windowed pooling
class _Pooling(Layer):
    """Shared by Max/AveragePooling{1,2,3}D: `rank` spatial axes, `_op` the pooling primitive."""

    rank = None
    _op = None

    def __init__(self, pool_size, strides, padding, data_format, **kwargs):
        # Every argument is checked before the base class takes a name, so a bad call changes nothing.
        pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        strides = pool_size if strides is None else normalize_tuple(strides, self.rank, "strides")
        padding, data_format = normalize_padding(padding, pooling=True), normalize_data_format(data_format)
        super().__init__(**kwargs)
        self.pool_size, self.strides = pool_size, strides
        self.padding, self.data_format = padding, data_format
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        x = _to_channels_last(inputs, self.data_format)
        y = self._op(x, pool_size=self.pool_size, strides=self.strides, padding=self.padding)
        return _to_channels_first(y, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        first = self.data_format == "channels_first"
        spatial = shape[2:] if first else shape[1:-1]
        out = tuple(pool_output_length(n, k, s, self.padding)
                    for n, k, s in zip(spatial, self.pool_size, self.strides))
        return (shape[0], shape[1]) + out if first else (shape[0],) + out + (shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                       "data_format": self.data_format})
        return config


class MaxPooling1D(_Pooling):
    rank = 1
    _op = ops.max_pool

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    rank = 1
    _op = ops.avg_pool

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    rank = 2
    _op = ops.max_pool

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    rank = 2
    _op = ops.avg_pool

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    rank = 3
    _op = ops.max_pool

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    rank = 3
    _op = ops.avg_pool

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# ------------------------------------------------------------------ global pooling
class _GlobalPooling(Layer):
    """Shared by Global{Max,Average}Pooling{1,2,3}D: a reduction over every spatial axis."""

    rank = None

    def __init__(self, data_format, keepdims=False, **kwargs):
        data_format = normalize_data_format(data_format)
        super().__init__(**kwargs)
        self.data_format = data_format
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        first = self.data_format == "channels_first"
        channels = shape[1] if first else shape[-1]
        if not self.keepdims:
            return (shape[0], channels)
        ones = (1,) * self.rank
        return (shape[0], channels) + ones if first else (shape[0],) + ones + (channels,)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class _GlobalMax(_GlobalPooling):
    def call(self, inputs):
        return ops.max(inputs, axis=self._spatial_axes(), keepdims=self.keepdims)


class _GlobalAverage(_GlobalPooling):
    def call(self, inputs):
        return ops.mean(inputs, axis=self._spatial_axes(), keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalMax):
    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(_GlobalAverage):
    """With a `mask` (batch, steps), the mean over the unmasked steps only."""

    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = self._spatial_axes()[0]
        mask = ops.cast(mask, dtype=inputs.dtype)
        # The mask broadcasts over the channels, which sit on the other side of the steps axis.
        mask = ops.expand_dims(mask, 2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.multiply(inputs, mask), axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, ops.sum(mask, axis=steps_axis, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        # The steps axis is reduced away: nothing downstream is masked.
        return None


class GlobalMaxPooling2D(_GlobalMax):
    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling2D(_GlobalAverage):
    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalMax):
    rank = 3

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalAverage):
    rank = 3

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


# tf.keras's aliases: the same classes, so configs always carry the long class name.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
