"""`ops.attention` / `ops.attention_with_scores` as users call them: one tape node per call, dtype kept,
shape errors named, and gradients of gradients through the fused op (its `diff_vjp`; the registry tests
check it against finite differences)."""
import numpy as np
import pytest

from kerasx import GradientTape, ops
from kerasx.autodiff.tensor import as_tensor

RNG = np.random.default_rng(0)


def _t(*shape):
    return as_tensor(RNG.standard_normal(shape).astype("float32"))


def test_one_node_per_call_and_float32(backend):
    q, k, v = _t(2, 3, 4), _t(2, 5, 4), _t(2, 5, 2)
    with GradientTape() as tape:
        tape.watch([q, k, v])
        out = ops.attention(q, k, v, ops.causal_mask(3, 5), scale=0.5)
        loss = ops.sum(out)
    assert out.dtype == "float32" and out.shape == (2, 3, 2)
    assert [n.prim.name for n in tape._nodes] == ["attention", "sum"]
    assert all(g.dtype == "float32" for g in tape.gradient(loss, [q, k, v]))


def test_gradient_penalty_through_attention(backend):
    # d/dq of ||d out / d v||^2: the outer tape differentiates the fused op's VJP.
    q, k, v = _t(2, 3, 4), _t(2, 5, 4), _t(2, 5, 2)
    with GradientTape() as outer:
        outer.watch(q)
        with GradientTape() as inner:
            inner.watch(v)
            out = ops.attention(q, k, v, scale=0.5)
            loss = ops.sum(ops.square(out))
        gv = inner.gradient(loss, v)
        penalty = ops.sum(ops.square(gv))
    gq = outer.gradient(penalty, q)
    assert gq is not None and np.all(np.isfinite(gq.numpy())) and np.abs(gq.numpy()).max() > 0


def test_errors(backend):
    q, k, v = _t(2, 3, 4), _t(2, 5, 4), _t(2, 5, 2)
    with pytest.raises(ValueError, match=r"attention: expected query \(..., T, D\), key \(..., S, D\) and value "
                                         r"\(..., S, E\) with the same leading axes; received shapes \(2, 3, 4\), "
                                         r"\(2, 5, 4\) and \(2, 4, 2\)"):
        ops.attention(q, k, _t(2, 4, 2))
    with pytest.raises(ValueError, match=r"attention: query, key and value must have the same rank, at least 2"):
        ops.attention(q, _t(5, 4), v)
    with pytest.raises(ValueError, match=r"attention_with_scores: the mask of shape \(3, 4\) does not broadcast to "
                                         r"the scores' shape \(2, 3, 5\)"):
        ops.attention_with_scores(q, k, v, as_tensor(np.ones((3, 4), bool)))
    with pytest.raises(ValueError, match=r"attention: the mask must be boolean, received dtype float32"):
        ops.attention(q, k, v, as_tensor(np.ones((3, 5), "float32")))
