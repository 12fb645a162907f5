"""Host-side vocabulary tables of the lookup layers: token -> index and index -> token maps over host
arrays, token counting for `adapt`, and vocabulary files (one token a line, as tf.lookup's
TextFileInitializer reads them)."""
import collections
import itertools
import os

import numpy as np  # host-side: vocabularies are Python dicts over host arrays; tokens never reach a device

from kerasx.layers.preprocessing.hash_functions import hash_bucket_fast


def lookup(values, table, default):
    """int64 array of `table[v]` (or `default`) for each entry of the host array `values`."""
    flat = values.ravel().tolist()
    flat = list(map(table.get, flat, itertools.repeat(default, len(flat))))
    return np.array(flat, dtype=np.int64).reshape(values.shape)


def invert(indices, tokens, default, dtype):
    """Array (of `dtype`: object for strings) of `tokens[i]` (or `default`) for each index."""
    flat = [tokens.get(i, default) for i in indices.ravel().tolist()]
    out = np.empty(len(flat), dtype=dtype)
    out[:] = flat
    return out.reshape(indices.shape)


_UNKNOWN = -2  # out of the vocabulary (-1 is the dropped mask of the counting modes)


def lookup_indices(values, index, num_oov_indices, oov_start, owner):
    """IndexLookup's indices of the host array `values`: tokens (and the mask token) by `index`, the
    others as the one OOV index, or hashed (strings, FarmHash) or taken modulo (integers) into
    `num_oov_indices` OOV indices from `oov_start`. Returns `(indices, unknown)`: `unknown` lists the
    out-of-vocabulary values when there is no OOV index (else it is empty)."""
    if num_oov_indices == 1:
        return lookup(values, index, oov_start), []
    indices = lookup(values, index, _UNKNOWN)
    oov = indices == _UNKNOWN
    if num_oov_indices == 0:
        return indices, values[oov].tolist()
    if values.dtype.kind == "O":
        buckets = hash_bucket_fast(values, num_oov_indices, owner)
    else:
        buckets = np.mod(values.astype(np.int64), num_oov_indices)
    return np.where(oov, buckets + oov_start, indices), []


def documents(values):
    """The host array `values` as a list of rows (documents): a scalar or 1-D array is one row."""
    if values.ndim == 0:
        return [[values.item()]]
    if values.ndim == 1:
        return [values.tolist()]
    return values.reshape((values.shape[0], -1)).tolist()


def count(counter, rows):
    """Adds the occurrences of each token of `rows` to `counter`."""
    for row in rows:
        counter.update(row)


def count_documents(counter, rows):
    """Adds, for each token, the number of rows (documents) of `rows` that hold it."""
    for row in rows:
        counter.update(set(row))


def most_frequent(counter, limit):
    """The tokens of `counter` by count, high to low, ties broken by the token, high to low (tf.keras's
    `np.lexsort((tokens, counts))[::-1]`); at most `limit` of them (None: all)."""
    ranked = sorted(counter.items(), key=lambda item: (item[1], item[0]), reverse=True)
    if limit is not None:
        ranked = ranked[:max(limit, 0)]
    return [token for token, _ in ranked]


def repeated(tokens):
    counts = collections.Counter(tokens)
    return [t for t, c in counts.items() if c > 1]


def read_vocabulary_file(path, parse):
    """The tokens of a vocabulary file, one a line (a final newline ends the last line), each passed
    through `parse` (`str`, or `int` for integer vocabularies)."""
    if not os.path.exists(path):
        raise ValueError(f"Vocabulary file {path} does not exist.")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [parse(line) for line in lines]


def idf(document_counts, num_documents):
    """tf.keras's inverse document frequency: log(1 + N / (1 + df)), float64 on the host."""
    df = np.asarray(document_counts, dtype=np.float64)
    return np.log(1.0 + num_documents / (1.0 + df))


def to_list(x):
    """A vocabulary or weights as a Python list (for configs), None unchanged; a path stays a string."""
    if x is None or isinstance(x, str):
        return x
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return list(x)


def token_array(tokens, strings):
    """A vocabulary as a 1-D array: object (of `str`) for strings, int64 for integers."""
    if strings:
        out = np.empty(len(tokens), dtype=object)
        out[:] = tokens
        return out
    return np.asarray(tokens, dtype=np.int64)


def float_array(values, dtype="float64"):
    return np.asarray(values, dtype=dtype)


def mean(values):
    return float(np.mean(values)) if len(values) else 0.0
