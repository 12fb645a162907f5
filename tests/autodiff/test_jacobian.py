"""GradientTape.jacobian and batch_jacobian, as tf's: shapes, values against closed forms, unconnected
sources, a Hessian as the Jacobian of a gradient, and their errors."""
import re

import numpy as np
import pytest

from kerasx import ops
from kerasx.autodiff import GradientTape, Variable, as_tensor


def t(values, dtype="float64"):
    return as_tensor(np.asarray(values, dtype=dtype))


def test_jacobian_of_an_elementwise_op_is_diagonal(backend):
    x = t([1.0, 2.0, 3.0])
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sin(x) * x
    xs = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(tape.jacobian(y, x).numpy(), np.diag(np.cos(xs) * xs + np.sin(xs)), rtol=1e-12)


def test_jacobian_shape_is_target_shape_then_source_shape(backend):
    rng = np.random.default_rng(0)
    x, w = t(rng.standard_normal((2, 3))), Variable(rng.standard_normal((3, 4)))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.matmul(x, w)  # (2, 4)
    jx, jw = tape.jacobian(y, [x, w])
    assert jx.shape == (2, 4, 2, 3) and jw.shape == (2, 4, 3, 4)
    # dy[i, j] / dx[k, l] = delta(i, k) w[l, j]; dy[i, j] / dw[l, m] = delta(j, m) x[i, l].
    want_x = np.einsum("ik,lj->ijkl", np.eye(2), w.numpy())
    want_w = np.einsum("jm,il->ijlm", np.eye(4), x.numpy())
    np.testing.assert_allclose(jx.numpy(), want_x, rtol=1e-12)
    np.testing.assert_allclose(jw.numpy(), want_w, rtol=1e-12)


def test_jacobian_keeps_the_structure_of_sources_and_the_dtype(backend):
    x = t([1.0, 2.0], "float32")
    with GradientTape() as tape:
        tape.watch(x)
        y = x * 3.0
    out = tape.jacobian(y, {"a": x})
    assert set(out) == {"a"} and out["a"].dtype == "float32"
    np.testing.assert_allclose(out["a"].numpy(), 3.0 * np.eye(2))


def test_unconnected_sources_are_none_or_zeros(backend):
    x, z = t([1.0, 2.0]), t([5.0, 6.0, 7.0])
    with GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = x * x
    assert tape.jacobian(y, z) is None
    np.testing.assert_array_equal(tape.jacobian(y, z, unconnected_gradients="zero").numpy(), np.zeros((2, 3)))


def test_batch_jacobian_is_each_examples_own_jacobian(backend):
    rng = np.random.default_rng(1)
    x, w = t(rng.standard_normal((3, 4))), t(rng.standard_normal((4, 2)))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.tanh(ops.matmul(x, w))  # (3, 2)
    got = tape.batch_jacobian(y, x)
    assert got.shape == (3, 2, 4)
    pre = x.numpy() @ w.numpy()
    want = (1 - np.tanh(pre) ** 2)[:, :, None] * w.numpy().T[None]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_hessian_is_the_jacobian_of_a_gradient(backend):
    # f(x) = (a . x)^2 + sum(x^3): H = 2 a a^T + diag(6 x).
    a, x = t([1.0, -2.0, 0.5]), t([0.3, 1.1, -0.7])
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            f = ops.square(ops.sum(a * x)) + ops.sum(x * x * x)
        g = inner.gradient(f, x)
    hessian = outer.jacobian(g, x)
    an, xn = a.numpy(), x.numpy()
    np.testing.assert_allclose(hessian.numpy(), 2 * np.outer(an, an) + np.diag(6 * xn), rtol=1e-12)


def test_a_jacobian_inside_another_tape_is_differentiable(backend):
    x = t([0.5, 1.5])
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        trace = ops.sum(inner.jacobian(y, x))  # sum of diag(3 x^2)
    np.testing.assert_allclose(outer.gradient(trace, x).numpy(), 6 * x.numpy(), rtol=1e-12)


def test_a_non_persistent_tape_gives_one_jacobian(backend):
    x = t([1.0, 2.0])
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x)
    with pytest.raises(RuntimeError, match=re.escape(
            "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians).")):
        tape.jacobian(y, x)


def test_batch_jacobian_errors(backend):
    x = t(np.ones((3, 2)))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2.0
        v = ops.sum(x, axis=1)
    with pytest.raises(ValueError, match=re.escape(
            "Need first dimension of target shape ((3, 2)) and source shape ((2, 2)) to match.")):
        tape.batch_jacobian(y, t(np.ones((2, 2))))
    with pytest.raises(ValueError, match=re.escape(
            "GradientTape.batch_jacobian expects a target and a source of rank 2 or more, (batch, ...); "
            "received shapes (3,) and (3, 2).")):
        tape.batch_jacobian(v, x)
    with pytest.raises(ValueError, match="GradientTape.jacobian target must be a Tensor or Variable, received list"):
        tape.jacobian([y], x)
    with pytest.raises(ValueError, match="unconnected_gradients must be 'none' or 'zero', received 'zeros'"):
        tape.jacobian(y, x, unconnected_gradients="zeros")
