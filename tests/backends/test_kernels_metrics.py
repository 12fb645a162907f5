"""`threshold_counts` (backends/generic_metrics.py: buckets by binary search, a weighted histogram and a
cumulative sum) against the broadcast compare it replaced, written here in NumPy: every prediction
against every threshold, summed with the label weights."""
import numpy as np
import pytest

from tests.backends.kernel_test_utils import covers, dev, host

THRESHOLDS = np.array([-1e-7] + [(i + 1) / 199 for i in range(198)] + [1 + 1e-7], dtype="float32")


def _reference(preds, y_true, weights, thresholds):
    """(tp, fp, tn, fn) by comparing each prediction with each threshold: shape (T,) or (T, L)."""
    above = preds[None] > thresholds.reshape((-1,) + (1,) * preds.ndim)     # (T, N) or (T, N, L)
    positive = (y_true != 0)[None]
    w = np.ones_like(preds) if weights is None else weights
    w = w.astype("float64")[None]
    tp = (above & positive) * w
    fp = (above & ~positive) * w
    tn = (~above & ~positive) * w
    fn = (~above & positive) * w
    return [c.sum(axis=1) for c in (tp, fp, tn, fn)]


def _check(backend, preds, y_true, weights, thresholds, dtype="float32", rtol=1e-5):
    got = backend.threshold_counts(dev(backend, preds), dev(backend, y_true),
                                   1 if weights is None else dev(backend, weights), dev(backend, thresholds))
    ref = _reference(preds, y_true, weights, thresholds)
    assert len(got) == 4
    for name, g, r in zip(("tp", "fp", "tn", "fn"), got, ref):
        assert backend.dtype_name(g) == dtype, name
        out = host(backend, g)
        assert out.shape == r.shape, name
        np.testing.assert_allclose(out, r, rtol=rtol, atol=1e-5, err_msg=name)


def _batch(rng, shape, dtype="float32"):
    preds = rng.random(shape).astype(dtype)
    y_true = (rng.random(shape) < 0.3).astype(dtype)
    return preds, y_true


@covers("threshold_counts")
def test_threshold_counts_match_the_broadcast_compare(backend):
    rng = np.random.default_rng(0)
    preds, y_true = _batch(rng, (1280,))
    _check(backend, preds, y_true, None, THRESHOLDS, rtol=0)  # integer counts: exact
    weights = rng.random(1280).astype("float32")
    _check(backend, preds, y_true, weights, THRESHOLDS)


def test_threshold_counts_edges(backend):
    # Predictions equal to a threshold are not above it; NaN is above none; +-inf above all / none;
    # the top_k filter's -1e10 is above none. Labels count as positive when non-zero (2, -1 too).
    thresholds = np.array([0.0, 0.25, 0.5, 0.75, 1.0], dtype="float32")
    preds = np.array([0.0, 0.25, 0.5, 0.75, 1.0, np.nan, np.inf, -np.inf, -1e10, 0.3, 0.6, 2.0],
                     dtype="float32")
    y_true = np.array([1, 0, 2, 0, -1, 1, 1, 0, 1, 0, 1, 0], dtype="float32")
    _check(backend, preds, y_true, None, thresholds, rtol=0)
    _check(backend, preds, y_true, np.linspace(0.5, 2.0, 12).astype("float32"), thresholds)
    # One threshold, and a batch without predictions (all counts zero).
    _check(backend, preds, y_true, None, thresholds[2:3], rtol=0)
    _check(backend, preds[:0], y_true[:0], None, thresholds, rtol=0)


def test_threshold_counts_per_label(backend):
    rng = np.random.default_rng(1)
    preds, y_true = _batch(rng, (64, 5))
    _check(backend, preds, y_true, None, THRESHOLDS, rtol=0)
    _check(backend, preds, y_true, rng.random((64, 5)).astype("float32"), THRESHOLDS)


def test_threshold_counts_keep_float64(backend):
    rng = np.random.default_rng(2)
    preds, y_true = _batch(rng, (300,), dtype="float64")
    weights = rng.random(300)
    _check(backend, preds, y_true, weights, THRESHOLDS.astype("float64"), dtype="float64", rtol=1e-12)


@pytest.mark.parametrize("n", [1, 7, 1000])
def test_threshold_counts_at_random_sizes(backend, n):
    rng = np.random.default_rng(n)
    thresholds = np.sort(rng.random(13)).astype("float32")
    preds = rng.random((n, 3)).astype("float32")
    preds[rng.random((n, 3)) < 0.2] = thresholds[rng.integers(0, 13)]  # ties with a threshold
    _check(backend, preds, (rng.random((n, 3)) < 0.5).astype("float32"), None, thresholds, rtol=0)
