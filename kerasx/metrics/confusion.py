"""Precision and Recall: confusion-matrix counts per threshold, accumulated on the device."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.losses.utils import broadcast_shape, squeeze_or_expand_dimensions, to_tensor
from kerasx.metrics.base import Metric, divide_no_nan

NEG_INF = -1e10


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """`thresholds` (None, a number or a list) as a list of floats in [0, 1]."""
    if thresholds is None:
        return [default_threshold]
    values = [thresholds] if isinstance(thresholds, (int, float)) else list(thresholds)
    for t in values:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return [float(t) for t in values]


def filter_top_k(x, k):
    """Keeps the `k` largest entries of each row (last axis) and sets the others to -1e10.

    Ranks are counted on the device (entries strictly larger than each one), so values tied with the
    k-th largest are all kept, where tf's `top_k` would keep the lower-index ones only."""
    larger = ops.greater(ops.expand_dims(x, -2), ops.expand_dims(x, -1))
    rank = ops.sum(ops.cast(larger, dtype="int32"), axis=-1)
    return ops.where(ops.less(rank, int(k)), x, NEG_INF)


class _ConfusionMetric(Metric):
    """Shared by Precision and Recall: counts of predicted positives at each threshold."""

    _COUNTS = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        # One device copy of the thresholds, made once, as a column against the flattened predictions.
        self._thresholds_col = as_tensor([[t] for t in self.thresholds], dtype=self._dtype)
        for count in self._COUNTS:
            setattr(self, count, self.add_weight(count, shape=(len(self.thresholds),), initializer="zeros"))

    def _counts(self, y_true, y_pred, sample_weight):
        """(positive labels, predicted positives per threshold, weights), each a (T, M) or (1, M)
        Tensor of the metric's dtype, M the number of predictions."""
        y_true = to_tensor(y_true, self._dtype)
        y_pred = to_tensor(y_pred, self._dtype)
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, self._dtype)
            given_shape = sample_weight.shape
            y_pred, y_true, sample_weight = squeeze_or_expand_dimensions(y_pred, y_true, sample_weight)
        else:
            y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"Shapes {y_true.shape} and {y_pred.shape} are incompatible")
        if self.top_k is not None:
            y_pred = filter_top_k(y_pred, self.top_k)
        if self.class_id is not None:
            y_true = y_true[..., self.class_id]
            y_pred = y_pred[..., self.class_id]
        labels = ops.reshape(ops.cast(ops.not_equal(y_true, 0.0), dtype=self._dtype), shape=(1, -1))
        preds = ops.reshape(y_pred, shape=(1, -1))
        above = ops.cast(ops.greater(preds, self._thresholds_col), dtype=self._dtype)
        if sample_weight is None:
            weights = 1.0
        else:
            if broadcast_shape(sample_weight.shape, y_pred.shape) != y_pred.shape:
                raise ValueError(
                    f"Metric {self.name!r}: sample_weight of shape {given_shape} cannot be "
                    f"broadcast to the predictions of shape {y_pred.shape}.")
            weights = ops.reshape(ops.broadcast_to(sample_weight, shape=y_pred.shape), shape=(1, -1))
        return labels, above, weights

    def _result_of(self, ratio):
        return ratio[0] if len(self.thresholds) == 1 else ratio

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id})
        return config


class Precision(_ConfusionMetric):
    """true_positives / (true_positives + false_positives), predicting positive above each threshold."""

    _COUNTS = ("true_positives", "false_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, above, weights = self._counts(y_true, y_pred, sample_weight)
        hits = ops.multiply(above, weights)
        self.true_positives.assign_add(ops.sum(ops.multiply(hits, labels), axis=1))
        self.false_positives.assign_add(ops.sum(ops.multiply(hits, ops.subtract(1.0, labels)), axis=1))

    def result(self):
        tp = self.true_positives
        return self._result_of(divide_no_nan(tp, ops.add(tp, self.false_positives)))


class Recall(_ConfusionMetric):
    """true_positives / (true_positives + false_negatives), predicting positive above each threshold."""

    _COUNTS = ("true_positives", "false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, above, weights = self._counts(y_true, y_pred, sample_weight)
        positives = ops.multiply(labels, weights)
        self.true_positives.assign_add(ops.sum(ops.multiply(above, positives), axis=1))
        self.false_negatives.assign_add(ops.sum(ops.multiply(ops.subtract(1.0, above), positives), axis=1))

    def result(self):
        tp = self.true_positives
        return self._result_of(divide_no_nan(tp, ops.add(tp, self.false_negatives)))
