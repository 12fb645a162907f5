"""FBetaScore and F1Score against precision/recall counted in NumPy."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers, metrics

RNG = np.random.default_rng(12)


def div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def ref_fbeta(y, p, w, average, beta, threshold):
    if threshold is None:
        pred = (p >= p.max(-1, keepdims=True)) & (np.abs(p) > 1e-9)
    else:
        pred = p > threshold
    pred = pred.astype("float64")
    axis = None if average == "micro" else 0
    tp = np.sum(pred * y * w[:, None], axis=axis)
    fp = np.sum(pred * (1 - y) * w[:, None], axis=axis)
    fn = np.sum((1 - pred) * y * w[:, None], axis=axis)
    support = np.sum(y * w[:, None], axis=axis)
    prec, rec = div(tp, tp + fp), div(tp, tp + fn)
    score = div(prec * rec, beta ** 2 * prec + rec) * (1 + beta ** 2)
    if average == "weighted":
        return np.sum(score * support / support.sum())
    return score.mean() if average else score


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta, threshold", [(1.0, None), (0.5, 0.4), (2.0, None)])
def test_values_over_batches(backend, average, beta, threshold):
    m = metrics.FBetaScore(average=average, beta=beta, threshold=threshold)
    ys, ps, ws = [], [], []
    for _ in range(3):
        y = np.eye(4, dtype="float32")[RNG.integers(0, 4, 12)]
        p = RNG.random((12, 4)).astype("float32")
        w = RNG.uniform(0, 2, 12).astype("float32")
        m.update_state(y, p, sample_weight=w)
        ys.append(y), ps.append(p), ws.append(w)
    out = m.result().numpy()
    assert out.dtype == np.float32 and out.shape == (() if average else (4,))
    ref = ref_fbeta(np.concatenate(ys), np.concatenate(ps), np.concatenate(ws), average, beta, threshold)
    np.testing.assert_allclose(out, ref, rtol=1e-5)
    m.reset_state()
    assert not any(np.any(v.numpy()) for v in m.variables)


def test_f1_is_fbeta_one_and_configs(backend):
    y = np.eye(3, dtype="float32")[[0, 1, 2, 2]]
    p = np.array([[0.9, 0.1, 0], [0.2, 0.3, 0.5], [0, 0, 0], [0.1, 0.1, 0.8]], "float32")
    f1, fb = metrics.F1Score(average="macro"), metrics.FBetaScore(average="macro", beta=1.0)
    f1.update_state(y, p), fb.update_state(y, p)
    np.testing.assert_allclose(f1.result().numpy(), fb.result().numpy())
    # The all-zero row predicts nothing (not every class).
    np.testing.assert_allclose(f1.result().numpy(), ref_fbeta(y, p, np.ones(4), "macro", 1.0, None), rtol=1e-6)
    assert f1.get_config() == {"name": "f1_score", "dtype": "float32", "average": "macro", "threshold": None}
    assert fb.get_config() == {"name": "fbeta_score", "dtype": "float32", "average": "macro", "beta": 1.0,
                               "threshold": None}
    assert metrics.F1Score.from_config(f1.get_config()).get_config() == f1.get_config()
    assert metrics.FBetaScore.from_config(fb.get_config()).get_config() == fb.get_config()
    assert [v.name for v in f1.variables] == ["true_positives:0", "false_positives:0", "false_negatives:0",
                                              "intermediate_weights:0"]


def test_errors(backend):
    with pytest.raises(ValueError, match=r"Invalid `average` argument value\. Expected one of: \{None, "
                                         r"'micro', 'macro', 'weighted'\}\. Received: average=mean"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match=r"Invalid `beta` argument value\. It should be a Python float\. "
                                         r"Received: beta=1 of type"):
        metrics.FBetaScore(beta=1)
    with pytest.raises(ValueError, match=r"It should be > 0\. Received: beta=-1.0"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match=r"It should verify 0 < threshold <= 1\. Received: threshold=1.5"):
        metrics.F1Score(threshold=1.5)
    m = metrics.F1Score()
    with pytest.raises(ValueError, match=r"F1Score expects 2D inputs with shape \(batch_size, output_dim\)\. "
                                         r"Received input shapes: y_pred.shape=\(3,\) and y_true.shape=\(3,\)"):
        m.update_state([1.0, 0, 1], [0.2, 0.4, 0.9])
    m.update_state(np.eye(2), np.eye(2))
    with pytest.raises(ValueError, match=r"counts 2 classes; received y_pred.shape=\(2, 3\)"):
        m.update_state(np.eye(2, 3), np.eye(2, 3))
    np.testing.assert_allclose(m.result().numpy(), [1.0, 1.0])


def test_in_compile_and_fit(backend):
    x = RNG.random((40, 5)).astype("float32")
    y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 40)]
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(5,))])
    model.compile("adam", "categorical_crossentropy",
                  metrics=[metrics.F1Score(average="macro"), metrics.FBetaScore(beta=2.0)])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert sorted(history.history) == ["f1_score", "fbeta_score", "loss"]
    assert np.asarray(history.history["fbeta_score"][0]).shape == (3,)  # average=None: one per class
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    ref = ref_fbeta(y, model.predict(x, verbose=0), np.ones(40), "macro", 1.0, None)
    np.testing.assert_allclose(logs["f1_score"], ref, rtol=1e-5)
