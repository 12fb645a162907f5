"""Stateful metrics: the `Metric` base, the `Sum` / `Mean` reductions and `MeanMetricWrapper`.

State lives in non-trainable device Variables and every update is a device op: nothing here reads a
value back to the host, so `update_state` never stalls a GPU. `result()` returns a Tensor; whoever shows
it (progress bar, History) converts it to a float.
"""
from backends.config import floatx
from kerasx import ops
from kerasx.autodiff.tensor import Variable
from kerasx.engine.naming import to_snake_case, unique_name
from kerasx.losses.utils import labels_to_tensor, squeeze_or_expand_dimensions, to_tensor
from kerasx.saving.object_registration import serialization


def divide_no_nan(a, b):
    """`a / b`, and 0 where `b` is 0 (tf.math.divide_no_nan)."""
    zero = ops.equal(b, 0.0)
    return ops.where(zero, 0.0, ops.divide(a, ops.where(zero, 1.0, b)))


class Metric:
    """Base class of stateful metrics, as tf.keras's `Metric`.

    Subclasses create their state in `__init__` with `add_weight`, and implement `update_state` and
    `result`. Calling a metric updates it and returns the new result.
    """

    def __init__(self, name=None, dtype=None):
        self._name = name if name else unique_name(to_snake_case(type(self).__name__))
        self._dtype = str(dtype) if dtype is not None else floatx()
        self._variables = []
        self.stateful = True
        self.built = True
        self.trainable = False

    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    # ------------------------------------------------------------ state
    def add_weight(self, name, shape=(), aggregation=None, synchronization=None, initializer=None,
                   dtype=None):
        """A non-trainable state Variable named ``name:0``; `initializer` is 'zeros' (default),
        'ones', a number, or a callable ``(shape, dtype) -> value``."""
        dtype = str(dtype) if dtype is not None else self._dtype
        shape = tuple(shape)
        if initializer is None or initializer == "zeros":
            value = ops.zeros(shape, dtype)
        elif initializer == "ones":
            value = ops.ones(shape, dtype)
        elif isinstance(initializer, (int, float)):
            value = ops.fill(shape, float(initializer), dtype)
        elif callable(initializer):
            value = initializer(shape, dtype=dtype)
        else:
            raise ValueError(
                f"Metric {self._name!r}: unknown initializer {initializer!r} for weight {name!r}; expected "
                "'zeros', 'ones', a number or a callable.")
        var = Variable(value, dtype=dtype, trainable=False, name=f"{name}:0")
        self._variables.append(var)
        return var

    @property
    def variables(self):
        return list(self._variables)

    @property
    def weights(self):
        return list(self._variables)

    @property
    def non_trainable_weights(self):
        return list(self._variables)

    @property
    def trainable_weights(self):
        return []

    def get_weights(self):
        return [v.numpy() for v in self._variables]

    def set_weights(self, weights):
        if len(weights) != len(self._variables):
            raise ValueError(
                f"Metric {self._name!r} expects {len(self._variables)} weights, received {len(weights)}.")
        for v, w in zip(self._variables, weights):
            v.assign(w)

    def reset_state(self):
        """Sets every state variable back to 0, on the device."""
        for v in self._variables:
            v.assign(ops.zeros_like(v))

    def reset_states(self):
        """Alias of `reset_state` (the name before tf 2.5)."""
        self.reset_state()

    # ------------------------------------------------------------ computing
    def update_state(self, *args, **kwargs):
        raise NotImplementedError("abstract: each metric subclass implements it")

    def result(self):
        raise NotImplementedError("abstract: each metric subclass implements it")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    # ------------------------------------------------------------ config
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} name={self.name!r}>"


def _can_broadcast_weights(weights_shape, values_shape):
    """tf's `broadcast_weights` rule: scalar weights, or the same rank with each dim 1 or equal."""
    if not weights_shape:
        return True
    if len(weights_shape) != len(values_shape):
        return False
    return all(w in (1, v) for w, v in zip(weights_shape, values_shape))


class Reduce(Metric):
    """Reduces values to a sum ('sum'), a weighted mean ('weighted_mean': divided by the summed
    weights) or 'sum_over_batch_size' (divided by the number of values)."""

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.total = self.add_weight("total", initializer="zeros")
        if reduction != "sum":
            self.count = self.add_weight("count", initializer="zeros")

    def update_state(self, values, sample_weight=None):
        if isinstance(values, dict):
            raise RuntimeError(
                f"The output of a metric function can only be a single Tensor. Received: {values}. To "
                "return a dict of values, implement a custom Metric subclass.")
        values = to_tensor(values, self._dtype)
        num_values = None
        if sample_weight is not None:
            sample_weight = to_tensor(sample_weight, self._dtype)
            values, _, sample_weight = squeeze_or_expand_dimensions(values, sample_weight=sample_weight)
            if _can_broadcast_weights(sample_weight.shape, values.shape):
                sample_weight = ops.broadcast_to(sample_weight, shape=values.shape)
            else:
                # Weights cover only the leading axes: reduce the values down to the weights' rank.
                axes = tuple(range(sample_weight.ndim, values.ndim))
                if self.reduction == "sum":
                    values = ops.sum(values, axis=axes)
                else:
                    values = ops.mean(values, axis=axes)
            values = ops.multiply(values, sample_weight)
            num_values = ops.sum(sample_weight)
        self.total.assign_add(ops.sum(values))
        if self.reduction == "sum":
            return
        if num_values is None or self.reduction == "sum_over_batch_size":
            num_values = float(values.size)
        self.count.assign_add(num_values)

    def result(self):
        if self.reduction == "sum":
            return self.total.read_value()  # a copy: later in-place updates must not change a result
        return divide_no_nan(self.total, self.count)


class Sum(Reduce):
    """The (weighted) sum of the given values."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(reduction="sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The (weighted) mean of the given values."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(reduction="weighted_mean", name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """The weighted mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = labels_to_tensor(y_true, self._dtype)
        y_pred = to_tensor(y_pred, self._dtype)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        matches = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(matches, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            # Subclasses fix their function; only the bare wrapper needs to record it.
            config["fn"] = self._fn
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is MeanMetricWrapper:
            return cls(serialization("metric").get(fn), **config)
        return cls(**config)
