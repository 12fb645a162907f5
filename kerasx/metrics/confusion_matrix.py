"""The one home of the confusion-matrix counting every thresholded metric shares (tf.keras's
`metrics_utils.update_confusion_matrix_variables`): true/false positives/negatives of predictions
above each threshold, weighted, accumulated on the device.

A prediction counts as positive at a threshold when it is strictly greater than it, as tf.keras; a label
is positive when it is non-zero. The counts are one kernel (`ops.threshold_counts`: each prediction's
bucket among the sorted thresholds, the (positive, negative) label weights summed per bucket, a
cumulative sum from the top), so a batch costs a few kernels and O(N log T) work whatever the number of
thresholds T, and nothing is read back to the host.
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


class DeviceThresholds:
    """The thresholds on the device, copied once: ascending (the counting kernel's order), with the
    indices that put the counts back in the given order when that order was not ascending."""

    def __init__(self, thresholds, dtype):
        values = [float(t) for t in thresholds]
        order = sorted(range(len(values)), key=values.__getitem__)
        self.ascending = as_tensor([values[i] for i in order], dtype=dtype)
        if order == list(range(len(values))):
            self.restore = None
        else:
            inverse = [0] * len(order)
            for position, i in enumerate(order):
                inverse[i] = position
            self.restore = as_tensor(inverse, dtype="int32")


def device_thresholds(thresholds, dtype):
    """The thresholds as the counting kernel takes them (`DeviceThresholds`), made once per metric."""
    return DeviceThresholds(thresholds, dtype)


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


def confusion_counts(metric_name, y_true, y_pred, thresholds, sample_weight=None, *, dtype,
                     wanted=COUNT_NAMES, multi_label=False, label_weights=None, top_k=None, class_id=None):
    """The `wanted` counts of one batch at `thresholds` (a `DeviceThresholds`), a dict name -> Tensor of
    shape (T,), or (T, L) with `multi_label` (L the predictions' last axis; one count per label).

    `label_weights` (a (L,) Tensor) multiplies the weights of each label's predictions; with
    `multi_label` tf.keras applies them to the per-label results instead, so the caller does."""
    y_true, y_pred, sample_weight = _prepared(metric_name, y_true, y_pred, sample_weight, dtype, top_k,
                                              class_id)
    weights = sample_weight
    if label_weights is not None and not multi_label:
        lw = ops.broadcast_to(label_weights, shape=y_pred.shape)
        weights = lw if weights is None else ops.multiply(weights, lw)
    # One sample per prediction, or (multi_label) per row, with one count per label.
    shape = (-1, y_pred.shape[-1]) if multi_label else (-1,)
    counts = ops.threshold_counts(ops.reshape(y_pred, shape=shape), ops.reshape(y_true, shape=shape),
                                  1.0 if weights is None else ops.reshape(weights, shape=shape),
                                  thresholds.ascending)
    counts = dict(zip(COUNT_NAMES, counts))
    if thresholds.restore is None:
        return {name: counts[name] for name in wanted}
    return {name: ops.take(counts[name], thresholds.restore, axis=0) for name in wanted}


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
