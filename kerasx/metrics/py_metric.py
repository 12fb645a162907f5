"""tf.keras's `PyMetric` (`keras.metrics.experimental.PyMetric`): a metric written in plain Python and
NumPy, whose state lives on the host.

tf.keras runs such a metric outside its graph, on the CPU, and hands `update_state` eager tensors. kerasx
hands it NumPy arrays, the host form that works with NumPy and scikit-learn functions on every backend:
the batch is read back from the device once per update (an explicit, counted transfer), which is the
cost tf.keras documents for these metrics too.
"""
import functools

from kerasx.autodiff.tensor import Tensor
from kerasx.metrics.base import Metric


def _on_host(value):
    return value.numpy() if isinstance(value, Tensor) else value


def _taking_host_arrays(update_state):
    @functools.wraps(update_state)
    def wrapped(self, y_true, y_pred, sample_weight=None):
        return update_state(self, _on_host(y_true), _on_host(y_pred),
                            None if sample_weight is None else _on_host(sample_weight))
    return wrapped


class PyMetric(Metric):
    """Subclasses implement `update_state(y_true, y_pred, sample_weight=None)` on NumPy arrays,
    `reset_state()` (which also runs at construction, to create the Python state) and `result()`, which
    returns one scalar."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_state" in cls.__dict__:
            cls.update_state = _taking_host_arrays(cls.__dict__["update_state"])

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError("abstract: a PyMetric subclass sets up its Python state here")
