"""Reshaping layers (tf.keras.layers.reshaping): ZeroPadding, Cropping and UpSampling over 1, 2 or 3
spatial axes, Permute and RepeatVector. All are composed from shape primitives (pad, getitem, reshape,
broadcast_to, transpose, matmul), so their gradients come with them."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.ops.image_resize import interpolation_matrix
from kerasx.ops.conv_utils import normalize_data_format, normalize_tuple

_ORDINALS = ("1st", "2nd", "3rd")


def _spatial_axes(rank, data_format):
    return tuple(range(2, 2 + rank)) if data_format == "channels_first" else tuple(range(1, 1 + rank))


def _pairs(value, rank, arg, example):
    """Keras's parsing of `padding`/`cropping` for 2-D and 3-D: an int, `rank` symmetric ints, or `rank`
    (before, after) pairs; returns `rank` pairs."""
    if isinstance(value, int):
        return ((value, value),) * rank
    if hasattr(value, "__len__"):
        if len(value) != rank:
            count = "two" if rank == 2 else str(rank)
            raise ValueError(f"`{arg}` should have {count} elements. Received: {value}.")
        return tuple(normalize_tuple(v, 2, f"{_ORDINALS[i]} entry of {arg}", allow_zero=True)
                     for i, v in enumerate(value))
    raise ValueError(f"`{arg}` should be either an int, {example}. Received: {value}.")


# ------------------------------------------------------------------ zero padding
class _ZeroPadding(Layer):
    rank = None

    def _init(self, padding, data_format):
        self.padding = padding
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        pads = [(0, 0)] * inputs.ndim
        for axis, pair in zip(_spatial_axes(self.rank, self.data_format), self.padding):
            pads[axis] = pair
        return ops.pad(inputs, paddings=tuple(pads))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (lo, hi) in zip(_spatial_axes(self.rank, self.data_format), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + lo + hi
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    """Zeros before and after the steps axis of (batch, steps, features)."""

    rank = 1

    def __init__(self, padding=1, **kwargs):
        value = (normalize_tuple(padding, 2, "padding", allow_zero=True),)
        super().__init__(**kwargs)
        self._init(value, "channels_last")

    def get_config(self):
        config = Layer.get_config(self)
        config["padding"] = self.padding[0]
        return config


class ZeroPadding2D(_ZeroPadding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        value = _pairs(padding, 2, "padding",
                       "a tuple of 2 ints (symmetric_height_pad, symmetric_width_pad), or a tuple of 2 "
                       "tuples of 2 ints ((top_pad, bottom_pad), (left_pad, right_pad))")
        data_format = normalize_data_format(data_format)
        super().__init__(**kwargs)
        self._init(value, data_format)


class ZeroPadding3D(_ZeroPadding):
    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        value = _pairs(padding, 3, "padding",
                       "a tuple of 3 ints (symmetric_dim1_pad, symmetric_dim2_pad, symmetric_dim3_pad), or "
                       "a tuple of 3 tuples of 2 ints ((left_dim1_pad, right_dim1_pad), (left_dim2_pad, "
                       "right_dim2_pad), (left_dim3_pad, right_dim2_pad))")
        data_format = normalize_data_format(data_format)
        super().__init__(**kwargs)
        self._init(value, data_format)


# ------------------------------------------------------------------ cropping
class _Cropping(Layer):
    rank = None

    def _init(self, cropping, data_format):
        self.cropping = cropping
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _check(self, shape):
        for axis, (lo, hi) in zip(_spatial_axes(self.rank, self.data_format), self.cropping):
            if shape[axis] is not None and lo + hi >= shape[axis]:
                raise ValueError(self._too_large_message(shape))

    def _too_large_message(self, shape):
        # tf.keras 2.x has no check for 2-D and 3-D (it returns an empty or wrong slice): Keras 3's words.
        return ("Values in `cropping` argument should be smaller than the corresponding spatial dimension "
                f"of the input. Received: input_shape={tuple(shape)}, cropping={self.cropping}")

    def call(self, inputs):
        self._check(inputs.shape)
        key = [slice(None)] * inputs.ndim
        for axis, (lo, hi) in zip(_spatial_axes(self.rank, self.data_format), self.cropping):
            key[axis] = slice(lo, inputs.shape[axis] - hi)
        return ops.getitem(inputs, tuple(key))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        self._check(shape)
        for axis, (lo, hi) in zip(_spatial_axes(self.rank, self.data_format), self.cropping):
            shape[axis] = None if shape[axis] is None else shape[axis] - lo - hi
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping1D(_Cropping):
    """Removes `cropping` steps from the start and end of (batch, steps, features)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        value = (normalize_tuple(cropping, 2, "cropping", allow_zero=True),)
        super().__init__(**kwargs)
        self._init(value, "channels_last")

    def _too_large_message(self, shape):
        # tf.keras 2.x's own message, wording included.
        return ("cropping parameter of Cropping layer must be greater than the input shape. Received: "
                f"inputs.shape={tuple(shape)}, and cropping={self.cropping[0]}")

    def get_config(self):
        config = Layer.get_config(self)
        config["cropping"] = self.cropping[0]
        return config


class Cropping2D(_Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        value = _pairs(cropping, 2, "cropping",
                       "a tuple of 2 ints (symmetric_height_crop, symmetric_width_crop), or a tuple of 2 "
                       "tuples of 2 ints ((top_crop, bottom_crop), (left_crop, right_crop))")
        data_format = normalize_data_format(data_format)
        super().__init__(**kwargs)
        self._init(value, data_format)


class Cropping3D(_Cropping):
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        value = _pairs(cropping, 3, "cropping",
                       "a tuple of 3 ints (symmetric_dim1_crop, symmetric_dim2_crop, symmetric_dim3_crop), "
                       "or a tuple of 3 tuples of 2 ints ((left_dim1_crop, right_dim1_crop), "
                       "(left_dim2_crop, right_dim2_crop), (left_dim3_crop, right_dim2_crop))")
        data_format = normalize_data_format(data_format)
        super().__init__(**kwargs)
        self._init(value, data_format)


# ------------------------------------------------------------------ upsampling
def repeat_elements(x, sizes, axes):
    """Each element repeated `sizes[i]` times along `axes[i]` (Keras's `repeat_elements`), as one
    broadcast: (.., n, ..) -> (.., n, 1, ..) -> (.., n, k, ..) -> (.., n * k, ..)."""
    expanded, target, final = [], [], []
    for axis, n in enumerate(x.shape):
        expanded.append(n)
        target.append(n)
        if axis in axes:
            k = sizes[axes.index(axis)]
            expanded.append(1)
            target.append(k)
            final.append(n * k)
        else:
            final.append(n)
    y = ops.broadcast_to(ops.reshape(x, shape=tuple(expanded)), shape=tuple(target))
    return ops.reshape(y, shape=tuple(final))


def bilinear_upsample(x, size, data_format):
    """``x`` (rank 4) enlarged by the integer factors ``size`` as TensorFlow 2's bilinear resize; shared
    by UpSampling2D and `K.resize_images`."""
    x = x if data_format == "channels_first" else ops.transpose(x, axes=(0, 3, 1, 2))
    # Separable: one GEMM per spatial axis, (N, C, H, W) -> (N, C, H', W) -> (N, C, H', W').
    rows = as_tensor(interpolation_matrix("bilinear", x.shape[2], x.shape[2] * size[0]), dtype=x.dtype)
    cols = as_tensor(interpolation_matrix("bilinear", x.shape[3], x.shape[3] * size[1]), dtype=x.dtype)
    y = ops.matmul(ops.matmul(rows, x), ops.transpose(cols, axes=(1, 0)))
    return y if data_format == "channels_first" else ops.transpose(y, axes=(0, 2, 3, 1))


class _UpSampling(Layer):
    rank = None

    def _init(self, size, data_format):
        self._sizes = size
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return repeat_elements(inputs, self._sizes, _spatial_axes(self.rank, self.data_format))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, k in zip(_spatial_axes(self.rank, self.data_format), self._sizes):
            shape[axis] = None if shape[axis] is None else shape[axis] * k
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


class UpSampling1D(_UpSampling):
    """Repeats each step `size` times."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        value = normalize_tuple(size, 1, "size")
        super().__init__(**kwargs)
        self._init(value, "channels_last")
        # tf.keras keeps UpSampling1D's size a plain int, in the attribute and in the config.
        self.size = self._sizes[0]

    def get_config(self):
        config = Layer.get_config(self)
        config["size"] = self.size
        return config


class UpSampling2D(_UpSampling):
    """Repeats rows and columns ('nearest') or resizes as TensorFlow 2's bilinear `tf.image.resize`."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError('`interpolation` argument should be one of `"nearest"` or `"bilinear"`. '
                             f'Received: "{interpolation}".')
        value = normalize_tuple(size, 2, "size")
        data_format = normalize_data_format(data_format)
        super().__init__(**kwargs)
        self._init(value, data_format)
        self.size = self._sizes
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        return bilinear_upsample(inputs, self.size, self.data_format)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_UpSampling):
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        value = normalize_tuple(size, 3, "size")
        data_format = normalize_data_format(data_format)
        super().__init__(**kwargs)
        self._init(value, data_format)
        self.size = self._sizes


# ------------------------------------------------------------------ permute, repeat
class Permute(Layer):
    """Permutes the non-batch axes: `dims` counts from 1 (the batch axis stays first)."""

    def __init__(self, dims, **kwargs):
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                             f"`dims` must be consecutive and start from 1. Received dims={dims}")
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, axes=(0,) + self.dims)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        return (shape[0],) + tuple(shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        super().__init__(**kwargs)
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        batch, features = inputs.shape
        column = ops.reshape(inputs, shape=(batch, 1, features))
        return ops.broadcast_to(column, shape=(batch, self.n, features))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
