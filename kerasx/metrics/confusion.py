"""Precision, Recall and the four confusion counts (TruePositives, ...), per threshold, accumulated on
the device through `confusion_matrix.confusion_counts`."""
from kerasx import ops
from kerasx.metrics.base import Metric, divide_no_nan
from kerasx.metrics.confusion_matrix import (NEG_INF, accumulate, add_count_weights, confusion_counts,
                                             parse_init_thresholds, device_thresholds)


class _ThresholdedMetric(Metric):
    """A metric whose state is some confusion counts at each of `thresholds` (default 0.5)."""

    _COUNTS = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        self._device_thresholds = device_thresholds(self.thresholds, self._dtype)
        self._counts = add_count_weights(self, self._COUNTS, (len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        accumulate(self._counts, confusion_counts(
            self.name, y_true, y_pred, self._device_thresholds, sample_weight, dtype=self._dtype,
            wanted=self._COUNTS, top_k=self.top_k, class_id=self.class_id))

    def _result_of(self, values):
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id})
        return config


class Precision(_ThresholdedMetric):
    """true_positives / (true_positives + false_positives), predicting positive above each threshold."""

    _COUNTS = ("true_positives", "false_positives")

    def result(self):
        tp = self.true_positives
        return self._result_of(divide_no_nan(tp, ops.add(tp, self.false_positives)))


class Recall(_ThresholdedMetric):
    """true_positives / (true_positives + false_negatives), predicting positive above each threshold."""

    _COUNTS = ("true_positives", "false_negatives")

    def result(self):
        tp = self.true_positives
        return self._result_of(divide_no_nan(tp, ops.add(tp, self.false_negatives)))


class _ConfusionMatrixConditionCount(_ThresholdedMetric):
    """One confusion count per threshold in a state Variable named `accumulator`, as tf.keras."""

    _CONDITION = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),), initializer="zeros")
        self._counts = {self._CONDITION: self.accumulator}

    def update_state(self, y_true, y_pred, sample_weight=None):
        accumulate(self._counts, confusion_counts(
            self.name, y_true, y_pred, self._device_thresholds, sample_weight, dtype=self._dtype,
            wanted=(self._CONDITION,)))

    def result(self):
        return self._result_of(self.accumulator.read_value())

    def get_config(self):
        config = Metric.get_config(self)
        config["thresholds"] = self.init_thresholds
        return config


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positive labels predicted above each threshold."""
    _CONDITION = "true_positives"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negative labels predicted above each threshold."""
    _CONDITION = "false_positives"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negative labels predicted at or below each threshold."""
    _CONDITION = "true_negatives"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positive labels predicted at or below each threshold."""
    _CONDITION = "false_negatives"
