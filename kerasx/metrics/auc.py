"""`AUC`: the area under the ROC or precision-recall curve, approximated from confusion counts at
`num_thresholds` thresholds (a Riemann sum, or Davis & Goadrich's interpolation for PR), as tf.keras."""
from backends.config import epsilon
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.metrics.base import Metric, divide_no_nan
from kerasx.metrics.confusion_matrix import (COUNT_NAMES, accumulate, add_count_weights, check_num_thresholds,
                                             confusion_counts, evenly_spaced_thresholds, device_thresholds)

CURVES = {"roc": "ROC", "pr": "PR"}
SUMMATION_METHODS = ("interpolation", "majoring", "minoring")


def _curve(curve):
    key = str(curve).lower() if isinstance(curve, str) else None
    if key not in CURVES:
        raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"]')
    return CURVES[key]


def _summation_method(method):
    key = str(method).lower() if isinstance(method, str) else None
    if key not in SUMMATION_METHODS:
        raise ValueError(f'Invalid AUC summation method value: "{method}". Expected values are '
                         '["interpolation", "majoring", "minoring"]')
    return key


class AUC(Metric):
    """Area under the ROC (false-positive rate, recall) or PR (recall, precision) curve.

    Thresholds are `num_thresholds - 2` evenly spaced in (0, 1) plus -epsilon and 1 + epsilon, or the
    given `thresholds` (sorted) plus those two ends. With `multi_label` the counts are kept per label
    (the predictions' last axis) and the per-label areas averaged, weighted by `label_weights`;
    otherwise every prediction is one more sample and `label_weights` weigh its label's predictions.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        self.curve = _curve(curve)
        self.summation_method = _summation_method(summation_method)
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            if any(not 0.0 <= t <= 1.0 for t in inner):
                raise ValueError(f"Threshold values must be in [0, 1]. Received: {list(thresholds)}")
            num_thresholds = len(inner) + 2
        else:
            num_thresholds = check_num_thresholds(num_thresholds, above=1)
            inner = evenly_spaced_thresholds(num_thresholds)
        if label_weights is not None:
            label_weights = [float(w) for w in label_weights]
            if any(w < 0 for w in label_weights):
                raise ValueError("All values of `label_weights` must be non-negative. "
                                 f"Received: label_weights={label_weights}")
        if num_labels is not None and (not multi_label or int(num_labels) < 1):
            raise ValueError("Argument `num_labels` is only used with `multi_label=True`, and must be > 0. "
                             f"Received: num_labels={num_labels}, multi_label={multi_label}")
        super().__init__(name=name, dtype=dtype)
        self.num_thresholds = int(num_thresholds)
        self._thresholds = [0.0 - epsilon()] + inner + [1.0 + epsilon()]
        self._device_thresholds = device_thresholds(self._thresholds, self._dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self._label_weights_list = label_weights
        self.label_weights = None if label_weights is None else as_tensor(label_weights, dtype=self._dtype)
        self._from_logits = bool(from_logits)
        self._counts = {}
        if not self.multi_label:
            self._build(None)
        elif num_labels is not None:
            self._build(int(num_labels))

    @property
    def thresholds(self):
        """Every threshold, the -epsilon and 1 + epsilon ends included."""
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds, num_labels)
        self._counts.update(add_count_weights(self, COUNT_NAMES, shape))
        if num_labels is not None:
            self.num_labels = num_labels

    def _check_labels(self, y_pred_shape):
        """The state's shape is fixed by the first batch (or `num_labels`): (batch, labels) predictions."""
        if len(y_pred_shape) != 2:
            raise ValueError(
                f"AUC {self.name!r}: `y_pred` must have rank 2 when `multi_label=True`. Found rank "
                f"{len(y_pred_shape)}. Full shape received for `y_pred`: {tuple(y_pred_shape)}")
        if self._counts and y_pred_shape[-1] != self.num_labels:
            raise ValueError(
                f"AUC {self.name!r} counts {self.num_labels} labels; received predictions of shape "
                f"{tuple(y_pred_shape)}.")
        if self.label_weights is not None and len(self._label_weights_list) != y_pred_shape[-1]:
            raise ValueError(
                f"AUC {self.name!r}: `label_weights` has {len(self._label_weights_list)} entries for "
                f"predictions of shape {tuple(y_pred_shape)}.")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_tensor(y_pred)
        if self.multi_label:
            self._check_labels(y_pred.shape)
        elif self.label_weights is not None and (not y_pred.ndim or
                                                 y_pred.shape[-1] != len(self._label_weights_list)):
            raise ValueError(
                f"AUC {self.name!r}: `label_weights` has {len(self._label_weights_list)} entries for "
                f"predictions of shape {tuple(y_pred.shape)}.")
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        counts = confusion_counts(
            self.name, y_true, y_pred, self._device_thresholds, sample_weight, dtype=self._dtype,
            multi_label=self.multi_label, label_weights=None if self.multi_label else self.label_weights)
        if not self._counts:
            self._build(int(y_pred.shape[-1]))
        accumulate(self._counts, counts)

    def reset_state(self):
        if self._counts:
            super().reset_state()

    # ------------------------------------------------------------ result
    def _by_label(self, terms):
        """The area: the sum of the Riemann terms over thresholds, averaged over labels if multi-label."""
        if not self.multi_label:
            return ops.sum(terms)
        by_label = ops.sum(terms, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        return divide_no_nan(ops.sum(ops.multiply(by_label, self.label_weights)), ops.sum(self.label_weights))

    def _interpolate_pr_auc(self):
        """Davis & Goadrich (2006): precision interpolated along true positives between thresholds."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        head, tail = slice(None, self.num_thresholds - 1), slice(1, None)
        dtp = ops.subtract(tp[head], tp[tail])
        p = ops.add(tp, fp)
        dp = ops.subtract(p[head], p[tail])
        prec_slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = ops.subtract(tp[tail], ops.multiply(prec_slope, p[tail]))
        both_positive = ops.logical_and(ops.greater(p[head], 0.0), ops.greater(p[tail], 0.0))
        safe_p_ratio = ops.where(both_positive, divide_no_nan(p[head], ops.maximum(p[tail], 0.0)), 1.0)
        increment = divide_no_nan(
            ops.multiply(prec_slope, ops.add(dtp, ops.multiply(intercept, ops.log(safe_p_ratio)))),
            ops.maximum(ops.add(tp[tail], fn[tail]), 0.0))
        return self._by_label(increment)

    def result(self):
        if not self._counts:
            return ops.zeros((), self._dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp = self.true_positives, self.false_positives
        recall = divide_no_nan(tp, ops.add(tp, self.false_negatives))
        if self.curve == "ROC":
            x = divide_no_nan(fp, ops.add(fp, self.true_negatives))
            y = recall
        else:
            x = recall
            y = divide_no_nan(tp, ops.add(tp, fp))
        head, tail = slice(None, self.num_thresholds - 1), slice(1, None)
        if self.summation_method == "interpolation":
            heights = ops.multiply(ops.add(y[head], y[tail]), 0.5)
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[head], y[tail])
        else:
            heights = ops.maximum(y[head], y[tail])
        return self._by_label(ops.multiply(ops.subtract(x[head], x[tail]), heights))

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels, "label_weights": self._label_weights_list,
            "thresholds": self._thresholds[1:-1], "from_logits": self._from_logits})
        return config
