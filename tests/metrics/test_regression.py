"""R2Score, MeanRelativeError, MeanTensor against NumPy formulas, and the KLD alias."""
import warnings

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers, metrics

RNG = np.random.default_rng(13)


def ref_r2(y, p, w, aggregation, num_regressors=0):
    w = np.broadcast_to(w[:, None], y.shape)
    mean = np.sum(w * y, 0) / np.sum(w, 0)
    total = np.sum(w * (y - mean) ** 2, 0)
    raw = 1 - np.sum(w * (y - p) ** 2, 0) / total
    score = {None: raw, "uniform_average": raw.mean(),
             "variance_weighted_average": np.sum(total * raw) / np.sum(total)}[aggregation]
    if num_regressors:
        n = y.size
        score = 1 - (1 - score) * (n - 1) / (n - num_regressors - 1)
    return score


@pytest.mark.parametrize("aggregation", [None, "uniform_average", "variance_weighted_average"])
@pytest.mark.parametrize("num_regressors", [0, 3])
def test_r2_over_batches(backend, aggregation, num_regressors):
    m = metrics.R2Score(class_aggregation=aggregation, num_regressors=num_regressors)
    ys, ps, ws = [], [], []
    for _ in range(3):
        y = RNG.normal(size=(10, 2)).astype("float32")
        p = (y + RNG.normal(scale=0.5, size=(10, 2))).astype("float32")
        w = RNG.uniform(0.5, 2, 10).astype("float32")
        m.update_state(y, p, sample_weight=w)
        ys.append(y), ps.append(p), ws.append(w)
    out = m.result().numpy()
    assert out.dtype == np.float32
    ref = ref_r2(*(np.concatenate(a).astype("float64") for a in (ys, ps, ws)), aggregation, num_regressors)
    np.testing.assert_allclose(out, ref, rtol=1e-4)
    assert m.num_samples == 60
    m.reset_state()
    assert m.num_samples == 0 and not any(np.any(v.numpy()) for v in m.variables)


def test_r2_constant_column_and_fallback_warning(backend):
    m = metrics.R2Score(class_aggregation=None, num_regressors=5)
    m.update_state(np.array([[1.0, 1.0], [2.0, 1.0]]), np.array([[1.0, 1.0], [2.5, 2.0]]))
    with pytest.warns(UserWarning, match="More independent predictors than datapoints"):
        out = m.result().numpy()
    # Column 1 is constant with a residual: tf.keras's -inf becomes 0.
    np.testing.assert_allclose(out, [1 - 0.25 / 0.5, 0.0], rtol=1e-6)
    exact = metrics.R2Score(class_aggregation=None)
    exact.update_state(np.ones((2, 1)), np.ones((2, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(exact.result().numpy()).all()  # 0/0, as tf.keras, and no NumPy warning


def test_r2_config_and_errors(backend):
    m = metrics.R2Score(class_aggregation="variance_weighted_average", num_regressors=2)
    assert m.get_config() == {"name": "r2_score", "dtype": "float32",
                              "class_aggregation": "variance_weighted_average", "num_regressors": 2}
    assert metrics.R2Score.from_config(m.get_config()).get_config() == m.get_config()
    with pytest.raises(ValueError, match=r"Invalid value for argument `class_aggregation`\. Expected one of "
                                         r"\(None, 'uniform_average', 'variance_weighted_average'\)\. "
                                         r"Received: class_aggregation=mean"):
        metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError,
                       match=r"`num_regressors`\. Expected a value >= 0\. Received: num_regressors=-1"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match=r"R2Score expects 2D inputs .* y_pred.shape=\(3,\)"):
        metrics.R2Score().update_state([1.0, 2, 3], [1.0, 2, 3])


def test_r2_in_fit(backend):
    x = RNG.random((32, 3)).astype("float32")
    y = x @ np.array([[1.0], [2.0], [-1.0]], "float32")
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("adam", "mse", metrics=[metrics.R2Score()])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == ["loss", "r2_score"]
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    y_pred = model.predict(x, verbose=0).astype("float64")
    ref = ref_r2(y.astype("float64"), y_pred, np.ones(32), "uniform_average")
    np.testing.assert_allclose(logs["r2_score"], ref, rtol=1e-4)


def test_mean_relative_error(backend):
    m = metrics.MeanRelativeError(normalizer=[1.0, 2.0, 0.0, 4.0])
    y1, p1 = np.array([1.0, 2, 3, 4]), np.array([2.0, 1, 5, 0])
    y2, p2 = np.array([0.0, 0, 0, 0]), np.array([1.0, 1, 1, 1])
    m.update_state(y1, p1)
    m.update_state(y2, p2, sample_weight=[1.0, 0, 2, 1])
    norm = np.array([1.0, 2, 0, 4])
    e1 = np.where(norm == 0, 0, np.abs(y1 - p1) / np.where(norm == 0, 1, norm))
    e2 = np.where(norm == 0, 0, np.abs(y2 - p2) / np.where(norm == 0, 1, norm))
    w2 = np.array([1.0, 0, 2, 1])
    np.testing.assert_allclose(m.result().numpy(), (e1.sum() + (e2 * w2).sum()) / (4 + w2.sum()), rtol=1e-6)
    assert m.name == "mean_relative_error"
    assert m.get_config() == {"name": "mean_relative_error", "dtype": "float32",
                              "normalizer": [1.0, 2.0, 0.0, 4.0]}
    clone = metrics.MeanRelativeError.from_config(m.get_config())
    clone.update_state(y1, p1)
    np.testing.assert_allclose(clone.result().numpy(), e1.mean(), rtol=1e-6)
    m.reset_state()
    assert float(m.result().numpy()) == 0.0
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(4,\) are incompatible"):
        m.update_state([1.0, 2, 3], [1.0, 2, 3, 4])


def test_mean_tensor(backend):
    m = metrics.MeanTensor()
    with pytest.raises(ValueError, match=r"MeanTensor does not have any value yet"):
        m.result()
    m.update_state([[1.0, 2], [3, 4]])
    m.update_state([[3.0, 6], [1, 0]], sample_weight=[[1.0], [3.0]])
    np.testing.assert_allclose(m.result().numpy(), [[2.0, 4.0], [1.5, 1.0]])
    with pytest.raises(ValueError, match=r"Expected shape \(set during the first call\): \(2, 2\)\. Got: \(3,\)"):
        m.update_state([1.0, 2, 3])
    np.testing.assert_allclose(m.result().numpy(), [[2.0, 4.0], [1.5, 1.0]])
    assert [v.name for v in m.variables] == ["total:0", "count:0"]
    assert m.get_config() == {"name": "mean_tensor", "dtype": "float32", "shape": [2, 2]}
    assert metrics.MeanTensor.from_config(m.get_config()).result().numpy().tolist() == [[0, 0], [0, 0]]
    m.reset_state()
    assert not np.any(m.total.numpy())


def test_kld_alias(backend):
    assert metrics.KLD is metrics.kld is metrics.kl_divergence
    assert metrics.get("KLD") is metrics.kl_divergence
