"""tf.keras 2.x's random image layers that need no resampling grid: RandomCrop, RandomFlip,
RandomContrast, RandomBrightness, RandomHeight and RandomWidth, on channels_last images of rank 3 or 4.

Each is active in training only and the identity at inference (RandomCrop then resizes, as tf.keras's
does). A layer given a `seed` draws from its own `ops.SeedGenerator`, so two layers with one seed repeat
each other's draws; without one the draws follow `set_random_seed`. Per-image draws are made on the
device; what must be known on the host to slice or size (a crop offset, a new height) is one Python draw
per call."""
from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.layers.preprocessing.image_preprocessing import check_image_rank, check_size, image_output_shape
from kerasx.ops.image_resize import check_interpolation, crop, resize, smart_resize

HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL = "horizontal", "vertical", "horizontal_and_vertical"


class BaseRandomLayer(Layer):
    """Holds the seed and its generator; `call(inputs, training=True)` as tf.keras's random layers, so a
    layer called on its own augments, and one inside a model augments only in `fit`."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._random_generator = ops.SeedGenerator(seed)

    def _images(self, inputs):
        check_image_rank(self, inputs)
        return inputs if inputs.dtype == self.dtype else ops.cast(inputs, self.dtype)

    def _per_image_shape(self, inputs):
        """(batch, 1, 1, 1) for a batch, (1, 1, 1) for one image: a draw per image."""
        return (inputs.shape[0], 1, 1, 1) if inputs.ndim == 4 else (1, 1, 1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class RandomCrop(BaseRandomLayer):
    """In training, a (height, width) box at a random offset (one per batch, as tf.keras); at inference,
    or for images smaller than the box, the largest centred crop of its aspect ratio resized to it."""

    def __init__(self, height, width, seed=None, **kwargs):
        check_size("RandomCrop", height=height, width=width)
        super().__init__(seed=seed, **kwargs)
        self.height = height
        self.width = width

    def call(self, inputs, training=True):
        x = self._images(inputs)
        h_diff, w_diff = x.shape[-3] - self.height, x.shape[-2] - self.width
        if training and h_diff >= 0 and w_diff >= 0:
            top = self._random_generator.host_randint(0, h_diff)
            left = self._random_generator.host_randint(0, w_diff)
            return crop(x, top, left, self.height, self.width)
        return ops.cast(smart_resize(x, self.height, self.width), self.dtype)

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


class RandomFlip(BaseRandomLayer):
    """In training, flips each image left-right and/or up-down with probability 1/2 (`mode`:
    'horizontal', 'vertical' or 'horizontal_and_vertical', the default)."""

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, **kwargs):
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(f"RandomFlip layer received an unknown mode argument {mode!r}: expected one of "
                             f"'{HORIZONTAL}', '{VERTICAL}', '{HORIZONTAL_AND_VERTICAL}'.")
        super().__init__(seed=seed, **kwargs)
        self.mode = mode
        self.horizontal = mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL)
        self.vertical = mode in (VERTICAL, HORIZONTAL_AND_VERTICAL)

    def _maybe_flip(self, x, axis):
        reverse = [slice(None)] * x.ndim
        reverse[axis] = slice(None, None, -1)
        coin = ops.less(self._random_generator.uniform(self._per_image_shape(x)), 0.5)
        return ops.where(coin, x[tuple(reverse)], x)

    def call(self, inputs, training=True):
        x = self._images(inputs)
        if not training:
            return x
        if self.horizontal:
            x = self._maybe_flip(x, x.ndim - 2)
        if self.vertical:
            x = self._maybe_flip(x, x.ndim - 3)
        return x

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


class RandomContrast(BaseRandomLayer):
    """In training, ``(x - mean) * c + mean`` per image and channel (the mean over height and width),
    with one contrast factor c drawn from [1 - lower, 1 + upper] per call, as tf.image.random_contrast,
    then clipped to [0, 255]."""

    def __init__(self, factor, seed=None, **kwargs):
        lower, upper = (factor[0], factor[1]) if isinstance(factor, (tuple, list)) else (factor, factor)
        if lower < 0.0 or upper < 0.0 or lower > 1.0:
            raise ValueError("`factor` argument cannot have negative values or values greater than 1. "
                             f"Received: factor={factor}")
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.lower, self.upper = lower, upper

    def call(self, inputs, training=True):
        x = self._images(inputs)
        if not training:
            return x
        contrast = self._random_generator.uniform((), 1.0 - self.lower, 1.0 + self.upper, dtype=x.dtype)
        mean = ops.mean(x, axis=(x.ndim - 3, x.ndim - 2), keepdims=True)
        adjusted = ops.add(ops.multiply(ops.subtract(x, mean), contrast), mean)
        return ops.clip_by_value(adjusted, 0.0, 255.0)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


_FACTOR_ERROR = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "
_VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "


def _brightness_factor(factor):
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(_FACTOR_ERROR + f"Got {factor}")
        bounds = list(factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        bounds = [factor]
    else:
        raise ValueError(_FACTOR_ERROR + f"Got {factor}")
    for value in bounds:
        if value > 1.0 or value < -1.0:
            raise ValueError(_FACTOR_ERROR + f"Got {value}")
    return sorted(bounds) if len(bounds) == 2 else [-abs(factor), abs(factor)]


class RandomBrightness(BaseRandomLayer):
    """In training, adds to each image a delta drawn from `factor` times the width of `value_range`,
    then clips to `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        bounds = _brightness_factor(factor)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(_VALUE_RANGE_ERROR + f"Got {value_range}")
        super().__init__(seed=seed, **kwargs)
        self._factor = bounds
        self._value_range = sorted(value_range)

    def call(self, inputs, training=True):
        x = self._images(inputs)
        if not training:
            return x
        low, high = self._value_range
        delta = self._random_generator.uniform(self._per_image_shape(x), self._factor[0], self._factor[1],
                                               dtype=x.dtype)
        return ops.clip_by_value(ops.add(x, ops.multiply(delta, float(high - low))), float(low), float(high))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self._factor, "value_range": self._value_range})
        return config


class _RandomSide(BaseRandomLayer):
    """RandomHeight / RandomWidth: in training, resizes one side by a factor drawn once per call from
    [1 + lower, 1 + upper]; the other side and the channels are kept."""

    _side = None

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        name = type(self).__name__
        lower, upper = (factor[0], factor[1]) if isinstance(factor, (tuple, list)) else (-factor, factor)
        if upper < lower:
            raise ValueError("`factor` argument cannot have an upper bound less than the lower bound. "
                             f"Received: factor={factor}")
        if lower < -1.0 or upper < -1.0:
            raise ValueError(f"`factor` argument must have values larger than -1. Received: factor={factor}")
        self._method = check_interpolation(name, interpolation)
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.lower, self.upper = lower, upper
        self.interpolation = interpolation

    def call(self, inputs, training=True):
        x = self._images(inputs) if training else inputs
        if not training:
            return x
        axis = x.ndim - (3 if self._side == "height" else 2)
        scale = self._random_generator.host_uniform(1.0 + self.lower, 1.0 + self.upper)
        size = max(int(scale * x.shape[axis]), 1)
        height, width = (size, x.shape[-2]) if self._side == "height" else (x.shape[-3], size)
        outputs = resize(x, height, width, self._method)
        return outputs if outputs.dtype == self.dtype else ops.cast(outputs, self.dtype)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3 if self._side == "height" else -2] = None
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "interpolation": self.interpolation})
        return config


class RandomHeight(_RandomSide):
    """Resizes the height of the images by a random factor in training."""

    _side = "height"


class RandomWidth(_RandomSide):
    """Resizes the width of the images by a random factor in training."""

    _side = "width"
