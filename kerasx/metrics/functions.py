"""Functional metrics (one value per sample), as tf.keras 2.x: the accuracies and top-k accuracies,
plus the loss functions that `keras.metrics` re-exports under the same names."""
from backends.config import floatx
from kerasx import ops
from kerasx.losses.functions import (binary_crossentropy, categorical_crossentropy, categorical_hinge,  # noqa: F401
                                     hinge, kl_divergence, kld, kullback_leibler_divergence, log_cosh,
                                     logcosh, mae, mape, mean_absolute_error,
                                     mean_absolute_percentage_error, mean_squared_error,
                                     mean_squared_logarithmic_error, mse, msle, poisson,
                                     sparse_categorical_crossentropy, squared_hinge, l2_normalize)
from kerasx.losses.focal import binary_focal_crossentropy, categorical_focal_crossentropy  # noqa: F401
from kerasx.losses.utils import cast_like, to_tensor


def _matches(a, b):
    return ops.cast(ops.equal(a, b), dtype=floatx())


def accuracy(y_true, y_pred):
    """1 where `y_pred` equals `y_true` exactly, else 0 (elementwise)."""
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"Shapes {y_true.shape} and {y_pred.shape} are incompatible")
    if y_true.dtype != y_pred.dtype:
        y_pred = ops.cast(y_pred, dtype=y_true.dtype)
    return _matches(y_true, y_pred)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The share of entries on the last axis where `y_pred > threshold` agrees with `y_true`."""
    y_pred = to_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    y_pred = ops.cast(ops.greater(y_pred, float(threshold)), dtype=y_pred.dtype)
    return ops.mean(_matches(y_true, y_pred), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1 where the arg-max class of `y_pred` is that of one-hot `y_true`."""
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    return _matches(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1))


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the arg-max class of `y_pred` equals the integer label `y_true` ((N,) or (N, 1))."""
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    if y_true.ndim == y_pred.ndim:
        y_true = ops.squeeze(y_true, -1)
    predicted = ops.argmax(y_pred, axis=-1)
    if predicted.dtype != y_true.dtype:
        predicted = ops.cast(predicted, dtype=y_true.dtype)
    return _matches(y_true, predicted)


def in_top_k(predictions, targets, k):
    """tf.math.in_top_k: whether each row's target class is among its `k` largest predictions. As tf,
    classes tied with the k-th value all count as inside, and a target outside the classes is not."""
    predictions = to_tensor(predictions)
    classes = predictions.shape[-1]
    targets = ops.cast(targets, dtype="int64")
    onehot = ops.one_hot(targets, depth=classes, dtype=predictions.dtype)
    target_value = ops.sum(ops.multiply(predictions, onehot), axis=-1, keepdims=True)
    above = ops.sum(ops.cast(ops.greater(predictions, target_value), dtype="int32"), axis=-1)
    # one_hot of an out-of-range target is all zeros: without this, k >= classes would count it in.
    in_range = ops.logical_and(ops.greater_equal(targets, 0), ops.less(targets, classes))
    return ops.logical_and(ops.less(above, int(k)), in_range)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer label is among the `k` largest predictions; shaped like `y_true`."""
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    true_shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = ops.reshape(y_pred, shape=(-1, y_pred.shape[-1]))
    if y_true.ndim > 1:
        y_true = ops.reshape(y_true, shape=(-1,))
    matches = ops.cast(in_top_k(y_pred, y_true, k), dtype=floatx())
    if len(true_shape) > 1:
        matches = ops.reshape(matches, shape=true_shape)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the arg-max class of one-hot `y_true` is among the `k` largest predictions."""
    y_true = to_tensor(y_true)
    return sparse_top_k_categorical_accuracy(ops.argmax(y_true, axis=-1), y_pred, k=k)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine similarity itself (the loss of the same name is its negative)."""
    y_pred = to_tensor(y_pred)
    y_true = cast_like(y_true, y_pred)
    return ops.sum(ops.multiply(l2_normalize(y_true, axis), l2_normalize(y_pred, axis)), axis=axis)


# The aliases tf.keras.metrics exports.
acc = ACC = accuracy
bce = BCE = binary_crossentropy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
KLD = kld
