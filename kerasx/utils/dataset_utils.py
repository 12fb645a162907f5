"""`split_dataset`: one dataset (or arrays) as two `kerasx.data.Dataset`s, as
`tf.keras.utils.split_dataset`, for small in-memory data."""
import random

import numpy as np  # host-side: the samples are gathered and stacked on the host before the split

from kerasx.autodiff.nest import flatten, pack_sequence_as
from kerasx.data.dataset import Dataset


def _kind(dataset):
    for kind in (Dataset, list, tuple, np.ndarray):
        if isinstance(dataset, kind):
            return kind
    raise TypeError("The `dataset` argument must be either a `tf.data.Dataset` object or a list/tuple of "
                    f"arrays. Received: dataset={dataset} of type {type(dataset)}")


def _samples(dataset, kind):
    """The samples, one structure each: an array row, a tuple of rows, or a dataset element."""
    if kind in (list, tuple):
        what = "list" if kind is list else "tuple"
        if not dataset:
            raise ValueError(f"Received an empty {what} dataset. Please provide a non-empty {what} of arrays.")
        if not isinstance(dataset[0], np.ndarray):
            raise ValueError(f"Expected a {what} of `numpy.ndarray` objects, Received: {type(dataset[0])}")
        n = dataset[0].shape[0]
        for i, element in enumerate(dataset):
            if np.shape(element)[0] != n:
                raise ValueError(f"Received a {what} of NumPy arrays with different lengths. Mismatch found at "
                                 f"index {i}, Expected shape={dataset[0].shape} Received shape="
                                 f"{np.shape(element)}. Please provide a {what} of NumPy arrays with the "
                                 "same length.")
        samples = [tuple(np.asarray(a)[i] for a in dataset) for i in range(n)]
    elif kind is np.ndarray:
        samples = list(dataset)
    else:
        if _batch_size(dataset) is not None:
            dataset = dataset.unbatch()
        samples = list(dataset.as_numpy_iterator())
    if not samples:
        raise ValueError("Received an empty Dataset. `dataset` must be a non-empty list/tuple of "
                         "`numpy.ndarray` objects or `tf.data.Dataset` objects.")
    return samples


def _batch_size(dataset):
    """The batch size when the dataset's last transformation is `batch` (tf.keras's test), else None."""
    return getattr(dataset, "_batch_size", None)


def _stack(samples):
    """The samples' structure with each component stacked along a new first axis."""
    columns = zip(*(flatten(s) for s in samples))
    return pack_sequence_as(samples[0], [np.stack(column) for column in columns])


def _check_size(name, size, total):
    if size is None:
        return
    if type(size) not in (int, float):
        raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                        f"type({name})={type(size)}.")
    if (type(size) is int and not 0 < size < total) or (type(size) is float and not 0 < size < 1):
        raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, or a float "
                         f"within the range `[0, 1]`. Received: {name}={size}")


def _split_sizes(left_size, right_size, total):
    """tf.keras's `_rescale_dataset_split_sizes`: fractions become counts (rounded), a missing side takes
    the rest, and neither side may be empty."""
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split sizes must be "
                         "non-zero.")
    _check_size("left_size", left_size, total)
    _check_size("right_size", right_size, total)
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or "
                         "equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError("The sum of `left_size` and `right_size` should be at most the dataset's length "
                         f"{total}. Received: left_size + right_size = {left + right}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}. "
                             f"Resulting {side} side dataset split will be empty. Adjust any of the "
                             "aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Splits a dataset into a left and a right half.

    Args:
        dataset: a `kerasx.data.Dataset` (a batched one is unbatched, and both halves are batched
            again with its batch size), a NumPy array, or a list/tuple of NumPy arrays of one length.
        left_size: the left half's size: a float in (0, 1) is a fraction of the samples (rounded), an
            int a count; None is what `right_size` leaves.
        right_size: likewise for the right half, which is taken from the end.
        shuffle: whether to shuffle the samples first (with Python's `random`, seeded with `seed`, as
            tf.keras).
        seed: the shuffle's seed (None: a random one).

    Returns:
        `(left, right)`, two `kerasx.data.Dataset`s whose elements keep the input's structure.
    """
    kind = _kind(dataset)
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. Received: "
                         "left_size=None and right_size=None")
    samples = _samples(dataset, kind)
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.seed(seed)
        random.shuffle(samples)
    left_size, right_size = _split_sizes(left_size, right_size, len(samples))
    left = Dataset.from_tensor_slices(_stack(samples[:left_size]))
    right = Dataset.from_tensor_slices(_stack(samples[-right_size:]))
    batch_size = _batch_size(dataset) if kind is Dataset else None
    if batch_size is not None:
        left, right = left.batch(batch_size), right.batch(batch_size)
    return left, right
