"""Precision and Recall against confusion counts computed with NumPy."""
import numpy as np
import pytest

from kerasx import metrics

RNG = np.random.default_rng(4)


def val(t):
    out = np.asarray(t.numpy())
    assert out.dtype == np.float32
    return out


def counts(t, p, w, threshold):
    pos = p > threshold
    true = t != 0
    return (np.sum(w * (pos & true)), np.sum(w * (pos & ~true)), np.sum(w * (~pos & true)))


BATCHES = [((RNG.uniform(size=(6, 1)) > 0.5).astype("float64"), RNG.uniform(size=(6, 1)).astype("float32"),
            RNG.uniform(0, 2, 6)) for _ in range(3)]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("thresholds", [None, 0.3, [0.2, 0.5, 0.8]])
def test_precision_and_recall_accumulate(backend, weighted, thresholds):
    prec, rec = metrics.Precision(thresholds=thresholds), metrics.Recall(thresholds=thresholds)
    ths = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    tot = np.zeros((len(ths), 3))
    for t, p, w in BATCHES:
        w = w if weighted else np.ones(6)
        prec.update_state(t, p, sample_weight=w if weighted else None)
        rec.update_state(t, p, sample_weight=w if weighted else None)
        tot += [counts(t[:, 0], p[:, 0], w, th) for th in ths]
    tp, fp, fn = tot.T
    ref_p, ref_r = tp / (tp + fp), tp / (tp + fn)
    if not isinstance(thresholds, list):
        ref_p, ref_r = ref_p[0], ref_r[0]
    np.testing.assert_allclose(val(prec.result()), ref_p, rtol=1e-5)
    np.testing.assert_allclose(val(rec.result()), ref_r, rtol=1e-5)
    names = [v.name for v in prec.variables + rec.variables]
    assert names == ["true_positives:0", "false_positives:0", "true_positives:0", "false_negatives:0"]


def test_class_id_and_top_k(backend):
    t = np.array([[0, 1, 0], [1, 0, 1], [0, 0, 1]], "float64")
    p = np.array([[0.2, 0.6, 0.7], [0.9, 0.3, 0.4], [0.1, 0.8, 0.55]], "float32")
    m = metrics.Precision(class_id=2)
    m.update_state(t, p)
    tp, fp, _ = counts(t[:, 2], p[:, 2], 1.0, 0.5)
    np.testing.assert_allclose(val(m.result()), tp / (tp + fp))
    # top_k=1 keeps each row's largest prediction only: 0.7 (wrong), 0.9 (right), 0.8 (wrong).
    k1 = metrics.Precision(top_k=1)
    k1.update_state(t, p)
    np.testing.assert_allclose(val(k1.result()), 1 / 3, rtol=1e-6)
    r1 = metrics.Recall(top_k=1)
    r1.update_state(t, p)
    np.testing.assert_allclose(val(r1.result()), 1 / 4, rtol=1e-6)


def test_empty_result_is_zero(backend):
    assert float(metrics.Precision().result().numpy()) == 0.0


def test_names_config_and_reset(backend):
    p = metrics.Precision(thresholds=[0.1, 0.9], class_id=1, name="p")
    assert p.get_config() == {"name": "p", "dtype": "float32", "thresholds": [0.1, 0.9], "top_k": None,
                              "class_id": 1}
    assert metrics.Precision.from_config(p.get_config()).thresholds == [0.1, 0.9]
    assert [metrics.Recall().name, metrics.Recall().name] == ["recall", "recall_1"]
    p.update_state(np.array([[0, 1.0]]), np.array([[0.2, 0.95]], "float32"))
    p.reset_state()
    assert p.get_weights()[0].tolist() == [0.0, 0.0]


def test_errors(backend):
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]. Received: 1.5"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match=r"Shapes \(2, 2\) and \(2, 3\) are incompatible"):
        metrics.Recall().update_state(np.zeros((2, 2)), np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"Metric 'precision': sample_weight of shape \(3,\) cannot be broadcast"):
        metrics.Precision(name="precision").update_state(np.zeros((2, 1)), np.zeros((2, 1), "float32"),
                                                         sample_weight=np.ones(3))


COUNTS = {"TruePositives": lambda a, t: a & t, "FalsePositives": lambda a, t: a & ~t,
          "TrueNegatives": lambda a, t: ~a & ~t, "FalseNegatives": lambda a, t: ~a & t}


@pytest.mark.parametrize("cls", sorted(COUNTS))
@pytest.mark.parametrize("thresholds", [None, 0.3, [0.1, 0.5, 0.9]])
def test_condition_counts_accumulate(backend, cls, thresholds):
    m = getattr(metrics, cls)(thresholds=thresholds)
    ths = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    ref = np.zeros(len(ths))
    for t, p, w in BATCHES:
        m.update_state(t, p, sample_weight=w)
        ref += [np.sum(w * COUNTS[cls](p[:, 0] > th, t[:, 0] != 0)) for th in ths]
    out = val(m.result())
    assert out.shape == (() if not isinstance(thresholds, list) else (3,))
    np.testing.assert_allclose(out, ref if isinstance(thresholds, list) else ref[0], rtol=1e-5)
    assert [v.name for v in m.variables] == ["accumulator:0"]
    m.reset_state()
    assert not np.any(m.accumulator.numpy())


def test_condition_count_names_config_and_errors(backend):
    assert [metrics.TruePositives().name, metrics.TruePositives().name] == ["true_positives",
                                                                           "true_positives_1"]
    fn = metrics.FalseNegatives(thresholds=[0.2, 0.7], name="fn")
    assert fn.get_config() == {"name": "fn", "dtype": "float32", "thresholds": [0.2, 0.7]}
    assert metrics.FalseNegatives.from_config(fn.get_config()).thresholds == [0.2, 0.7]
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]. Received: \[0.2, -1\]"):
        metrics.TrueNegatives(thresholds=[0.2, -1])
    tp = metrics.TruePositives()
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) cannot be broadcast"):
        tp.update_state(np.ones((2, 1)), np.ones((2, 1), "float32"), sample_weight=np.ones(3))
    assert not np.any(tp.accumulator.numpy())


@pytest.mark.parametrize("name, cls", [("auc", "AUC"), ("precision", "Precision"), ("recall", "Recall"),
                                       ("true_positives", "TruePositives"),
                                       ("false_negatives", "FalseNegatives")])
def test_metric_classes_are_found_by_snake_case_name(backend, name, cls):
    for identifier in (name, cls):
        m = metrics.get(identifier)
        assert type(m) is getattr(metrics, cls) and m.name.startswith(name)
    # A function of the same name keeps its name: 'mean_squared_error' is the function.
    assert metrics.get("mean_squared_error") is metrics.mean_squared_error


def test_unsorted_and_repeated_thresholds_keep_their_order(backend):
    # The counting kernel works on ascending thresholds; the counts come back in the order given.
    ths = [0.8, 0.2, 0.5, 0.2, 0.0]
    t = (RNG.uniform(size=(40, 3)) > 0.5).astype("float32")
    p = RNG.uniform(size=(40, 3)).astype("float32")
    w = RNG.uniform(0, 2, (40, 1)).astype("float32")
    tp, fn = metrics.TruePositives(thresholds=ths), metrics.FalseNegatives(thresholds=ths)
    prec = metrics.Precision(thresholds=ths)
    for m in (tp, fn, prec):
        m.update_state(t, p, sample_weight=w)
    pos, true = p[None] > np.array(ths)[:, None, None], (t != 0)[None]
    ref_tp, ref_fp = np.sum(w * (pos & true), axis=(1, 2)), np.sum(w * (pos & ~true), axis=(1, 2))
    np.testing.assert_allclose(val(tp.result()), ref_tp, rtol=1e-5)
    np.testing.assert_allclose(val(fn.result()), np.sum(w * (~pos & true), axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(val(prec.result()), ref_tp / (ref_tp + ref_fp), rtol=1e-5)
    assert tp.thresholds == ths
