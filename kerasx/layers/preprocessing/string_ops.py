"""Host-side string handling of the preprocessing layers, as TensorFlow's string ops do it.

kerasx keeps strings as host NumPy arrays (`engine/string_inputs.py`); here they are object arrays of
Python `str` (bytes are decoded as UTF-8). What TensorFlow does byte-wise is kept: `lower` changes ASCII
letters only (`tf.strings.lower`), whitespace splitting splits on ASCII whitespace (`tf.strings.split`),
punctuation is stripped with tf.keras's own regex.
"""
import re

import numpy as np  # host-side: strings never reach a device; they are converted and split on the host

from kerasx.autodiff.tensor import Tensor

# tf.keras's DEFAULT_STRIP_REGEX (text_vectorization.py); RE2 and Python's `re` read it alike.
DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
_STRIP = re.compile(DEFAULT_STRIP_REGEX)
_ASCII_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def map_strings(fn, a):
    """`fn` applied to each entry of the host array `a`, as an object array of `a`'s shape (0-d too)."""
    return np.asarray(np.frompyfunc(fn, 1, 1)(a), dtype=object)


def host_array(x):
    """`x` (a Tensor, NumPy array, nested list, number or string) as a host NumPy array; strings as an
    object array of `str`. A Tensor is read back (one explicit device-to-host copy)."""
    if isinstance(x, Tensor):
        return x.numpy()
    a = np.asarray(x)
    if a.dtype.kind == "U":
        return a.astype(object)
    if a.dtype.kind == "S":
        return map_strings(_text, a)
    if a.dtype.kind == "O" and bytes in set(map(type, a.ravel().tolist())):
        return map_strings(_text, a)  # one C-level pass finds bytes; only then is each entry decoded
    return a
    return a


def is_strings(a):
    return a.dtype.kind == "O" or a.dtype.kind in "US"


def as_strings(a):
    """`tf.as_string` of an integer host array (decimal), or the strings of a string array."""
    if is_strings(a):
        return a
    if a.dtype.kind not in "iub":
        raise TypeError(f"expected strings or integers, received an array of dtype {a.dtype}")
    return np.array([str(int(v)) for v in a.ravel().tolist()], dtype=object).reshape(a.shape)


def string_array(values):
    """A 1-D object array of `str` from a list of strings (np.array would make fixed-width `<U`)."""
    out = np.empty(len(values), dtype=object)
    out[:] = [_text(v) for v in values]
    return out


def lower(a):
    return map_strings(lambda s: s.translate(_ASCII_LOWER), a)


def strip_punctuation(a):
    return map_strings(lambda s: _STRIP.sub("", s), a)


def split_whitespace(s):
    return [t for t in _ASCII_WHITESPACE.split(s) if t]


def split_characters(s):
    return list(s)  # code points, as tf.strings.unicode_split(s, "UTF-8")


def ngrams(tokens, widths):
    """`tf.strings.ngrams(tokens, widths, separator=" ")` of one token list: every width's n-grams, in
    the order of `widths`."""
    out = []
    for n in widths:
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


def fit_length(indices, length):
    """The host index array `indices` cut or padded with 0 on its last axis to `length` (tf.keras's
    `output_sequence_length` on an unsplit input)."""
    if length is None or indices.ndim < 2:
        return indices
    cut = indices[..., :length]
    pad = [(0, 0)] * (cut.ndim - 1) + [(0, length - cut.shape[-1])]
    return np.pad(cut, pad)


def tokenize(strings, split, batch_split, widths, length):
    """The token rows of the host string array `strings` (rank 0, 1, or (..., 1)) as a string array of
    shape `strings.shape[:-1 if (..., 1)] + (width,)`, padded with '' and cut to `length` (None: the
    longest row). `split` splits one string; else `batch_split` takes the 1-D array of strings and
    returns one token list per string. `widths`: the n-gram widths, or None."""
    if strings.ndim > 1:
        strings = strings.reshape(strings.shape[:-1])
    flat = strings.reshape(-1)
    if split is not None:
        rows = [split(s) for s in flat.tolist()]
    else:
        rows = [list(host_array(r).tolist()) for r in batch_split(flat)]
    if widths is not None:
        rows = [ngrams(r, widths) for r in rows]
    width = max((len(r) for r in rows), default=0) if length is None else length
    out = np.full((len(rows), width), "", dtype=object)
    for i, r in enumerate(rows):
        r = r[:width]
        out[i, :len(r)] = r
    return out.reshape(strings.shape + (width,))
