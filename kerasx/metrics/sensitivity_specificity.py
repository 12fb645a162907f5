"""The best value of one rate while another meets a target, over `num_thresholds` thresholds:
`SensitivityAtSpecificity`, `SpecificityAtSensitivity`, `PrecisionAtRecall`, `RecallAtPrecision`.
The confusion counts accumulate on the device (`confusion_matrix.confusion_counts`), as tf.keras."""
import numbers

from kerasx import ops
from kerasx.metrics.base import Metric, divide_no_nan
from kerasx.metrics.confusion_matrix import (COUNT_NAMES, accumulate, add_count_weights, check_num_thresholds,
                                             confusion_counts, evenly_spaced_thresholds, device_thresholds)


class _SensitivitySpecificityBase(Metric):
    """Counts at thresholds 0, 1/(n-1), ..., 1 (or 0.5 alone when `num_thresholds` is 1); `result` is
    the largest `dependent` rate among the thresholds whose `constrained` rate is >= `value`, 0 if none."""

    _VALUE_NAME = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        num_thresholds = check_num_thresholds(num_thresholds, above=0)
        if not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(f"Argument `{self._VALUE_NAME}` must be in the range [0, 1]. "
                             f"Received: {self._VALUE_NAME}={value}")
        super().__init__(name=name, dtype=dtype)
        self.value = float(value)
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            self.thresholds = [0.0] + evenly_spaced_thresholds(num_thresholds) + [1.0]
        self._device_thresholds = device_thresholds(self.thresholds, self._dtype)
        self._counts = add_count_weights(self, COUNT_NAMES, (len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        accumulate(self._counts, confusion_counts(
            self.name, y_true, y_pred, self._device_thresholds, sample_weight, dtype=self._dtype,
            class_id=self.class_id))

    def _sensitivities(self):
        tp = self.true_positives
        return divide_no_nan(tp, ops.add(tp, self.false_negatives))

    def _specificities(self):
        tn = self.true_negatives
        return divide_no_nan(tn, ops.add(tn, self.false_positives))

    def _precisions(self):
        tp = self.true_positives
        return divide_no_nan(tp, ops.add(tp, self.false_positives))

    def _max_under_constraint(self, constrained, dependent):
        # Rates are >= 0, so 0 stands for the infeasible thresholds and is the answer when none is.
        feasible = ops.greater_equal(constrained, self.value)
        return ops.max(ops.where(feasible, dependent, 0.0))

    def get_config(self):
        config = super().get_config()
        config.update({"num_thresholds": len(self.thresholds), self._VALUE_NAME: self.value,
                       "class_id": self.class_id})
        return config


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) at a specificity >= `specificity`."""

    _VALUE_NAME = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)
        self.specificity = self.value

    def result(self):
        return self._max_under_constraint(self._specificities(), self._sensitivities())


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity at a sensitivity (recall) >= `sensitivity`."""

    _VALUE_NAME = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)
        self.sensitivity = self.value

    def result(self):
        return self._max_under_constraint(self._sensitivities(), self._specificities())


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision at a recall >= `recall`."""

    _VALUE_NAME = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)
        self.recall = self.value

    def result(self):
        return self._max_under_constraint(self._sensitivities(), self._precisions())


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall at a precision >= `precision`."""

    _VALUE_NAME = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)
        self.precision = self.value

    def result(self):
        return self._max_under_constraint(self._precisions(), self._sensitivities())
