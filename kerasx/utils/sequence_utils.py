"""`pad_sequences`: a list of variable-length sequences as one padded array, as
`tf.keras.utils.pad_sequences` (also `keras.preprocessing.sequence.pad_sequences`)."""
import numpy as np  # host-side: user sequences become one NumPy array before anything reaches a device

_CHOICES = ("pre", "post")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pads sequences to the same length.

    Turns a list of `num_samples` sequences (lists of integers, or of equal-shaped items) into an array
    of shape `(num_samples, maxlen) + item_shape`, `maxlen` being the longest sequence's length unless
    given. Shorter sequences are padded with `value` and longer ones cut to `maxlen`, at the start
    ('pre', the default) or the end ('post') according to `padding` and `truncating`.

    Args:
        sequences: a list of sequences (each a list or array).
        maxlen: the length of every sequence in the result; None for the longest one's.
        dtype: the result's dtype (default 'int32'); `object` or a string dtype for string items.
        padding: 'pre' or 'post': pad before or after each sequence.
        truncating: 'pre' or 'post': drop values from the start or the end of sequences longer than
            `maxlen`.
        value: the padding value (default 0.).

    Raises:
        ValueError: for an invalid `padding` or `truncating`, a string `value` with a non-string
            `dtype`, a non-iterable entry, or an entry whose items' shape differs from the first's.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    # Checked before any work, where tf.keras finds a bad one only at the first non-empty sequence.
    if padding not in _CHOICES:
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in _CHOICES:
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, sample_shape, found = [], (), False
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x}") from e
        if not found and len(x):
            sample_shape, found = np.asarray(x).shape[1:], True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_dtype_str = np.issubdtype(dtype, np.str_)
    if isinstance(value, str) and dtype != object and not is_dtype_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    x = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} is "
                             f"different from expected shape {sample_shape}")
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x
