"""The functional losses, as tf.keras 2.x writes them: each returns one value per sample (the last axis
reduced) and takes `y_true`, `y_pred` as Tensors, NumPy arrays or lists.

`y_true` is cast to `y_pred`'s dtype first, so float64 NumPy labels never turn a float32 loss float64.
Probabilities are clipped to ``[epsilon, 1 - epsilon]`` with `K.epsilon()`, exactly where tf.keras's
backend clips them; `from_logits=True` takes the fused, stable logits ops instead.
"""
import math
import warnings

from backends.config import epsilon, floatx
from kerasx import ops
from kerasx.losses.utils import cast_like, check_class_indices, labels_to_tensor, to_tensor

_LOG_2 = math.log(2.0)


def cast_pair(y_true, y_pred):
    y_pred = to_tensor(y_pred)
    return cast_like(y_true, y_pred), y_pred


def _mean_last(x):
    return ops.mean(x, axis=-1)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    return _mean_last(ops.square(ops.subtract(y_pred, y_true)))


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    return _mean_last(ops.abs(ops.subtract(y_pred, y_true)))


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), epsilon())))
    return ops.multiply(100.0, _mean_last(diff))


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    first = ops.log(ops.add(ops.maximum(y_pred, epsilon()), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, epsilon()), 1.0))
    return _mean_last(ops.square(ops.subtract(first, second)))


def check_same_shape(y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"Shapes {y_true.shape} and {y_pred.shape} are incompatible")


def clip_probabilities(p):
    eps = epsilon()
    return ops.clip_by_value(p, eps, 1.0 - eps)


def logits_of(output, from_logits, loss_name, activation):
    """``(output, from_logits)``, switched to the logits when `output` came out of a softmax or sigmoid
    activation, as tf.keras 2.x's backend does (and with its warning when from_logits was already set)."""
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f'"`{loss_name}` received `from_logits=True`, but the `output` argument was '
                      f"produced by a {activation} activation and thus does not represent logits. Was "
                      "this intended?", stacklevel=3)
    return logits, True


def elementwise_binary_crossentropy(target, output, from_logits=False):
    """Keras's `K.binary_crossentropy`: one value per element, nothing averaged."""
    output, from_logits = logits_of(output, from_logits, "binary_crossentropy", "Sigmoid")
    target, output = cast_pair(target, output)
    if from_logits:
        return ops.sigmoid_cross_entropy_with_logits(target, output)
    # tf.keras adds epsilon inside the logs on top of the clip; kept for identical values.
    eps = epsilon()
    p = clip_probabilities(output)
    bce = ops.multiply(target, ops.log(ops.add(p, eps)))
    bce = ops.add(bce, ops.multiply(ops.subtract(1.0, target), ops.log(ops.add(ops.subtract(1.0, p), eps))))
    return ops.negative(bce)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = cast_pair(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), 0.5 * ls)
    return ops.mean(elementwise_binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred, from_logits = logits_of(y_pred, from_logits, "categorical_crossentropy", "Softmax")
    y_true, y_pred = cast_pair(y_true, y_pred)
    check_same_shape(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        # tf.keras counts the classes on the last axis whatever `axis` is.
        num_classes = float(y_true.shape[-1])
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), ls / num_classes)
    if from_logits:
        return ops.softmax_cross_entropy_with_logits(y_pred, y_true, axis=axis)
    p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    return ops.negative(ops.sum(ops.multiply(y_true, ops.log(clip_probabilities(p))), axis=axis))


def _check_not_one_hot(loss_name, labels, predictions, axis):
    """One-hot targets have the predictions' shape; sparse ones have one entry per prediction row."""
    classes = predictions.shape[axis]
    if labels.shape == predictions.shape and classes > 1:
        rows = predictions.shape[:axis] + predictions.shape[axis + 1:]
        raise ValueError(
            f"{loss_name} expects integer class indices as labels, of shape {rows} or {rows + (1,)}, "
            f"but received labels of shape {labels.shape}, the shape of the predictions: they look "
            f"one-hot encoded. Use categorical_crossentropy for one-hot labels, or pass the class "
            f"indices (their argmax).")


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    name = "sparse_categorical_crossentropy"
    y_pred, from_logits = logits_of(y_pred, from_logits, name, "Softmax")
    y_pred = to_tensor(y_pred)
    y_true = labels_to_tensor(y_true)
    rank = y_pred.ndim
    axis %= rank
    _check_not_one_hot(name, y_true, y_pred, axis)
    check_class_indices(name, y_true, y_pred.shape[axis])
    logits = y_pred if from_logits else ops.log(clip_probabilities(y_pred))
    if axis != rank - 1:
        perm = tuple(range(axis)) + tuple(range(axis + 1, rank)) + (axis,)
        logits = ops.transpose(logits, axes=perm)
    labels = ops.cast(y_true, dtype="int64")
    out_shape = logits.shape
    reshaped = labels.ndim != rank - 1
    if reshaped:
        labels = ops.reshape(labels, shape=(-1,))
        logits = ops.reshape(logits, shape=(-1, out_shape[-1]))
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            "`labels.shape` must equal `logits.shape` except for the last dimension. Received: "
            f"labels.shape={tuple(y_true.shape)} and logits.shape={tuple(y_pred.shape)}")
    res = ops.sparse_softmax_cross_entropy_with_logits(logits, labels)
    if reshaped and rank >= 3:
        return ops.reshape(res, shape=out_shape[:-1])
    return res


def _maybe_convert_labels(y_true):
    """0/1 labels become -1/1, decided on the device (tf.keras's smart_cond) so nothing syncs."""
    is_01 = ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0))
    all_01 = ops.equal(ops.min(ops.cast(is_01, dtype=y_true.dtype)), 1.0)
    return ops.where(all_01, ops.subtract(ops.multiply(2.0, y_true), 1.0), y_true)


def hinge(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return _mean_last(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0))


def squared_hinge(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return _mean_last(ops.square(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)))


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    eps = epsilon()
    y_true = ops.clip_by_value(y_true, eps, 1.0)
    y_pred = ops.clip_by_value(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    return _mean_last(ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, epsilon())))))


def log_cosh(y_true, y_pred):
    y_true, y_pred = cast_pair(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    # log(cosh(x)) = x + softplus(-2x) - log 2: never overflows, unlike cosh itself.
    return _mean_last(ops.subtract(ops.add(x, ops.softplus(ops.multiply(-2.0, x))), _LOG_2))


def huber(y_true, y_pred, delta=1.0):
    # tf.keras computes Huber in floatx whatever the inputs are.
    y_pred = to_tensor(y_pred, floatx())
    y_true = to_tensor(y_true, floatx())
    delta = float(delta)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(0.5, ops.square(error))
    linear = ops.subtract(ops.multiply(delta, abs_error), 0.5 * delta * delta)
    return _mean_last(ops.where(ops.less_equal(abs_error, delta), quadratic, linear))


def l2_normalize(x, axis=-1):
    """`x / sqrt(max(sum(x^2), 1e-12))` along `axis`, as tf.math.l2_normalize."""
    sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(sq, 1e-12)))


def cosine_similarity(y_true, y_pred, axis=-1):
    """The loss: minus the cosine similarity, so that minimising it aligns the vectors."""
    y_true, y_pred = cast_pair(y_true, y_pred)
    return ops.negative(ops.sum(ops.multiply(l2_normalize(y_true, axis), l2_normalize(y_pred, axis)),
                                axis=axis))


# The aliases tf.keras.losses exports.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber
