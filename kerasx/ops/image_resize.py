"""`tf.image.resize` as TensorFlow 2 computes it (half-pixel centers, no antialiasing), composed from
primitives so that it differentiates: each method but 'nearest' is separable and linear, a
(new_size, size) matrix per spatial axis applied with two matmuls; 'nearest' gathers rows and columns
with `take`, so it copies values exactly. The matrices are built on the host from integer sizes only,
with TensorFlow's float32 arithmetic (`_f32`), so that samples land on the same source pixels as tf's
kernels (resize_bilinear_op.cc, resize_nearest_neighbor_op.cc, resize_bicubic_op.cc, resize_area_op.cc).

Also the cropping that tf.keras's image layers share: a fixed crop box, and `smart_resize` (the largest
centred crop of the target's aspect ratio, then a resize)."""
import functools
import math
import struct

from kerasx import ops
from kerasx.autodiff.tensor import as_tensor

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area")
# tf.image.resize's other methods, which kerasx does not implement.
_UNSUPPORTED = ("lanczos3", "lanczos5", "gaussian", "mitchellcubic")
_TABLE_SIZE = 1024  # resize_bicubic_op.cc's kTableSize: cubic weights are looked up at 1/1024 steps


def check_interpolation(layer_name, interpolation):
    if not isinstance(interpolation, str) or interpolation.lower() not in INTERPOLATIONS:
        extra = " (tf.keras's other methods are not implemented in kerasx)" \
            if isinstance(interpolation, str) and interpolation.lower() in _UNSUPPORTED else ""
        raise ValueError(f"Value not recognized for `interpolation` of {layer_name}: {interpolation!r}"
                         f"{extra}. Supported values are: {list(INTERPOLATIONS)}")
    return interpolation.lower()


def _f32(value):
    """`value` rounded to float32, as TensorFlow's kernels hold their coordinates."""
    return struct.unpack("f", struct.pack("f", value))[0]


def _scale(n_in, n_out):
    return _f32(n_in / n_out)


def _bilinear_rows(n_in, n_out):
    scale, rows = _scale(n_in, n_out), []
    for i in range(n_out):
        src = _f32(_f32((i + 0.5) * scale) - 0.5)
        floor = math.floor(src)
        lerp = _f32(src - floor)
        lo, hi = max(floor, 0), min(math.ceil(src), n_in - 1)
        row = [0.0] * n_in
        row[lo] += 1.0 - lerp
        row[hi] += lerp
        rows.append(row)
    return rows


def _keys_cubic(x):
    """Keys' cubic convolution kernel with a = -0.5, which TF2's half-pixel bicubic resize uses."""
    a, x = -0.5, abs(x)
    if x <= 1.0:
        return _f32(((a + 2) * x - (a + 3)) * x * x + 1)
    return _f32(((a * x - 5 * a) * x + 8 * a) * x - 4 * a)


def _bicubic_rows(n_in, n_out):
    scale, rows = _scale(n_in, n_out), []
    for i in range(n_out):
        src = _f32(_f32((i + 0.5) * scale) - 0.5)
        floor = math.floor(src)
        offset = round(_f32(src - floor) * _TABLE_SIZE)  # lrintf: half to even, as Python's round
        taps = ((floor - 1, 1.0 + offset / _TABLE_SIZE), (floor, offset / _TABLE_SIZE),
                (floor + 1, 1.0 - offset / _TABLE_SIZE), (floor + 2, 2.0 - offset / _TABLE_SIZE))
        # Taps outside the image get no weight and the rest are renormalized (tf's keys-cubic borders).
        kept = [(j, _keys_cubic(d)) for j, d in taps if 0 <= j < n_in]
        total = sum(w for _, w in kept)
        row = [0.0] * n_in
        for j, w in kept:
            row[j] += w / total if abs(total) >= 1000.0 * 1.1754944e-38 else w
        rows.append(row)
    return rows


def _area_rows(n_in, n_out):
    """Each output pixel averages the input span it covers, partly covered pixels by their overlap."""
    scale, rows = _scale(n_in, n_out), []
    for i in range(n_out):
        start, end = _f32(i * scale), _f32((i + 1) * scale)
        row = [0.0] * n_in
        for j in range(math.floor(start), math.ceil(end)):
            row[min(max(j, 0), n_in - 1)] += (min(j + 1, end) - max(j, start)) / scale
        rows.append(row)
    return rows


@functools.lru_cache(maxsize=256)
def nearest_indices(n_in, n_out):
    scale = _scale(n_in, n_out)
    return [max(min(math.floor(_f32((i + 0.5) * scale)), n_in - 1), 0) for i in range(n_out)]


_ROWS = {"bilinear": _bilinear_rows, "bicubic": _bicubic_rows, "area": _area_rows}


@functools.lru_cache(maxsize=256)
def interpolation_matrix(interpolation, n_in, n_out):
    """The (n_out, n_in) weights of one spatial axis (a list of lists, on the host; cached by size, so
    a layer called on one image size builds them once: callers must not change them)."""
    if interpolation == "nearest":
        return [[1.0 if j == k else 0.0 for j in range(n_in)] for k in nearest_indices(n_in, n_out)]
    return _ROWS[interpolation](n_in, n_out)


def resize(images, height, width, interpolation="bilinear"):
    """`images` (N, H, W, C) or (H, W, C) resized to (height, width); float32 out but for 'nearest',
    which keeps the dtype, as tf.image.resize."""
    images = as_tensor(images)
    unbatched = images.ndim == 3
    x = ops.expand_dims(images, 0) if unbatched else images
    n_h, n_w = x.shape[1], x.shape[2]
    if interpolation == "nearest":
        y = ops.take(x, as_tensor(nearest_indices(n_h, height), dtype="int32"), axis=1)
        y = ops.take(y, as_tensor(nearest_indices(n_w, width), dtype="int32"), axis=2)
    else:
        x = ops.transpose(x if x.dtype == "float32" else ops.cast(x, "float32"), axes=(0, 3, 1, 2))
        rows = as_tensor(interpolation_matrix(interpolation, n_h, height), dtype="float32")
        cols = as_tensor(interpolation_matrix(interpolation, n_w, width), dtype="float32")
        # (N, C, H, W) -> (N, C, height, W) -> (N, C, height, width)
        y = ops.matmul(ops.matmul(rows, x), ops.transpose(cols, axes=(1, 0)))
        y = ops.transpose(y, axes=(0, 2, 3, 1))
    return ops.squeeze(y, axis=0) if unbatched else y


def crop(images, top, left, height, width):
    """The (height, width) box at (top, left) of (N, H, W, C) or (H, W, C) images."""
    images = as_tensor(images)
    box = (slice(top, top + height), slice(left, left + width))
    return images[box] if images.ndim == 3 else images[(slice(None),) + box]


def smart_resize(images, height, width, interpolation="bilinear"):
    """The largest centred crop with the aspect ratio of (height, width), resized to it (tf.keras's
    `image_utils.smart_resize`, in its float32 arithmetic)."""
    images = as_tensor(images)
    n_h, n_w = images.shape[-3], images.shape[-2]
    crop_h = min(n_h, int(_f32(n_w * height) / width))
    crop_w = min(n_w, int(_f32(n_h * width) / height))
    top, left = int((n_h - crop_h) / 2), int((n_w - crop_w) / 2)
    return resize(crop(images, top, left, crop_h, crop_w), height, width, interpolation)
