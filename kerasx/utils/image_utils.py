"""Image files and arrays, as tf.keras 2.x's `keras.utils` image helpers (`load_img`, `img_to_array`,
`array_to_img`, `save_img`), through Pillow (the optional `image` extra), on the host: PIL images and
NumPy arrays, before anything reaches a backend; and `preprocessing.image.smart_resize`, which resizes
through kerasx.ops."""
import io
import pathlib
import warnings

import numpy as np  # host-side: PIL images are converted to and from host arrays

from kerasx.autodiff.tensor import as_tensor
from kerasx.config import floatx, image_data_format
from kerasx.ops import image_resize

try:
    from PIL import Image as pil_image
except ImportError:  # the extra is not installed: `require_pil` says so when an image is read or written
    pil_image = None

MISSING_EXTRA_MESSAGE = ("Could not import PIL.Image. The use of `{}` requires PIL (Pillow), which the "
                         "`image` extra provides: pip install 'kerasx[image]'")
# tf.keras's `_PIL_INTERPOLATION_METHODS`, by name (PIL's filter constants, looked up when used).
PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = ("grayscale", "rgb", "rgba")


def require_pil(function):
    """Raises ImportError naming the extra when Pillow is not installed."""
    if pil_image is None:
        raise ImportError(MISSING_EXTRA_MESSAGE.format(function))


def _data_format(data_format, message):
    data_format = image_data_format() if data_format is None else data_format
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError(f"{message}: {data_format}")
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array `(height, width, channels)` (or channels first) as a PIL Image.

    Args:
        x: the image, anything `np.asarray` takes.
        data_format: "channels_first" or "channels_last" (None: `image_data_format()`).
        scale: whether to shift and scale the values so that they span 0 to 255.
        dtype: the dtype `x` is converted to first (None: `floatx()`).

    Returns:
        A PIL Image: "RGBA", "RGB", or for one channel "L" (or "I" when a value exceeds 255).
    """
    data_format = image_data_format() if data_format is None else data_format
    dtype = floatx() if dtype is None else dtype
    require_pil("array_to_img")
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). Got array with shape: "
                         f"{x.shape}")
    _data_format(data_format, "Invalid data_format")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return pil_image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return pil_image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return pil_image.fromarray(x[:, :, 0].astype("int32"), "I")
        return pil_image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL Image (or any 2D/3D array-like) as a 3D NumPy array of `dtype` (None: `floatx()`),
    channels last or first as `data_format` (None: `image_data_format()`); a 2D image gains a
    channel axis."""
    data_format = _data_format(data_format, "Unknown data_format")
    dtype = floatx() if dtype is None else dtype
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves the 3D array `x` as an image file at `path` (a path or file object), in `file_format`
    (None: from the file name's extension); `kwargs` go to `PIL.Image.save`. An RGBA image saved as
    "jpg"/"jpeg" is converted to RGB with a warning, as tf.keras."""
    data_format = image_data_format() if data_format is None else data_format
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _open(path):
    if isinstance(path, io.BytesIO):
        return pil_image.open(path)
    if isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            return pil_image.open(io.BytesIO(f.read()))
    raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")


def _resample(interpolation):
    if interpolation not in PIL_INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported methods are "
                         f"{', '.join(PIL_INTERPOLATIONS)}")
    return getattr(pil_image.Resampling, interpolation.upper())


def _center_crop_box(size, target):
    """tf.keras's box (left, top, right, bottom) of the largest centred crop of `target`'s aspect."""
    (width, height), (target_width, target_height) = size, target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return [left, top, left + crop_width, top + crop_height]


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Loads an image file as a PIL Image.

    Args:
        path: a path (str, bytes, pathlib.Path) or an `io.BytesIO`.
        grayscale: deprecated, as `color_mode="grayscale"`.
        color_mode: "grayscale" (mode "L", or the file's 16/32-bit integer mode), "rgb" or "rgba".
        target_size: None (the file's size) or `(height, width)`.
        interpolation: PIL's resampling filter when the size changes: "nearest" (default),
            "bilinear", "bicubic", "hamming", "box" or "lanczos".
        keep_aspect_ratio: resize the largest centred crop of the target's aspect ratio instead of
            the whole image.
    """
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    require_pil("load_img")
    if color_mode not in COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba". Received: '
                         f"color_mode={color_mode!r}")
    img = _open(path)
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != color_mode.upper():
        img = img.convert(color_mode.upper())
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            resample = _resample(interpolation)
            if keep_aspect_ratio:
                img = img.resize(width_height, resample, box=_center_crop_box(img.size, width_height))
            else:
                img = img.resize(width_height, resample)
    return img


def smart_resize(x, size, interpolation="bilinear"):
    """tf.keras's `preprocessing.image.smart_resize`: the largest centred crop of `size`'s aspect ratio,
    resized to `size` (`(height, width)`), of an image `(height, width, channels)` or a batch of them;
    a NumPy array in gives a NumPy array out, anything else a Tensor. `interpolation`: "bilinear",
    "nearest", "bicubic" or "area" (tf.image.resize's methods kerasx has)."""
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    interpolation = image_resize.check_interpolation("smart_resize", interpolation)
    images = as_tensor(x)
    if images.ndim not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or `(batch_size, "
                         f"height, width, channels)`, but got input with incorrect rank, of shape "
                         f"{tuple(images.shape)}.")
    out = image_resize.smart_resize(images, size[0], size[1], interpolation)
    return out.numpy() if isinstance(x, np.ndarray) else out
