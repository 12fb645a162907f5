"""Each metric class accumulated over several batches (with sample weights) against NumPy, with
tf.keras's default names and config keys."""
import numpy as np
import pytest

from kerasx import metrics

EPS = 1e-7
RNG = np.random.default_rng(3)
C = 4


def val(t):
    out = np.asarray(t.numpy())
    assert out.dtype == np.float32
    return out


def batches(kind, n_batches=3, n=5):
    out = []
    for i in range(n_batches):
        p = RNG.uniform(0.05, 1.0, (n, C)).astype("float32")
        p /= p.sum(-1, keepdims=True)
        labels = RNG.integers(0, C, n)
        w = RNG.uniform(0.0, 2.0, n)
        if kind == "binary":
            t = (RNG.uniform(size=(n, C)) > 0.5).astype("float64")
        elif kind == "sparse":
            t = labels.astype("float64")
        elif kind == "regression":
            t = RNG.normal(size=(n, C))
            p = RNG.normal(size=(n, C)).astype("float32")
        else:
            t = np.eye(C)[labels]
        out.append((t, p, w))
    return out


def log_softmax(x):
    s = x - x.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


def np_in_top_k(pred, target, k):
    return np.array([np.sum(row > row[t]) < k for row, t in zip(pred, target)], "float64")


CASES = {
    "binary_accuracy": (lambda: metrics.BinaryAccuracy(threshold=0.3), "binary",
                        lambda t, p: np.mean(t == (p > 0.3), -1)),
    "categorical_accuracy": (metrics.CategoricalAccuracy, "categorical",
                             lambda t, p: (t.argmax(-1) == p.argmax(-1)).astype(float)),
    "sparse_categorical_accuracy": (metrics.SparseCategoricalAccuracy, "sparse",
                                    lambda t, p: (t == p.argmax(-1)).astype(float)),
    "top_k_categorical_accuracy": (lambda: metrics.TopKCategoricalAccuracy(k=2), "categorical",
                                   lambda t, p: np_in_top_k(p, t.argmax(-1), 2)),
    "sparse_top_k_categorical_accuracy": (lambda: metrics.SparseTopKCategoricalAccuracy(k=2), "sparse",
                                          lambda t, p: np_in_top_k(p, t.astype(int), 2)),
    "mean_squared_error": (metrics.MeanSquaredError, "regression", lambda t, p: np.mean((p - t) ** 2, -1)),
    "mean_absolute_error": (metrics.MeanAbsoluteError, "regression", lambda t, p: np.mean(np.abs(p - t), -1)),
    "binary_crossentropy": (metrics.BinaryCrossentropy, "binary", lambda t, p: -np.mean(
        t * np.log(np.clip(p, EPS, 1 - EPS) + EPS) + (1 - t) * np.log(1 - np.clip(p, EPS, 1 - EPS) + EPS), -1)),
    "categorical_crossentropy": (metrics.CategoricalCrossentropy, "categorical",
                                 lambda t, p: -np.sum(t * np.log(p / p.sum(-1, keepdims=True)), -1)),
    "sparse_categorical_crossentropy": (lambda: metrics.SparseCategoricalCrossentropy(from_logits=True),
                                        "sparse", lambda t, p: -np.take_along_axis(
                                            log_softmax(p), t.astype(int)[:, None], -1)[:, 0]),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("weighted", [False, True])
def test_accumulates_over_batches(backend, name, weighted):
    make, kind, formula = CASES[name]
    m = make()
    assert m.name == name
    values, weights = [], []
    for t, p, w in batches(kind):
        m.update_state(t, p, sample_weight=w if weighted else None)
        values.append(formula(t, p.astype("float64")))
        weights.append(w if weighted else np.ones_like(w))
    values, weights = np.concatenate(values), np.concatenate(weights)
    np.testing.assert_allclose(val(m.result()), np.sum(values * weights) / np.sum(weights), rtol=1e-5)


def test_accuracy_class(backend):
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3]], [[1], [2], [0]])
    m.update_state([[4]], [[4]])
    assert m.name == "accuracy" and float(m.result().numpy()) == pytest.approx(0.75)


def test_sparse_accuracy_takes_column_labels(backend):
    m = metrics.SparseCategoricalAccuracy()
    m.update_state(np.array([[1.0], [0.0]]), np.array([[0.1, 0.9], [0.2, 0.8]], "float32"))
    assert float(m.result().numpy()) == pytest.approx(0.5)


def test_root_mean_squared_error(backend):
    m = metrics.RootMeanSquaredError()
    sq, ws = [], []
    for t, p, w in batches("regression"):
        m.update_state(t, p, sample_weight=w)
        sq.append(((p - t) ** 2 * w[:, None]).sum())
        ws.append(w.sum() * C)
    np.testing.assert_allclose(val(m.result()), np.sqrt(np.sum(sq) / np.sum(ws)), rtol=1e-5)
    assert m.name == "root_mean_squared_error"


@pytest.mark.parametrize("cls, extra", [
    (metrics.BinaryAccuracy, {"threshold": 0.5}), (metrics.TopKCategoricalAccuracy, {"k": 5}),
    (metrics.SparseTopKCategoricalAccuracy, {"k": 5}), (metrics.CategoricalAccuracy, {}),
    (metrics.MeanSquaredError, {}), (metrics.BinaryCrossentropy, {"from_logits": False, "label_smoothing": 0}),
    (metrics.CategoricalCrossentropy, {"from_logits": False, "label_smoothing": 0, "axis": -1}),
    (metrics.SparseCategoricalCrossentropy, {"from_logits": False, "axis": -1}),
    (metrics.CosineSimilarity, {"axis": -1}), (metrics.KLDivergence, {}), (metrics.LogCoshError, {}),
])
def test_config_round_trip(backend, cls, extra):
    m = cls()
    config = m.get_config()
    assert config == {"name": m.name, "dtype": "float32", **extra}
    assert cls.from_config(config).get_config() == config


def test_tf_default_names(backend):
    assert metrics.KLDivergence().name == "kullback_leibler_divergence"
    assert metrics.LogCoshError().name == "logcosh"
    assert metrics.MeanAbsolutePercentageError().name == "mean_absolute_percentage_error"


def test_sparse_crossentropy_metric_rejects_labels_out_of_range_and_keeps_its_state(backend):
    m = metrics.SparseCategoricalCrossentropy()
    preds = np.full((2, 3), 1 / 3, "float32")
    m.update_state(np.array([0, 2]), preds)
    before = [v.numpy() for v in m.variables]
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy received a label value of 4 "
                                         r"which is outside the valid range of \[0, 3\)"):
        m.update_state(np.array([0, 4]), preds)
    for old, new in zip(before, m.variables):
        np.testing.assert_array_equal(old, new.numpy())
    np.testing.assert_allclose(m.result().numpy(), np.log(3), rtol=1e-6)
