"""`FBetaScore` and `F1Score` (tf.keras 2.13+): per-class true/false positives and false negatives of
thresholded predictions (or each row's arg-max), accumulated on the device, combined at `result`."""
from kerasx import ops
from kerasx.losses.utils import to_tensor
from kerasx.metrics.base import Metric, divide_no_nan

AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + beta²)·precision·recall / (beta²·precision + recall), per class (`average=None`), over all
    entries ('micro'), averaged over classes ('macro') or weighted by each class's true count
    ('weighted'). Predictions count as positive above `threshold`, or (threshold None) where they equal
    their row's largest non-zero value."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average not in AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        super().__init__(name=name, dtype=dtype)
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._state = None

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). Received "
                f"input shapes: y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self._state = {}
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            var = self.add_weight(name, shape=shape, initializer="zeros")
            setattr(self, name, var)
            self._state[name] = var
        self._num_classes = y_pred_shape[-1]

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_tensor(y_true, self._dtype)
        y_pred = to_tensor(y_pred, self._dtype)
        if self._state is None:
            self._build(y_true.shape, y_pred.shape)
        elif y_pred.ndim != 2 or y_pred.shape[-1] != self._num_classes or y_true.shape != y_pred.shape:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} counts {self._num_classes} classes; received "
                f"y_pred.shape={tuple(y_pred.shape)} and y_true.shape={tuple(y_true.shape)}.")
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            # A row of zeros must not become a row of ones: only non-zero maxima count.
            predicted = ops.logical_and(ops.greater_equal(y_pred, row_max),
                                        ops.greater(ops.abs(y_pred), 1e-9))
        else:
            predicted = ops.greater(y_pred, self.threshold)
        predicted = ops.cast(predicted, dtype=self._dtype)
        weights = None
        if sample_weight is not None:
            weights = to_tensor(sample_weight, self._dtype)
            weights = ops.expand_dims(weights, 1) if weights.ndim == 1 else weights

        def weighted_sum(values):
            if weights is not None:
                values = ops.multiply(values, weights)
            return ops.sum(values, axis=self.axis)

        not_true = ops.subtract(1.0, y_true)
        self.true_positives.assign_add(weighted_sum(ops.multiply(predicted, y_true)))
        self.false_positives.assign_add(weighted_sum(ops.multiply(predicted, not_true)))
        self.false_negatives.assign_add(weighted_sum(ops.multiply(ops.subtract(1.0, predicted), y_true)))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if self._state is None:
            return ops.zeros((), self._dtype)
        tp = self.true_positives
        precision = divide_no_nan(tp, ops.add(tp, self.false_positives))
        recall = divide_no_nan(tp, ops.add(tp, self.false_negatives))
        beta_sq = self.beta ** 2
        score = ops.multiply(divide_no_nan(ops.multiply(precision, recall),
                                           ops.add(ops.multiply(precision, beta_sq), recall)), 1.0 + beta_sq)
        if self.average == "weighted":
            weights = divide_no_nan(self.intermediate_weights, ops.sum(self.intermediate_weights))
            return ops.sum(ops.multiply(score, weights))
        if self.average is not None:
            return ops.mean(score)
        return score

    def reset_state(self):
        if self._state is not None:
            super().reset_state()

    def get_config(self):
        config = super().get_config()
        config.update({"average": self.average, "beta": self.beta, "threshold": self.threshold})
        return config


class F1Score(FBetaScore):
    """The F-score with beta 1: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
