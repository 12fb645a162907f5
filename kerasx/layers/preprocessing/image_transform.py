"""tf.keras 2.x's random affine image layers, RandomRotation, RandomTranslation and RandomZoom, over
`transform`: TensorFlow's ImageProjectiveTransformV3 composed from primitives.

For output pixel (y, x), a per-image transform ``[a0, a1, a2, b0, b1, b2, c0, c1]`` samples the input at
``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``; `fill_mode` maps points
outside the image in ('reflect': d c b a | a b c d | d c b a, 'wrap': a b c d | a b c d, 'nearest': the
edge pixel, 'constant': `fill_value`), then 'nearest' takes the pixel at the rounded point and
'bilinear' weighs its four neighbours (a neighbour outside the image gives `fill_value`). The samples
are gathered with `take`, so gradients reach the image."""
import functools
import math

from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.layers.preprocessing.image_augmentation import BaseRandomLayer

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
TRANSFORM_INTERPOLATIONS = ("nearest", "bilinear")


def check_fill_mode_and_interpolation(fill_mode, interpolation):
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Unknown `fill_mode` {fill_mode}. Only `reflect`, `wrap`, `constant` and "
                         "`nearest` are supported.")
    if interpolation not in TRANSFORM_INTERPOLATIONS:
        raise ValueError(f"Unknown `interpolation` {interpolation}. Only `nearest` and `bilinear` are "
                         "supported.")


def _floor(t):
    return ops.floor_divide(t, 1.0)


def _trunc(t):
    """Rounds toward zero, as C++'s cast of a float to an integer."""
    return ops.multiply(ops.sign(t), _floor(ops.abs(t)))


def _map_coordinates(coord, size, fill_mode):
    """tf's MapCoordinate: `coord` (float) brought into [0, size - 1] as `fill_mode` says; 'constant'
    leaves it, and the reads outside the image give the fill value."""
    if fill_mode == "constant":
        return coord
    if size <= 1 and fill_mode in ("reflect", "wrap"):
        return ops.zeros_like(coord)
    if fill_mode == "reflect":
        period = 2.0 * size
        below = ops.add(ops.multiply(_trunc(ops.divide(ops.negative(coord), period)), period), coord)
        below = ops.where(ops.less(below, -size), ops.add(below, period), ops.subtract(-1.0, below))
        above = ops.subtract(coord, ops.multiply(_trunc(ops.divide(coord, period)), period))
        above = ops.where(ops.greater_equal(above, size), ops.subtract(period - 1.0, above), above)
        coord = ops.where(ops.less(coord, 0.0), below, ops.where(ops.greater(coord, size - 1.0), above, coord))
    elif fill_mode == "wrap":
        span = size - 1.0
        below = ops.add(coord, ops.multiply(ops.add(_trunc(ops.divide(ops.negative(coord), span)), 1.0), size))
        above = ops.subtract(coord, ops.multiply(_trunc(ops.divide(coord, span)), size))
        coord = ops.where(ops.less(coord, 0.0), below, ops.where(ops.greater(coord, span), above, coord))
    return ops.clip_by_value(coord, 0.0, size - 1.0)


def _read(flat, batch_offsets, y, x, height, width, fill_value):
    """The pixels at integer-valued float coordinates (B, H', W'), `fill_value` outside the image."""
    inside = ops.logical_and(ops.logical_and(ops.greater_equal(y, 0.0), ops.less(y, float(height))),
                             ops.logical_and(ops.greater_equal(x, 0.0), ops.less(x, float(width))))
    yi = ops.clip_by_value(y, 0.0, height - 1.0)
    xi = ops.clip_by_value(x, 0.0, width - 1.0)
    # Integer arithmetic: float32 would lose exactness past 2 ** 24 pixels in a batch.
    index = ops.add(ops.add(ops.multiply(ops.cast(yi, "int32"), width), ops.cast(xi, "int32")), batch_offsets)
    values = ops.take(flat, ops.reshape(index, (-1,)), axis=0)  # (B * H' * W', C)
    values = ops.reshape(values, tuple(y.shape) + (flat.shape[-1],))
    return ops.where(ops.expand_dims(inside, -1), values, as_tensor(float(fill_value), dtype=values.dtype))


@functools.lru_cache(maxsize=64)
def _grid(batch, height, width):
    """The output pixels' x and y (height, width) and each image's offset into the flattened batch, as
    host lists built once per size."""
    xs = [[float(j) for j in range(width)]] * height
    ys = [[float(i)] * width for i in range(height)]
    offsets = [[[b * height * width]] for b in range(batch)]
    return xs, ys, offsets


def transform(images, transforms, fill_mode="reflect", fill_value=0.0, interpolation="bilinear"):
    """`images` (B, H, W, C) resampled through `transforms` (B, 8), each mapping output to input
    coordinates (the module docstring)."""
    images, transforms = as_tensor(images), ops.cast(as_tensor(transforms), "float32")
    batch, height, width, channels = images.shape
    xs, ys, offsets = _grid(batch, height, width)
    xs, ys = as_tensor(xs, dtype="float32"), as_tensor(ys, dtype="float32")
    offsets = as_tensor(offsets, dtype="int32")

    def coefficient(k):
        return ops.reshape(transforms[:, k], (batch, 1, 1))

    projection = ops.add(ops.add(ops.multiply(coefficient(6), xs), ops.multiply(coefficient(7), ys)), 1.0)
    degenerate = ops.equal(projection, 0.0)
    # Pixels with k == 0 take the fill value below; dividing them by 1 keeps their coordinates finite.
    divisor = ops.where(degenerate, ops.ones_like(projection), projection)
    x_in = ops.divide(ops.add(ops.add(ops.multiply(coefficient(0), xs), ops.multiply(coefficient(1), ys)),
                              coefficient(2)), divisor)
    y_in = ops.divide(ops.add(ops.add(ops.multiply(coefficient(3), xs), ops.multiply(coefficient(4), ys)),
                              coefficient(5)), divisor)
    x_in = _map_coordinates(x_in, width, fill_mode)
    y_in = _map_coordinates(y_in, height, fill_mode)
    flat = ops.reshape(images, (batch * height * width, channels))
    if interpolation == "nearest":
        def rounded(t):  # std::round: halves away from zero
            return ops.multiply(ops.sign(t), _floor(ops.add(ops.abs(t), 0.5)))
        out = _read(flat, offsets, rounded(y_in), rounded(x_in), height, width, fill_value)
    else:
        y0, x0 = _floor(y_in), _floor(x_in)
        y1, x1 = ops.add(y0, 1.0), ops.add(x0, 1.0)

        def weight(t):
            return ops.expand_dims(t, -1)

        def read(y, x):
            return _read(flat, offsets, y, x, height, width, fill_value)

        top = ops.add(ops.multiply(weight(ops.subtract(x1, x_in)), read(y0, x0)),
                      ops.multiply(weight(ops.subtract(x_in, x0)), read(y0, x1)))
        bottom = ops.add(ops.multiply(weight(ops.subtract(x1, x_in)), read(y1, x0)),
                         ops.multiply(weight(ops.subtract(x_in, x0)), read(y1, x1)))
        out = ops.add(ops.multiply(weight(ops.subtract(y1, y_in)), top),
                      ops.multiply(weight(ops.subtract(y_in, y0)), bottom))
    # A degenerate projection (k == 0) gives the fill value, as tf's kernel.
    out = ops.where(ops.expand_dims(degenerate, -1), as_tensor(float(fill_value), dtype=out.dtype), out)
    return out if out.dtype == images.dtype else ops.cast(out, images.dtype)


def rotation_matrix(angles, height, width):
    """(B, 8) transforms rotating each image by `angles` (B,) radians about its centre (tf.keras's
    `get_rotation_matrix`)."""
    cos, sin = ops.cos(angles), ops.sin(angles)
    x_offset = ops.divide(ops.subtract(width - 1.0, ops.subtract(ops.multiply(cos, width - 1.0),
                                                                 ops.multiply(sin, height - 1.0))), 2.0)
    y_offset = ops.divide(ops.subtract(height - 1.0, ops.add(ops.multiply(sin, width - 1.0),
                                                             ops.multiply(cos, height - 1.0))), 2.0)
    zeros = ops.zeros_like(angles)
    return ops.stack([cos, ops.negative(sin), x_offset, sin, cos, y_offset, zeros, zeros], axis=1)


def translation_matrix(dx, dy):
    """(B, 8) transforms shifting each image by (dx, dy) pixels (B,)."""
    ones, zeros = ops.ones_like(dx), ops.zeros_like(dx)
    return ops.stack([ones, zeros, ops.negative(dx), zeros, ones, ops.negative(dy), zeros, zeros], axis=1)


def zoom_matrix(zx, zy, height, width):
    """(B, 8) transforms zooming each image about its centre by (zx, zy) (B,): > 1 zooms out."""
    zeros = ops.zeros_like(zx)
    x_offset = ops.multiply(ops.subtract(1.0, zx), (width - 1.0) / 2.0)
    y_offset = ops.multiply(ops.subtract(1.0, zy), (height - 1.0) / 2.0)
    return ops.stack([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], axis=1)


def _bounds(factor):
    return (factor[0], factor[1]) if isinstance(factor, (tuple, list)) else (-factor, factor)


def _check_ordered(arg, factor, lower, upper):
    if upper < lower:
        raise ValueError(f"`{arg}` cannot have upper bound less than lower bound, got {factor}")


class _RandomTransform(BaseRandomLayer):
    """What the three share: fill mode, fill value and interpolation, batching of single images, and
    inference as the identity."""

    def __init__(self, fill_mode, interpolation, seed, fill_value, **kwargs):
        check_fill_mode_and_interpolation(fill_mode, interpolation)
        super().__init__(seed=seed, **kwargs)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation

    def call(self, inputs, training=True):
        x = self._images(inputs)
        if not training:
            return x
        batched = x if x.ndim == 4 else ops.expand_dims(x, 0)
        _, height, width, _ = batched.shape
        out = transform(batched, self._transforms(batched.shape[0], height, width), fill_mode=self.fill_mode,
                        fill_value=self.fill_value, interpolation=self.interpolation)
        return out if x.ndim == 4 else ops.squeeze(out, axis=0)

    def _draw(self, batch, lower, upper):
        return self._random_generator.uniform((batch,), lower, upper, dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "interpolation": self.interpolation})
        return config


class RandomRotation(_RandomTransform):
    """In training, rotates each image by an angle drawn from `factor` (a fraction of a full turn:
    0.1 is up to 36 degrees either way; a pair gives the range, counter-clockwise positive)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 **kwargs):
        self.lower, self.upper = _bounds(factor)
        if self.upper < self.lower:
            raise ValueError(f"`factor` argument cannot have a negative value. Received: factor={factor}")
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor

    def _transforms(self, batch, height, width):
        angles = self._draw(batch, self.lower * 2.0 * math.pi, self.upper * 2.0 * math.pi)
        return rotation_matrix(angles, float(height), float(width))

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


def _check_unit_range(arg, factor, lower, upper):
    if abs(lower) > 1.0 or abs(upper) > 1.0:
        raise ValueError(f"`{arg}` argument must have values between [-1, 1]. Received: {arg}={factor}")


class RandomTranslation(_RandomTransform):
    """In training, shifts each image by fractions of its height and width drawn from `height_factor`
    and `width_factor` (each a fraction, or a (lower, upper) pair, in [-1, 1])."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        self.height_lower, self.height_upper = _bounds(height_factor)
        _check_ordered("height_factor", height_factor, self.height_lower, self.height_upper)
        _check_unit_range("height_factor", height_factor, self.height_lower, self.height_upper)
        self.width_lower, self.width_upper = _bounds(width_factor)
        _check_ordered("width_factor", width_factor, self.width_lower, self.width_upper)
        _check_unit_range("width_factor", width_factor, self.width_lower, self.width_upper)
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor

    def _transforms(self, batch, height, width):
        dy = ops.multiply(self._draw(batch, self.height_lower, self.height_upper), float(height))
        dx = ops.multiply(self._draw(batch, self.width_lower, self.width_upper), float(width))
        return translation_matrix(dx, dy)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomZoom(_RandomTransform):
    """In training, zooms each image about its centre by 1 + a factor drawn from `height_factor`
    (positive zooms out, negative in), and from `width_factor` for the width, or by the same factor when
    it is None (the aspect ratio kept)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, **kwargs):
        self.height_lower, self.height_upper = _bounds(height_factor)
        _check_unit_range("height_factor", height_factor, self.height_lower, self.height_upper)
        if width_factor is not None:
            self.width_lower, self.width_upper = _bounds(width_factor)
            if self.width_lower < -1.0 or self.width_upper < -1.0:
                raise ValueError("`width_factor` argument must have values larger than -1. Received: "
                                 f"width_factor={width_factor}")
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor

    def _transforms(self, batch, height, width):
        zy = self._draw(batch, 1.0 + self.height_lower, 1.0 + self.height_upper)
        zx = zy if self.width_factor is None else self._draw(batch, 1.0 + self.width_lower, 1.0 + self.width_upper)
        return zoom_matrix(zx, zy, float(height), float(width))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
