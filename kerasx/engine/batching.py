"""Helpers on `(x, y, sample_weight)` data: packing, the validation split, class weights.

`unpack_x_y_sample_weight` / `pack_x_y_sample_weight` are public (as in `tf.keras.utils`) for users who
override `train_step`.
"""
import math

import numpy as np  # host-side input handling: splits user arrays, turns class weights into weights

from backends.config import floatx
from kerasx.autodiff.nest import flatten, map_structure
from kerasx.autodiff.tensor import Tensor


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` from `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`, with None for
    what is missing."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple `fit` iterates over: `x` alone (or `(x,)` when `x` is nested), `(x, y)` or
    `(x, y, sample_weight)`."""
    if y is None:
        if not isinstance(x, (list, tuple, dict)):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def train_validation_split(arrays, validation_split):
    """Splits `(x, y, sample_weight)` into training data and the last `validation_split` of the samples
    (taken before any shuffling), as tf.keras's `validation_split`."""
    flat = flatten(arrays)
    unsplittable = [type(t) for t in flat if not (t is None or isinstance(t, (np.ndarray, Tensor)))]
    if unsplittable:
        raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, found following "
                         f"types in the input: {unsplittable}")
    if all(t is None for t in flat):
        return arrays, arrays
    batch_dim = int(next(t for t in flat if t is not None).shape[0])
    split_at = int(math.floor(batch_dim * (1.0 - validation_split)))
    if split_at == 0 or split_at == batch_dim:
        raise ValueError(
            f"Training data contains {batch_dim} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`. Either "
            "provide more data, or a different value for the `validation_split` argument.")

    def split(start, end):
        return map_structure(lambda t: None if t is None else t[start:end], arrays)
    return split(0, split_at), split(split_at, batch_dim)


def check_class_weight(class_weight):
    """Raises unless `class_weight` is a dict whose keys are the classes 0..n-1, as tf.keras requires."""
    if not isinstance(class_weight, dict):
        raise ValueError("`class_weight` must be a dict mapping class indices (0 to one less than the number "
                         f"of classes) to weights; received a {type(class_weight).__name__}: "
                         f"class_weight={class_weight!r}.")
    class_ids = sorted(class_weight.keys())
    if class_ids != list(range(len(class_ids))):
        raise ValueError("Expected `class_weight` to be a dict with keys from 0 to one less than the number "
                         f"of classes, found {class_weight}")


def class_weight_to_sample_weight(class_weight, y, sample_weight=None):
    """Per-sample weights (host floatx array) from `{class: weight}` and the targets `y`: one-hot
    targets by their argmax, integer targets as they are; multiplied into `sample_weight` if given."""
    check_class_weight(class_weight)
    if isinstance(y, (tuple, list, dict)):
        raise ValueError("`class_weight` is only supported for Models with a single output.")
    y = np.asarray(y)
    if y.ndim > 2:
        raise ValueError("`class_weight` not supported for 3+ dimensional targets.")
    if y.ndim == 2 and y.shape[1] > 1:
        classes = np.argmax(y, axis=1)
    else:
        classes = y.reshape(-1).astype("int64")
    outside = (classes < 0) | (classes >= len(class_weight))
    if outside.any():
        # Indexing the table would raise an IndexError for a class past the end, and silently wrap a
        # negative one round to the last classes.
        missing = int(classes[int(np.argmax(outside))])
        raise ValueError(
            f"`class_weight` has no weight for class {missing}, which the targets `y` contain: expected a "
            f"dict with keys from 0 to one less than the number of classes (0 to {int(classes.max())} at "
            f"least, for these targets), received class_weight={class_weight}.")
    table = np.asarray([class_weight[c] for c in range(len(class_weight))], dtype=floatx())
    weights = table[classes]
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        weights = weights.reshape(weights.shape + (1,) * (sample_weight.ndim - 1))
        weights = (sample_weight * weights.astype(sample_weight.dtype)).astype(floatx())
    return weights
