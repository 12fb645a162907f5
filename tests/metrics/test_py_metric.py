"""`keras.metrics.experimental.PyMetric`: a metric in plain Python and NumPy, on the host, used alone and
in `compile`, against a NumPy computation written here."""
import numpy as np
import pytest

import kerasx as keras
from kerasx.utils import set_random_seed


class MedianAbsoluteError(keras.metrics.experimental.PyMetric):
    """The mean over batches of each batch's median absolute error, computed with NumPy."""

    def __init__(self, name="median_absolute_error", **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.seen.append((type(y_true), type(y_pred), type(sample_weight)))
        self.total += float(np.median(np.abs(y_true - y_pred)))
        self.count += 1

    def reset_state(self):
        self.total, self.count, self.seen = 0.0, 0, []

    def result(self):
        return self.total / self.count if self.count else 0.0


def test_update_state_gets_host_arrays_and_the_state_is_python(backend):
    metric = MedianAbsoluteError()
    assert metric.count == 0  # reset_state ran at construction
    y_true = np.array([[1.0], [2.0], [4.0]], "float32")
    y_pred = keras.ops.fill((3, 1), 1.5)  # a device Tensor, as the trainer passes
    metric.update_state(y_true, y_pred, sample_weight=keras.ops.fill((3,), 1.0))
    assert metric.seen == [(np.ndarray, np.ndarray, np.ndarray)]
    assert metric.result() == pytest.approx(0.5)
    metric.reset_state()
    assert metric.result() == 0.0


def test_in_compile_it_logs_its_python_result(backend):
    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    metric = MedianAbsoluteError()
    model.compile("sgd", "mse", metrics=[metric])
    logged = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)["median_absolute_error"]
    pred = model.predict(x, verbose=0)
    expected = np.mean([np.median(np.abs(y[i:i + 16] - pred[i:i + 16])) for i in range(0, 48, 16)])
    assert logged == pytest.approx(expected, rel=1e-5)
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert len(history.history["median_absolute_error"]) == 2
    assert metric.count == 3  # reset at the start of each epoch, as every metric


def test_a_py_metric_must_say_how_to_reset():
    class NoReset(keras.metrics.experimental.PyMetric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    with pytest.raises(NotImplementedError, match="a PyMetric subclass sets up its Python state here"):
        NoReset()
