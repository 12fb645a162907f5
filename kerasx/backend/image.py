"""The `K.` spatial functions of tf.keras 2.x's backend: `resize_images`/`resize_volumes` (integer
factors), `temporal_padding`/`spatial_2d_padding`/`spatial_3d_padding`, and the unshared-weight
`local_conv1d`/`local_conv2d`. channels_first/channels_last as tf.keras; all composed from primitives."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.backend.nn import data_format_of
from kerasx.layers.local import local_conv
from kerasx.layers.reshaping import bilinear_upsample
from kerasx.layers.reshaping import repeat_elements as _repeat_along
from kerasx.ops.conv_utils import normalize_tuple


def _spatial_axes(rank, data_format):
    return tuple(range(2, 2 + rank)) if data_format == "channels_first" else tuple(range(1, 1 + rank))


def _factors(name, factors):
    for f in factors:
        if isinstance(f, bool) or not isinstance(f, int) or f < 1:
            raise ValueError(f"{name}: the resize factors must be positive integers, received {factors}.")
    return tuple(factors)


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """A 4-D ``x`` enlarged by integer factors: 'nearest' repeats rows and columns, 'bilinear' is
    TensorFlow 2's `tf.image.resize` (half-pixel centers)."""
    data_format = data_format_of(data_format)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f'`interpolation` should be one of "nearest", "bilinear". Received: "{interpolation}".')
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"resize_images expects a 4-D input, received shape {tuple(x.shape)}.")
    factors = _factors("resize_images", (height_factor, width_factor))
    if interpolation == "bilinear":
        return bilinear_upsample(x, factors, data_format)
    return _repeat_along(x, factors, _spatial_axes(2, data_format))


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """A 5-D ``x`` enlarged by repeating each voxel along depth, height and width."""
    data_format = data_format_of(data_format)
    x = as_tensor(x)
    if x.ndim != 5:
        raise ValueError(f"resize_volumes expects a 5-D input, received shape {tuple(x.shape)}.")
    factors = _factors("resize_volumes", (depth_factor, height_factor, width_factor))
    return _repeat_along(x, factors, _spatial_axes(3, data_format))


# ------------------------------------------------------------------ zero padding
def _pad(name, x, rank, padding, data_format):
    x = as_tensor(x)
    if x.ndim != rank + 2:
        raise ValueError(f"{name} expects an input of rank {rank + 2}, received shape {tuple(x.shape)}.")
    if len(padding) != rank:
        raise ValueError(f"{name}: `padding` needs {rank} (before, after) pairs, received {padding}.")
    pads = [(0, 0)] * x.ndim
    for axis, pair in zip(_spatial_axes(rank, data_format), padding):
        pads[axis] = normalize_tuple(pair, 2, "padding", allow_zero=True)
    return ops.pad(x, paddings=tuple(pads))


def temporal_padding(x, padding=(1, 1)):
    """Zeros added before and after the time axis of a 3-D ``x``."""
    return _pad("temporal_padding", x, 1, (padding,), "channels_last")


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    return _pad("spatial_2d_padding", x, 2, tuple(padding), data_format_of(data_format))


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    return _pad("spatial_3d_padding", x, 3, tuple(padding), data_format_of(data_format))


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """`local_conv` over one spatial axis; the output length is the kernel's first dimension."""
    kernel = as_tensor(kernel)
    return local_conv(inputs, kernel, normalize_tuple(kernel_size, 1, "kernel_size"),
                      normalize_tuple(strides, 1, "strides"), (kernel.shape[0],), data_format_of(data_format))


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    return local_conv(inputs, kernel, normalize_tuple(kernel_size, 2, "kernel_size"),
                      normalize_tuple(strides, 2, "strides"), tuple(output_shape), data_format_of(data_format))
