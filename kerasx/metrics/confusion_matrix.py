"""The one home of the confusion-matrix counting every thresholded metric shares (tf.keras's
`metrics_utils.update_confusion_matrix_variables`): true/false positives/negatives of predictions
above each threshold, weighted, accumulated on the device.

A prediction counts as positive at a threshold when it is strictly greater than it, as tf.keras; a label
is positive when it is non-zero. The counts are one broadcast compare of the predictions against a
column of thresholds and one matmul against the (positive, negative) label weights, so a batch costs a
few kernels whatever the number of thresholds, and nothing is read back to the host.
"""
import numbers

from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.losses.utils import broadcast_shape, squeeze_or_expand_dimensions, to_tensor

NEG_INF = -1e10
COUNT_NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """`thresholds` (None, a number or a list) as a list of floats in [0, 1]."""
    if thresholds is None:
        return [default_threshold]
    values = [thresholds] if isinstance(thresholds, (int, float)) else list(thresholds)
    for t in values:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return [float(t) for t in values]


def check_num_thresholds(num_thresholds, above):
    """tf.keras's check: `num_thresholds` an integer > `above` (1 for AUC, 0 for the *At* metrics)."""
    if (not isinstance(num_thresholds, numbers.Integral) or isinstance(num_thresholds, bool)
            or num_thresholds <= above):
        raise ValueError(f"Argument `num_thresholds` must be an integer > {above}. "
                         f"Received: num_thresholds={num_thresholds}")
    return int(num_thresholds)


def evenly_spaced_thresholds(num_thresholds):
    """The `num_thresholds - 2` inner thresholds tf.keras spaces evenly in (0, 1): i / (n - 1)."""
    return [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]


def thresholds_column(thresholds, dtype):
    """One device copy of the thresholds, made once, shaped (T, 1) against a row of predictions."""
    return as_tensor([[float(t)] for t in thresholds], dtype=dtype)


def filter_top_k(x, k):
    """Keeps the `k` largest entries of each row (last axis) and sets the others to -1e10.

    Ranks are counted on the device (entries strictly larger than each one), so values tied with the
    k-th largest are all kept, where tf's `top_k` would keep the lower-index ones only."""
    larger = ops.greater(ops.expand_dims(x, -2), ops.expand_dims(x, -1))
    rank = ops.sum(ops.cast(larger, dtype="int32"), axis=-1)
    return ops.where(ops.less(rank, int(k)), x, NEG_INF)


def _prepared(metric_name, y_true, y_pred, sample_weight, dtype, top_k, class_id):
    """Labels, predictions and weights (or None) as Tensors of `dtype`, all of the predictions' shape."""
    y_true = to_tensor(y_true, dtype)
    y_pred = to_tensor(y_pred, dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype)
        given_shape = sample_weight.shape
        y_pred, y_true, sample_weight = squeeze_or_expand_dimensions(y_pred, y_true, sample_weight)
    else:
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"Shapes {y_true.shape} and {y_pred.shape} are incompatible")
    if sample_weight is not None and broadcast_shape(sample_weight.shape, y_pred.shape) != y_pred.shape:
        raise ValueError(
            f"Metric {metric_name!r}: sample_weight of shape {given_shape} cannot be "
            f"broadcast to the predictions of shape {y_pred.shape}.")
    if sample_weight is not None:
        # Broadcast before `class_id` picks a column, so (N,) or (N, 1) weights weigh that column's rows.
        sample_weight = ops.broadcast_to(sample_weight, shape=y_pred.shape)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
        if sample_weight is not None:
            sample_weight = sample_weight[..., class_id]
    return y_true, y_pred, sample_weight


def confusion_counts(metric_name, y_true, y_pred, thresholds_col, sample_weight=None, *, dtype,
                     wanted=COUNT_NAMES, multi_label=False, label_weights=None, top_k=None, class_id=None):
    """The `wanted` counts of one batch, a dict name -> Tensor of shape (T,), or (T, L) with
    `multi_label` (L the predictions' last axis; one count per label).

    `label_weights` (a (L,) Tensor) multiplies the weights of each label's predictions; with
    `multi_label` tf.keras applies them to the per-label results instead, so the caller does."""
    y_true, y_pred, sample_weight = _prepared(metric_name, y_true, y_pred, sample_weight, dtype, top_k,
                                              class_id)
    labels = ops.cast(ops.not_equal(y_true, 0.0), dtype=dtype)
    weights = sample_weight
    if label_weights is not None and not multi_label:
        lw = ops.broadcast_to(label_weights, shape=y_pred.shape)
        weights = lw if weights is None else ops.multiply(weights, lw)
    positives = labels if weights is None else ops.multiply(labels, weights)
    negatives = ops.subtract(1.0, labels) if weights is None else ops.multiply(ops.subtract(1.0, labels),
                                                                                 weights)
    if multi_label:
        return _multi_label_counts(y_pred, positives, negatives, thresholds_col, wanted)
    preds = ops.reshape(y_pred, shape=(1, -1))
    above = ops.cast(ops.greater(preds, thresholds_col), dtype=dtype)          # (T, M)
    by_label = ops.stack([ops.reshape(positives, shape=(-1,)), ops.reshape(negatives, shape=(-1,))],
                         axis=1)                                                # (M, 2)
    above_counts = ops.matmul(above, by_label)                                  # (T, 2): tp, fp
    tp, fp = above_counts[:, 0], above_counts[:, 1]
    out = {"true_positives": tp, "false_positives": fp}
    if "false_negatives" in wanted:
        out["false_negatives"] = ops.subtract(ops.sum(positives), tp)
    if "true_negatives" in wanted:
        out["true_negatives"] = ops.subtract(ops.sum(negatives), fp)
    return {name: out[name] for name in wanted}


def _multi_label_counts(y_pred, positives, negatives, thresholds_col, wanted):
    labels_axis = y_pred.shape[-1]
    preds = ops.reshape(y_pred, shape=(1, -1, labels_axis))                     # (1, N, L)
    thresholds = ops.expand_dims(thresholds_col, -1)                           # (T, 1, 1)
    above = ops.cast(ops.greater(preds, thresholds), dtype=y_pred.dtype)       # (T, N, L)
    positives = ops.reshape(positives, shape=(1, -1, labels_axis))
    negatives = ops.reshape(negatives, shape=(1, -1, labels_axis))
    tp = ops.sum(ops.multiply(above, positives), axis=1)
    fp = ops.sum(ops.multiply(above, negatives), axis=1)
    out = {"true_positives": tp, "false_positives": fp}
    if "false_negatives" in wanted:
        out["false_negatives"] = ops.subtract(ops.sum(positives, axis=1), tp)
    if "true_negatives" in wanted:
        out["true_negatives"] = ops.subtract(ops.sum(negatives, axis=1), fp)
    return {name: out[name] for name in wanted}


def add_count_weights(metric, names, shape):
    """The metric's state: one zero-initialised Variable per count name, set as the attribute of that
    name (tf.keras's `true_positives`, ...) and returned as a dict name -> Variable for `accumulate`."""
    counts = {}
    for name in names:
        var = metric.add_weight(name, shape=shape, initializer="zeros")
        setattr(metric, name, var)
        counts[name] = var
    return counts


def accumulate(variables, counts):
    """Adds each count to the state Variable of the same name (a dict name -> Variable)."""
    for name, value in counts.items():
        variables[name].assign_add(value)
