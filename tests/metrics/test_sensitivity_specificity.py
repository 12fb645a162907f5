"""SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision against
NumPy: counts at tf.keras's thresholds, then the best dependent rate where the constraint holds."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers, metrics

RNG = np.random.default_rng(11)


def div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def ref_result(cls, value, ys, ps, ws, num_thresholds):
    ths = [0.5] if num_thresholds == 1 else [0.0] + [(i + 1) / (num_thresholds - 1)
                                                     for i in range(num_thresholds - 2)] + [1.0]
    y, p, w = np.concatenate(ys), np.concatenate(ps), np.concatenate(ws)
    pos = y != 0
    tp = np.array([np.sum(w * ((p > t) & pos)) for t in ths])
    fp = np.array([np.sum(w * ((p > t) & ~pos)) for t in ths])
    tn = np.array([np.sum(w * ((p <= t) & ~pos)) for t in ths])
    fn = np.array([np.sum(w * ((p <= t) & pos)) for t in ths])
    sens, spec, prec = div(tp, tp + fn), div(tn, tn + fp), div(tp, tp + fp)
    constrained, dependent = {"SensitivityAtSpecificity": (spec, sens), "SpecificityAtSensitivity": (sens, spec),
                              "PrecisionAtRecall": (sens, prec), "RecallAtPrecision": (prec, sens)}[cls]
    feasible = constrained >= np.float32(value)
    return dependent[feasible].max() if feasible.any() else 0.0


CLASSES = {"SensitivityAtSpecificity": "specificity", "SpecificityAtSensitivity": "sensitivity",
           "PrecisionAtRecall": "recall", "RecallAtPrecision": "precision"}


@pytest.mark.parametrize("cls", sorted(CLASSES))
@pytest.mark.parametrize("value, num_thresholds", [(0.5, 200), (0.8, 7), (0.3, 1)])
def test_values_accumulate_over_batches(backend, cls, value, num_thresholds):
    m = getattr(metrics, cls)(value, num_thresholds=num_thresholds)
    ys, ps, ws = [], [], []
    for _ in range(3):
        y = (RNG.random(20) > 0.5).astype("float32")
        p = np.clip(0.4 * y + RNG.random(20) * 0.6, 0, 1).astype("float32")
        w = RNG.uniform(0, 2, 20).astype("float32")
        m.update_state(y[:, None], p[:, None], sample_weight=w)
        ys.append(y), ps.append(p), ws.append(w)
    out = m.result().numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref_result(cls, value, ys, ps, ws, num_thresholds), rtol=1e-5)
    m.reset_state()
    assert float(m.result().numpy()) == 0.0 and not any(np.any(v.numpy()) for v in m.variables)


def test_class_id_config_and_names(backend):
    m = metrics.PrecisionAtRecall(0.6, num_thresholds=11, class_id=1)
    y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 30)]
    p = RNG.random((30, 3)).astype("float32")
    m.update_state(y, p)
    np.testing.assert_allclose(m.result().numpy(),
                               ref_result("PrecisionAtRecall", 0.6, [y[:, 1]], [p[:, 1]], [np.ones(30)], 11),
                               rtol=1e-5)
    assert m.get_config() == {"name": "precision_at_recall", "dtype": "float32", "num_thresholds": 11,
                              "recall": 0.6, "class_id": 1}
    clone = metrics.PrecisionAtRecall.from_config(m.get_config())
    assert clone.get_config()["name"] == "precision_at_recall" and clone.thresholds == m.thresholds
    assert metrics.SensitivityAtSpecificity(0.5).specificity == 0.5
    assert [metrics.RecallAtPrecision(0.5).name, metrics.SpecificityAtSensitivity(0.5).name] == [
        "recall_at_precision", "specificity_at_sensitivity"]


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_errors_name_the_argument(backend, cls):
    arg = CLASSES[cls]
    with pytest.raises(ValueError, match=rf"Argument `{arg}` must be in the range \[0, 1\]\. Received: {arg}=1.5"):
        getattr(metrics, cls)(1.5)
    with pytest.raises(ValueError, match=r"Argument `num_thresholds` must be an integer > 0\. "
                                         r"Received: num_thresholds=0"):
        getattr(metrics, cls)(0.5, num_thresholds=0)


def test_in_compile_and_fit(backend):
    x = RNG.random((48, 4)).astype("float32")
    y = (x[:, :1] > 0.5).astype("float32")
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile("adam", "binary_crossentropy",
                  metrics=[metrics.SensitivityAtSpecificity(0.5), metrics.RecallAtPrecision(0.8)])
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert sorted(history.history) == ["loss", "recall_at_precision", "sensitivity_at_specificity"]
    ref = metrics.SensitivityAtSpecificity(0.5)
    ref.update_state(y, model.predict(x, verbose=0))
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["sensitivity_at_specificity"], float(ref.result().numpy()), rtol=1e-6)


def test_numpy_scalars_are_accepted(backend):
    m = metrics.SpecificityAtSensitivity(np.float32(0.5), num_thresholds=np.int64(5))
    assert len(m.thresholds) == 5 and m.get_config()["sensitivity"] == 0.5
    assert metrics.AUC(num_thresholds=np.int64(5)).num_thresholds == 5
