"""`Metric`, `Sum`, `Mean`, `MeanMetricWrapper`: accumulation over several updates against NumPy, state,
reset, config, and that updates never read a value back from the device."""
import numpy as np
import pytest

from kerasx import metrics
from kerasx.metrics.base import divide_no_nan


def val(t):
    out = np.asarray(t.numpy())
    assert out.dtype == np.float32
    return out


BATCHES = [np.array([1.0, 2.0, 3.0]), np.array([4.0, -1.0]), np.array([0.5])]
WEIGHTS = [np.array([1.0, 0.0, 2.0]), np.array([0.5, 1.0]), np.array([3.0])]


def test_mean_accumulates(backend):
    m = metrics.Mean()
    for x in BATCHES:
        m.update_state(x)
    allv = np.concatenate(BATCHES)
    np.testing.assert_allclose(val(m.result()), allv.mean(), rtol=1e-6)
    assert m.name == "mean" and [v.name for v in m.variables] == ["total:0", "count:0"]
    assert all(not v.trainable for v in m.variables) and m.trainable_weights == []


def test_weighted_mean_and_sum(backend):
    mean, total = metrics.Mean(), metrics.Sum()
    for x, w in zip(BATCHES, WEIGHTS):
        mean.update_state(x, sample_weight=w)
        total.update_state(x, sample_weight=w)
    x, w = np.concatenate(BATCHES), np.concatenate(WEIGHTS)
    np.testing.assert_allclose(val(mean.result()), np.sum(x * w) / np.sum(w), rtol=1e-6)
    np.testing.assert_allclose(val(total.result()), np.sum(x * w), rtol=1e-6)
    assert total.name == "sum" and len(total.variables) == 1


def test_weights_of_lower_rank_reduce_the_values(backend):
    # tf.keras: weights that cannot broadcast average the values over the trailing axes first.
    m = metrics.Mean()
    x, w = np.arange(6.0).reshape(2, 3), np.array([1.0, 3.0])
    m.update_state(x, sample_weight=w)
    np.testing.assert_allclose(val(m.result()), np.sum(x.mean(1) * w) / w.sum(), rtol=1e-6)


def test_result_is_a_snapshot(backend):
    s = metrics.Sum()
    s.update_state([1.0])
    first = s.result()
    s.update_state([2.0])
    assert float(first.numpy()) == 1.0 and float(s.result().numpy()) == 3.0


def test_reset_state_and_alias(backend):
    m = metrics.Mean()
    m.update_state([5.0, 7.0])
    m.reset_state()
    assert float(m.result().numpy()) == 0.0  # divide_no_nan: an empty mean is 0, not NaN
    m.update_state([1.0])
    m.reset_states()
    assert [float(v.numpy()) for v in m.variables] == [0.0, 0.0]


def test_call_updates_then_returns_result(backend):
    m = metrics.Mean()
    assert float(m([2.0, 4.0]).numpy()) == 3.0
    assert float(m([6.0]).numpy()) == 4.0


def test_dtype_float32_by_default_and_float64_on_request(backend):
    assert metrics.Mean().dtype == "float32"
    m = metrics.Mean(dtype="float64")
    m.update_state(np.array([1.0, 2.0], "float32"))
    assert m.result().dtype == "float64" and m.variables[0].dtype == "float64"


def test_mean_metric_wrapper(backend):
    def abs_diff(y_true, y_pred, scale=1.0):
        return abs(y_pred - y_true) * scale

    m = metrics.MeanMetricWrapper(abs_diff, name="ad", scale=2.0)
    y_true = [np.array([[1.0], [2.0]]), np.array([[0.0]])]
    y_pred = [np.array([[1.5], [1.0]], "float32"), np.array([[2.0]], "float32")]
    for t, p in zip(y_true, y_pred):
        m.update_state(t, p)
    np.testing.assert_allclose(val(m.result()), np.mean([1.0, 2.0, 4.0]), rtol=1e-6)
    assert m.get_config() == {"name": "ad", "dtype": "float32", "fn": abs_diff, "scale": 2.0}


def test_config_round_trip(backend):
    m = metrics.Mean(name="avg", dtype="float64")
    assert m.get_config() == {"name": "avg", "dtype": "float64"}
    again = metrics.Mean.from_config(m.get_config())
    assert again.name == "avg" and again.dtype == "float64"


def test_unnamed_metrics_get_unique_names(backend):
    class MyMetric(metrics.Mean):
        def __init__(self, name=None):
            super().__init__(name=name)

    assert [MyMetric().name, MyMetric().name] == ["my_metric", "my_metric_1"]


def test_weights_round_trip_and_error(backend):
    m = metrics.Mean()
    m.update_state([2.0, 4.0])
    other = metrics.Mean()
    other.set_weights(m.get_weights())
    assert float(other.result().numpy()) == 3.0
    with pytest.raises(ValueError, match="Metric 'mean' expects 2 weights, received 1"):
        other.set_weights([np.float32(1.0)])


def test_a_dict_valued_metric_function_is_rejected(backend):
    m = metrics.MeanMetricWrapper(lambda y_true, y_pred: {"a": y_pred}, name="d")
    with pytest.raises(RuntimeError, match="The output of a metric function can only be a single Tensor"):
        m.update_state([1.0], [1.0])


def test_bad_initializer_is_rejected(backend):
    with pytest.raises(ValueError, match="unknown initializer 'glorot' for weight 'w'"):
        metrics.Mean().add_weight("w", initializer="glorot")


def test_divide_no_nan(backend):
    from kerasx.autodiff.tensor import as_tensor
    out = divide_no_nan(as_tensor(np.array([1.0, 2.0], "float32")), as_tensor(np.array([0.0, 4.0], "float32")))
    np.testing.assert_array_equal(val(out), [0.0, 0.5])


@pytest.mark.parametrize("make", [
    metrics.Mean, metrics.CategoricalAccuracy, metrics.RootMeanSquaredError, metrics.Precision,
    lambda: metrics.SparseTopKCategoricalAccuracy(k=2)])
def test_updates_never_read_the_device(backend, monkeypatch, make):
    m = make()
    y_true = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    y_pred = np.array([[0.2, 0.7, 0.1], [0.3, 0.6, 0.1]], "float32")
    if isinstance(m, metrics.SparseTopKCategoricalAccuracy):
        y_true = np.array([1.0, 0.0])

    def no_reads(*a, **k):
        raise AssertionError("update_state read a device value back to the host")

    monkeypatch.setattr(backend, "to_numpy", no_reads)
    for _ in range(2):
        if isinstance(m, metrics.Mean) and type(m) is metrics.Mean:
            m.update_state(y_pred, sample_weight=np.array([1.0, 2.0]))
        else:
            m.update_state(y_true, y_pred, sample_weight=np.array([1.0, 2.0]))
    m.result()


@pytest.mark.parametrize("make", [
    metrics.Mean, metrics.Sum, metrics.CategoricalAccuracy, metrics.RootMeanSquaredError, metrics.Precision,
    lambda: metrics.SparseTopKCategoricalAccuracy(k=2)])
@pytest.mark.parametrize("weight", ["python number", "tensor"])
def test_a_step_of_a_metric_moves_nothing_between_host_and_device(backend, make, weight):
    """The step's data is on the device already; the loss tracker's batch size arrives as a Python int.
    Updating, reading and resetting the state then make no host/device transfer."""
    from kerasx.autodiff.tensor import as_tensor
    m = make()
    y_true = as_tensor(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "float32"))
    if isinstance(m, metrics.SparseTopKCategoricalAccuracy):
        y_true = as_tensor(np.array([1.0, 0.0], "float32"))
    y_pred = as_tensor(np.array([[0.2, 0.7, 0.1], [0.3, 0.6, 0.1]], "float32"))
    sample_weight = 2 if weight == "python number" else as_tensor(np.array([1.0, 2.0], "float32"))
    with backend.transfers.counting() as moved:
        for _ in range(2):
            if type(m) in (metrics.Mean, metrics.Sum):
                m.update_state(y_pred, sample_weight=sample_weight)
            else:
                m.update_state(y_true, y_pred, sample_weight=sample_weight)
        m.result()
        m.reset_state()
    assert moved == {"to_host": 0, "to_device": 0}
    assert all(not v.numpy().any() for v in m.variables)
