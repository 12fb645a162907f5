"""Regression and tensor metrics: `R2Score` (tf.keras 2.13+), `MeanRelativeError`, `MeanTensor`."""
import numbers
import warnings

from kerasx import ops
from kerasx.losses.utils import (broadcast_shape, remove_squeezable_dimensions, squeeze_or_expand_dimensions,
                                 to_tensor)
from kerasx.metrics.base import Mean, Metric, divide_no_nan

CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination per output column, 1 - residual / total sum of squares,
    averaged ('uniform_average'), weighted by each column's total ('variance_weighted_average') or
    per column (None); adjusted for `num_regressors` as tf.keras (n being the number of entries seen)."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        if class_aggregation not in CLASS_AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{CLASS_AGGREGATIONS}. Received: class_aggregation={class_aggregation}")
        if not isinstance(num_regressors, numbers.Integral) or num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        super().__init__(name=name, dtype=dtype)
        self.class_aggregation = class_aggregation
        self.num_regressors = int(num_regressors)
        # The entries seen, a Python number: shapes are known on the host, so the adjusted score's
        # checks never read the device.
        self.num_samples = 0
        self._state = None

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}.")
        num_classes = y_pred_shape[-1]
        self._state = {}
        for attr, name in (("squared_sum", "squared_sum"), ("sum", "sum"), ("total_mse", "residual"),
                           ("count", "count")):
            var = self.add_weight(name, shape=(num_classes,), initializer="zeros")
            setattr(self, attr, var)
            self._state[attr] = var

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_tensor(y_true, self._dtype)
        y_pred = to_tensor(y_pred, self._dtype)
        if self._state is None:
            self._build(y_true.shape, y_pred.shape)
        if y_true.shape != y_pred.shape or y_pred.ndim != 2 or y_pred.shape[-1] != self.sum.shape[0]:
            raise ValueError(
                f"R2Score {self.name!r} expects y_true and y_pred of one shape (batch_size, "
                f"{self.sum.shape[0]}). Received y_pred.shape={tuple(y_pred.shape)} and "
                f"y_true.shape={tuple(y_true.shape)}.")
        if sample_weight is None:
            weights = ops.ones_like(y_true)
        else:
            weights = to_tensor(sample_weight, self._dtype)
            if weights.ndim == 1:
                weights = ops.expand_dims(weights, 1)  # one weight per row, over every column
            if broadcast_shape(weights.shape, y_true.shape) != y_true.shape:
                raise ValueError(f"R2Score {self.name!r}: sample_weight of shape {tuple(weights.shape)} "
                                 f"cannot be broadcast to y_true of shape {tuple(y_true.shape)}.")
            weights = ops.broadcast_to(weights, shape=y_true.shape)
        weighted_true = ops.multiply(y_true, weights)
        self.sum.assign_add(ops.sum(weighted_true, axis=0))
        self.squared_sum.assign_add(ops.sum(ops.multiply(y_true, weighted_true), axis=0))
        self.total_mse.assign_add(ops.sum(ops.multiply(ops.square(ops.subtract(y_true, y_pred)), weights),
                                          axis=0))
        self.count.assign_add(ops.sum(weights, axis=0))
        self.num_samples += y_true.size

    def result(self):
        if self._state is None:
            return ops.zeros((), self._dtype)
        mean = divide_no_nan(self.sum, self.count)
        total = ops.subtract(self.squared_sum, ops.multiply(self.sum, mean))
        # tf.keras: a column of constant targets scores 0 (its 1 - x/0 is -inf, replaced), or NaN when
        # its residual is 0 too (0/0); the division is made safe so NumPy warns of neither.
        flat = ops.equal(total, 0.0)
        ratio = ops.divide(self.total_mse, ops.where(flat, 1.0, total))
        nan_or_zero = ops.where(ops.equal(self.total_mse, 0.0), ops.fill(total.shape, float("nan"), self._dtype),
                                0.0)
        raw = ops.where(flat, nan_or_zero, ops.subtract(1.0, ratio))
        if self.class_aggregation == "uniform_average":
            score = ops.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = divide_no_nan(ops.sum(ops.multiply(total, raw)), ops.sum(total))
        else:
            score = raw
        if self.num_regressors:
            n, p = self.num_samples, self.num_regressors
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling "
                              "back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = ops.subtract(1.0, ops.multiply(ops.subtract(1.0, score), (n - 1.0) / (n - p - 1.0)))
        return score

    def reset_state(self):
        self.num_samples = 0
        if self._state is not None:
            super().reset_state()

    def get_config(self):
        config = super().get_config()
        config.update({"class_aggregation": self.class_aggregation, "num_regressors": self.num_regressors})
        return config


class MeanRelativeError(Mean):
    """The (weighted) mean of |y_true - y_pred| / normalizer (0 where the normalizer is 0)."""

    def __init__(self, normalizer, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._normalizer_config = normalizer.tolist() if hasattr(normalizer, "tolist") else normalizer
        self.normalizer = to_tensor(normalizer, self._dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_tensor(y_true, self._dtype)
        y_pred = to_tensor(y_pred, self._dtype)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        normalizer, y_pred = remove_squeezable_dimensions(self.normalizer, y_pred)
        if y_pred.shape != y_true.shape:
            raise ValueError(f"Shapes {y_true.shape} and {y_pred.shape} are incompatible")
        errors = divide_no_nan(ops.abs(ops.subtract(y_true, y_pred)), normalizer)
        return super().update_state(errors, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["normalizer"] = self._normalizer_config
        return config


class MeanTensor(Metric):
    """The elementwise (weighted) mean of same-shaped values over every update."""

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        if shape is not None:
            self._build(tuple(shape))

    def _build(self, shape):
        self._shape = tuple(shape)
        self.total = self.add_weight("total", shape=self._shape, initializer="zeros")
        self.count = self.add_weight("count", shape=self._shape, initializer="zeros")

    def update_state(self, values, sample_weight=None):
        values = to_tensor(values, self._dtype)
        num_values = ops.ones_like(values)
        if sample_weight is not None:
            weights = to_tensor(sample_weight, self._dtype)
            values, _, weights = squeeze_or_expand_dimensions(values, sample_weight=weights)
            if broadcast_shape(weights.shape, values.shape) == tuple(values.shape):
                weights = ops.broadcast_to(weights, shape=values.shape)
            else:  # weights over the leading axes: the values' mean over the others
                values = ops.mean(values, axis=tuple(range(weights.ndim, values.ndim)))
                num_values = ops.ones_like(values)
            num_values = ops.multiply(num_values, weights)
            values = ops.multiply(values, weights)
        if self._shape is None:
            self._build(values.shape)
        elif tuple(values.shape) != self._shape:
            raise ValueError(
                "MeanTensor input values must always have the same shape. Expected shape (set during the "
                f"first call): {self._shape}. Got: {tuple(values.shape)}.")
        self.total.assign_add(values)
        self.count.assign_add(num_values)

    def result(self):
        if self._shape is None:
            raise ValueError("MeanTensor does not have any value yet. Please call the MeanTensor instance "
                             "or use `.update_state(value)` before retrieving the result.")
        return divide_no_nan(self.total, self.count)

    def reset_state(self):
        if self._shape is not None:
            super().reset_state()

    def get_config(self):
        config = super().get_config()
        config["shape"] = None if self._shape is None else list(self._shape)
        return config

