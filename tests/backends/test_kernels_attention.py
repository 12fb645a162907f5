"""The attention kernels on every available backend, against NumPy formulas written here (float64
references, float32 kernels), once over the whole batch and once in blocks of one (batch, head) entry."""
import numpy as np
import pytest

from tests.backends.kernel_test_utils import RED, check, covers, dev, host, rand


def _ref(q, k, v, mask, dropout, scale):
    q, k, v = (a.astype("float64") for a in (q, k, v))
    s = scale * np.einsum("...td,...sd->...ts", q, k)
    if mask is not None:
        # tf.keras's additive mask in float32, the kernels' dtype: s - 1e9 rounds to -1e9 (ulp 64), so a row
        # masked everywhere attends uniformly.
        s = np.where(mask, s, (s.astype("float32") - np.float32(1e9)).astype("float64"))
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    pd = p if dropout is None else p * dropout
    return pd @ v, p


def _ref_grad(g, gp, q, k, v, mask, dropout, scale):
    """Gradients by the chain rule written out in float64."""
    q, k, v, g = (a.astype("float64") for a in (q, k, v, g))
    _, p = _ref(q, k, v, mask, dropout, scale)
    drop = np.ones_like(p) if dropout is None else dropout
    dpd = g @ np.swapaxes(v, -1, -2)
    dv = np.swapaxes(p * drop, -1, -2) @ g
    dp = dpd * drop + (0 if gp is None else gp)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True)) * scale
    return ds @ k, np.swapaxes(ds, -1, -2) @ q, dv, p * dpd


@pytest.fixture(params=["whole", "blocks of one"])
def blocks(request, backend, monkeypatch):
    if request.param != "whole":
        monkeypatch.setattr(backend, "attention_chunk_bytes", 1)
    return request.param


def _case(kind):
    q, k, v = rand(2, 3, 4, 5), rand(2, 3, 6, 5, seed=1), rand(2, 3, 6, 2, seed=2)
    mask = dropout = None
    if kind in ("padding", "both"):
        mask = np.random.default_rng(3).uniform(size=(2, 1, 1, 6)) > 0.4
        mask[0, 0, 0, :] = False  # a row masked everywhere attends uniformly, as tf.keras
    if kind == "causal":
        mask = np.tri(4, 6, dtype=bool)
    if kind == "both":
        dropout = ((np.random.default_rng(4).uniform(size=(2, 3, 4, 6)) > 0.3) / 0.7).astype("float32")
    return q, k, v, mask, dropout


@covers("attention")
@pytest.mark.parametrize("kind", ["plain", "padding", "causal", "both"])
def test_attention(backend, blocks, kind):
    q, k, v, mask, dropout = _case(kind)
    out, probs = backend.attention(dev(backend, q), dev(backend, k), dev(backend, v),
                                   None if mask is None else dev(backend, mask),
                                   None if dropout is None else dev(backend, dropout), 0.5)
    ref_out, ref_p = _ref(q, k, v, mask, dropout, 0.5)
    check(backend, out, ref_out, rtol=RED, atol=1e-5)
    check(backend, probs, ref_p, rtol=RED, atol=1e-6)
    if kind == "padding":
        np.testing.assert_allclose(host(backend, probs)[0, 0, 0], np.full(6, 1 / 6), rtol=1e-5)


@covers("attention_grad")
@pytest.mark.parametrize("kind", ["plain", "padding", "causal", "both"])
@pytest.mark.parametrize("with_probs", [False, True])
def test_attention_grad(backend, blocks, kind, with_probs):
    q, k, v, mask, dropout = _case(kind)
    g = rand(2, 3, 4, 2, seed=5)
    gp = rand(2, 3, 4, 6, seed=6) if with_probs else None
    _, probs = backend.attention(dev(backend, q), dev(backend, k), dev(backend, v),
                                 None if mask is None else dev(backend, mask),
                                 None if dropout is None else dev(backend, dropout), 0.5)
    grads = backend.attention_grad(dev(backend, g), None if gp is None else dev(backend, gp), dev(backend, q),
                                   dev(backend, k), dev(backend, v), probs,
                                   None if dropout is None else dev(backend, dropout), 0.5,
                                   (True, True, True, dropout is not None))
    refs = _ref_grad(g, gp, q, k, v, mask, dropout, 0.5)
    for got, ref in zip(grads[:3], refs[:3]):
        check(backend, got, ref, rtol=RED, atol=1e-5)
    if dropout is None:
        assert grads[3] is None
    else:
        check(backend, grads[3], refs[3], rtol=RED, atol=1e-5)


def test_attention_grad_computes_only_what_is_needed(backend):
    q, k, v, mask, _ = _case("plain")
    _, probs = backend.attention(dev(backend, q), dev(backend, k), dev(backend, v), None, None, 1.0)
    g = rand(2, 3, 4, 2, seed=5)
    dq, dk, dv, dd = backend.attention_grad(dev(backend, g), None, dev(backend, q), dev(backend, k),
                                            dev(backend, v), probs, None, 1.0, (False, False, True, False))
    assert dq is None and dk is None and dd is None
    check(backend, dv, _ref_grad(g, None, q, k, v, None, None, 1.0)[2], rtol=RED, atol=1e-5)


@covers("causal_mask")
def test_causal_mask(backend):
    got = host(backend, backend.causal_mask(3, 5))
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got, np.array([[j <= i for j in range(5)] for i in range(3)]))


@covers("attention")
def test_robust_masking_replaces_masked_scores(backend, blocks):
    # where(mask, scores, -1e9): a row masked everywhere is uniform even where the scores are large,
    # whereas shifting them by -1e9 keeps float32's rounding of scores of this size.
    q, k, v = rand(1, 2, 3) * 40, rand(1, 4, 3, seed=1) * 40, rand(1, 4, 2, seed=2)
    mask = np.array([[[True, False, True, True], [False, False, False, False]]])
    out, probs = backend.attention(dev(backend, q), dev(backend, k), dev(backend, v), dev(backend, mask), None,
                                   1.0, True)
    s = np.einsum("btd,bsd->bts", q.astype("float64"), k.astype("float64"))
    s = np.where(mask, s, -1e9)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    check(backend, probs, p, rtol=RED, atol=1e-6)
    check(backend, out, p @ v, rtol=RED, atol=1e-5)
    np.testing.assert_array_equal(host(backend, probs)[0, 1], np.full(4, 0.25, "float32"))
