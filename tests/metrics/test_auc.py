"""AUC against confusion counts and tf.keras's documented area formulas, written here in NumPy."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers, metrics
from tests.conftest import report_transfers

RNG = np.random.default_rng(10)
EPS = 1e-7


def val(t):
    out = np.asarray(t.numpy())
    assert out.dtype == np.float32
    return out


def ref_thresholds(num_thresholds=200, thresholds=None):
    inner = sorted(thresholds) if thresholds is not None else [
        (i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return np.array([-EPS] + list(inner) + [1 + EPS], dtype="float32")


def ref_counts(y, p, w, ths):
    """(T, ...) tp, fp, tn, fn; predictions and labels (N, L) reduced over the batch axis."""
    pos = (y != 0).astype("float64")
    out = []
    for t in ths:
        above = (p > t).astype("float64")
        out.append([np.sum(w * above * pos, 0), np.sum(w * above * (1 - pos), 0),
                    np.sum(w * (1 - above) * (1 - pos), 0), np.sum(w * (1 - above) * pos, 0)])
    return [np.array(c) for c in zip(*out)]


def div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def ref_area(tp, fp, tn, fn, curve, method):
    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum(0)
    recall = div(tp, tp + fn)
    x, y = (div(fp, fp + tn), recall) if curve == "ROC" else (recall, div(tp, tp + fp))
    heights = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
               "majoring": np.maximum(y[:-1], y[1:])}[method]
    return ((x[:-1] - x[1:]) * heights).sum(0)


def batches(n=3, size=16, labels=1):
    return [((RNG.uniform(size=(size, labels)) > 0.6).astype("float32"),
             RNG.uniform(size=(size, labels)).astype("float32"), RNG.uniform(0, 2, size).astype("float32"))
            for _ in range(n)]


def test_tf_keras_doc_example(backend):
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    # tf.keras's docstring: thresholds [0 - 1e-7, 0.5, 1 + 1e-7], tp [2, 1, 0], fp [2, 0, 0], ... -> 0.75
    np.testing.assert_allclose(val(m.result()), 0.75, rtol=1e-6)
    assert m.true_positives.numpy().tolist() == [2, 1, 0]
    assert m.false_positives.numpy().tolist() == [2, 0, 0]


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("weighted", [False, True])
def test_curves_and_summation_over_batches(backend, curve, method, weighted):
    m = metrics.AUC(num_thresholds=50, curve=curve, summation_method=method)
    ths = ref_thresholds(50)
    tot = None
    for y, p, w in batches():
        w = w if weighted else np.ones_like(w)
        m.update_state(y, p, sample_weight=w if weighted else None)
        c = ref_counts(y[:, 0], p[:, 0], w, ths)
        tot = c if tot is None else [a + b for a, b in zip(tot, c)]
    np.testing.assert_allclose(val(m.result()), ref_area(*tot, curve, method), rtol=2e-5, atol=1e-6)
    for name, ref in zip(["true_positives", "false_positives", "true_negatives", "false_negatives"], tot):
        np.testing.assert_allclose(getattr(m, name).numpy(), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
def test_multi_label_with_label_weights(backend, curve):
    lw = [0.5, 2.0, 1.0]
    m = metrics.AUC(num_thresholds=20, curve=curve, multi_label=True, label_weights=lw)
    plain = metrics.AUC(num_thresholds=20, curve=curve, multi_label=True)
    ths = ref_thresholds(20)
    tot = None
    for y, p, w in batches(labels=3):
        m.update_state(y, p, sample_weight=w)
        plain.update_state(y, p, sample_weight=w)
        c = ref_counts(y, p, w[:, None], ths)
        tot = c if tot is None else [a + b for a, b in zip(tot, c)]
    assert m.true_positives.shape == (20, 3)
    by_label = ref_area(*tot, curve, "interpolation")
    np.testing.assert_allclose(val(m.result()), np.sum(by_label * lw) / np.sum(lw), rtol=2e-5)
    np.testing.assert_allclose(val(plain.result()), by_label.mean(), rtol=2e-5)


def test_label_weights_without_multi_label_weigh_the_predictions(backend):
    lw = [0.2, 1.0, 3.0]
    m = metrics.AUC(num_thresholds=30, label_weights=lw)
    ths = ref_thresholds(30)
    (y, p, w), = batches(n=1, labels=3)
    m.update_state(y, p, sample_weight=w)
    c = ref_counts(y.ravel(), p.ravel(), (w[:, None] * np.array(lw)).ravel(), ths)
    np.testing.assert_allclose(val(m.result()), ref_area(*c, "ROC", "interpolation"), rtol=2e-5)


def test_given_thresholds_and_from_logits(backend):
    (y, p, _), = batches(n=1)
    logits = np.log(p / (1 - p))
    m = metrics.AUC(thresholds=[0.7, 0.2, 0.5], from_logits=True)
    assert m.num_thresholds == 5
    np.testing.assert_allclose(m.thresholds, ref_thresholds(thresholds=[0.2, 0.5, 0.7]), rtol=1e-6)
    m.update_state(y, logits)
    c = ref_counts(y[:, 0], p[:, 0], 1.0, ref_thresholds(thresholds=[0.2, 0.5, 0.7]))
    np.testing.assert_allclose(val(m.result()), ref_area(*c, "ROC", "interpolation"), rtol=1e-5)


def test_reset_and_config_round_trip(backend):
    m = metrics.AUC(num_thresholds=7, curve="pr", summation_method="Minoring", name="my_auc",
                    multi_label=True, num_labels=2, label_weights=[1.0, 3.0], from_logits=True)
    config = m.get_config()
    assert config == {"name": "my_auc", "dtype": "float32", "num_thresholds": 7, "curve": "PR",
                      "summation_method": "minoring", "multi_label": True, "num_labels": 2,
                      "label_weights": [1.0, 3.0], "thresholds": [i / 6 for i in range(1, 6)],
                      "from_logits": True}
    clone = metrics.AUC.from_config(config)
    assert clone.get_config() == config
    y, p = np.array([[1, 0], [0, 1.0]]), np.array([[0.3, -0.2], [0.9, 2.0]], "float32")
    m.update_state(y, p)
    clone.update_state(y, p)
    np.testing.assert_allclose(val(clone.result()), val(m.result()))
    m.reset_state()
    assert all(not np.any(v.numpy()) for v in m.variables) and len(m.variables) == 4
    assert float(metrics.AUC().result().numpy()) == 0.0
    assert float(metrics.AUC(multi_label=True).result().numpy()) == 0.0  # nothing counted yet


def test_errors_name_the_argument_and_change_nothing(backend):
    with pytest.raises(ValueError, match=r"Argument `num_thresholds` must be an integer > 1\. "
                                         r"Received: num_thresholds=1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match=r'Invalid AUC curve value: "XY"\. Expected values are \["PR", "ROC"\]'):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match=r'Invalid AUC summation method value: "trapezoid"\. Expected '
                                         r'values are \["interpolation", "majoring", "minoring"\]'):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]\. Received: \[0.5, 2\]"):
        metrics.AUC(thresholds=[0.5, 2])
    with pytest.raises(ValueError, match=r"All values of `label_weights` must be non-negative"):
        metrics.AUC(label_weights=[1.0, -1.0])
    m = metrics.AUC(multi_label=True, num_labels=2)
    with pytest.raises(ValueError, match=r"must have rank 2 when `multi_label=True`\. Found rank 1"):
        m.update_state([1.0, 0.0], [0.3, 0.4])
    with pytest.raises(ValueError, match=r"counts 2 labels; received predictions of shape \(1, 3\)"):
        m.update_state([[1.0, 0.0, 1.0]], [[0.3, 0.4, 0.2]])
    w = metrics.AUC(label_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"`label_weights` has 2 entries for predictions of shape \(2, 3\)"):
        w.update_state(np.ones((2, 3)), np.ones((2, 3), "float32") / 2)
    assert not any(np.any(v.numpy()) for v in m.variables + w.variables)


def test_string_names_in_compile_and_history_keys(backend):
    x = RNG.random((64, 4)).astype("float32")
    y = (x[:, :1] > 0.5).astype("float32")
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile("adam", "binary_crossentropy",
                  metrics=["AUC", "auc", metrics.AUC(curve="PR", name="pr_auc"), "precision", "Recall",
                           "true_positives",
                           metrics.FalseNegatives(thresholds=[0.3, 0.6])])
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert sorted(history.history) == sorted(["loss", "auc", "auc_1", "pr_auc", "precision", "recall",
                                              "true_positives", "false_negatives"])
    assert all(len(v) == 2 for v in history.history.values())
    # The logs are the epoch's accumulated values: evaluate (fresh states) over the same data agrees.
    ref = metrics.AUC(num_thresholds=200)
    ref.update_state(y, model.predict(x, verbose=0))
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["auc"], float(ref.result().numpy()), rtol=1e-5)
    assert np.asarray(logs["false_negatives"]).shape == (2,)


def test_unknown_metric_name_still_raises(backend):
    with pytest.raises(ValueError, match=r"Unknown metric function: 'aucc'"):
        metrics.get("aucc")


def test_fit_with_auc_reads_back_only_the_logs(backend):
    """AUC's confusion counts are updated by device kernels: a fit reads back the logs, nothing more
    (the style of tests/engine/test_host_syncs.py)."""
    model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)),
                              layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["AUC", "precision"])
    x, y = RNG.random((32, 8)).astype("float32"), RNG.integers(0, 2, (32, 1)).astype("float32")
    model.train_on_batch(x, y)
    counts = {}
    for steps in (1, 10):
        with backend.transfers.counting() as moved:
            history = model.fit(np.tile(x, (steps, 1)), np.tile(y, (steps, 1)), batch_size=32, epochs=1,
                                verbose=0)
        counts[steps] = moved
        report_transfers(f"{backend.name}: fit of the MLP, {steps} step(s), metrics=['AUC', 'precision']",
                         moved)
    assert sorted(history.history) == ["auc", "loss", "precision"]
    assert counts[1]["to_host"] == counts[10]["to_host"] == 3, counts   # loss, auc, precision
    if backend.name != "numpy":  # NumPy's reductions are host scalars: its to_device count is not copies
        assert counts[10]["to_device"] == counts[1]["to_device"], counts


def test_h5_model_keeps_the_compiled_auc_not_its_counts(backend, tmp_path):
    """As tf.keras's HDF5 format: the training config names the metric (its config), the states are
    not saved; the reloaded model's AUC starts from zero with the same settings."""
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile("sgd", "binary_crossentropy", metrics=[metrics.AUC(num_thresholds=11, curve="PR")])
    x, y = RNG.random((8, 3)).astype("float32"), (RNG.random((8, 1)) > 0.5).astype("float32")
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = keras.models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)
    auc = [m for m in loaded.metrics if isinstance(m, metrics.AUC)]
    assert len(auc) == 1 and auc[0].num_thresholds == 11 and auc[0].curve == "PR"
