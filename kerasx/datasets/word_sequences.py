"""What `imdb` and `reuters` share, as tf.keras: their reviews and newswires are lists of word ranks
(1 = most frequent), re-indexed and cut here by `load_data`'s arguments."""
import warnings

import numpy as np  # host-side dataset loading, before anything reaches a backend

from kerasx.preprocessing.sequence import remove_long_seq


def check_kwargs(kwargs):
    """tf.keras's old `nb_words` argument (renamed `num_words`); anything else is refused. Returns
    `nb_words` or None."""
    nb_words = kwargs.pop("nb_words", None)
    if nb_words is not None:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed `num_words`.", stacklevel=3)
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {str(kwargs)}.")
    return nb_words


def shuffled(rng, xs, labels):
    """`xs` and `labels` in the order of one `rng.shuffle` of their indices."""
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    return xs[indices], labels[indices]


def reindex(xs, start_char, index_from):
    """Every word `w` as `w + index_from`, each sequence led by `start_char` unless that is None."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def cut_vocabulary(xs, num_words, skip_top, oov_char):
    """Words outside `[skip_top, num_words)` become `oov_char`, or are dropped when it is None;
    `num_words` None (or 0) keeps up to the largest index."""
    if not num_words:
        num_words = max(max(x) for x in xs if len(x)) if any(len(x) for x in xs) else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def as_object_array(xs):
    """A 1-D object array of lists (tf.keras's `np.array(xs, dtype='object')`, which makes a 2-D array
    of numbers instead when every list has the same length)."""
    out = np.empty(len(xs), dtype=object)
    out[:] = xs
    return out


def drop_long(maxlen, xs, labels):
    """The sequences shorter than `maxlen` (None or 0: all) and their labels."""
    if not maxlen:
        return xs, labels
    return remove_long_seq(maxlen, xs, labels)
