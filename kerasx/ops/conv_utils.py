"""The Keras-facing argument normalisers of convolutions and pooling (Keras 2's `utils/conv_utils.py`),
with Keras's error messages: `normalize_tuple`, `normalize_padding`, `normalize_data_format`.

One home for the primitives (`ops.conv`'s strides and dilation) and every layer that takes these
arguments (convolutional, transposed, separable, ConvLSTM, pooling, reshaping, noise, Flatten), so it
sits on the ops floor. The length arithmetic they share with the kernels is in `backends.conv_arithmetic`.
"""
from backends.config import image_data_format

_PADDING_ERROR = ('The `padding` argument must be a list/tuple or one of "valid", "same" (or "causal", '
                  'only for `Conv1D). Received: {}')


def normalize_tuple(value, n, name, allow_zero=False):
    """`value` (an int or n ints) as a tuple of n ints, with Keras's message when it is not one."""
    error_msg = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    if isinstance(value, int):
        value_tuple = (value,) * n
    else:
        try:
            value_tuple = tuple(value)
        except TypeError:
            raise ValueError(error_msg) from None
        if len(value_tuple) != n:
            raise ValueError(error_msg)
        for single in value_tuple:
            if isinstance(single, bool) or not isinstance(single, int):
                try:
                    if int(single) != single:
                        raise ValueError
                except (ValueError, TypeError):
                    raise ValueError(f"{error_msg} including element {single} of type "
                                     f"{type(single)}") from None
        value_tuple = tuple(int(v) for v in value_tuple)
    bad = {v for v in value_tuple if (v < 0 if allow_zero else v <= 0)}
    if bad:
        requirement = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{error_msg} including {bad} that does not satisfy the requirement "
                         f"`{requirement}`.")
    return value_tuple


def normalize_padding(value, pooling=False):
    """The `padding` argument in lower case: 'valid', 'same' or 'causal', or explicit pairs passed
    through, as Keras's convolutions take it; with `pooling`, 'valid' or 'same' only (all the pooling
    kernels do), with the same message."""
    if isinstance(value, (list, tuple)) and not pooling:
        return value
    padding = value.lower() if isinstance(value, str) else value
    if padding not in (("valid", "same") if pooling else ("valid", "same", "causal")):
        raise ValueError(_PADDING_ERROR.format(padding))
    return padding


def normalize_data_format(value):
    """'channels_last' or 'channels_first'; None is the configured `image_data_format()`."""
    if value is None:
        value = image_data_format()
    data_format = value.lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError('The `data_format` argument must be one of "channels_first", "channels_last". '
                         f"Received: {value}")
    return data_format
