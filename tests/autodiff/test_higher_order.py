"""Gradients of gradients: nested tapes (and a persistent tape differentiating its own gradient) run
each VJP in primitives, so the outer tape records it. Values are checked against closed forms and
float64 finite differences; an op without a differentiable VJP raises, naming it."""
import re

import numpy as np
import pytest

from kerasx import ops
from kerasx.autodiff import GradientTape, Variable, as_tensor, numeric_gradient
from kerasx.autodiff.primitive import Primitive


def t(values, dtype="float64"):
    return as_tensor(np.asarray(values, dtype=dtype))


def npy(x):
    return None if x is None else x.numpy()


X = [0.5, -1.2, 2.0]


def _critic(dtype="float64"):
    """A two-layer critic on Variables, as a WGAN-GP discriminator."""
    rng = np.random.default_rng(0)
    w1 = Variable(rng.standard_normal((3, 5)).astype(dtype), name="w1")
    b1 = Variable((rng.standard_normal(5) + 2.0).astype(dtype), name="b1")
    w2 = Variable(rng.standard_normal((5, 1)).astype(dtype), name="w2")
    return [w1, b1, w2], lambda x: ops.matmul(ops.tanh(ops.matmul(x, w1) + b1), w2)


X_HAT = np.random.default_rng(1).standard_normal((4, 3))


def _penalty(critic, x_hat):
    """WGAN-GP's penalty, mean((|dD(x_hat)/dx_hat| - 1)^2), with the inner gradient on its own tape."""
    with GradientTape() as inner:
        inner.watch(x_hat)
        score = ops.sum(critic(x_hat))
    g = inner.gradient(score, x_hat)
    return ops.mean(ops.square(ops.sqrt(ops.sum(ops.square(g), axis=1)) - 1.0))


# ---------------------------------------------------------------- values
def test_gradient_penalty_matches_finite_differences(backend):
    weights, critic = _critic()
    x_hat = t(X_HAT)
    with GradientTape() as outer:
        penalty = _penalty(critic, x_hat)
    grads = outer.gradient(penalty, weights)
    for got, want in zip(grads, numeric_gradient(lambda: _penalty(critic, x_hat), weights)):
        np.testing.assert_allclose(npy(got), want, rtol=1e-6, atol=1e-8)


def test_hessian_vector_product_matches_the_closed_form(backend):
    # y = sum(x e^x): the Hessian is diagonal, (x + 2) e^x.
    x, v = t(X), t([1.0, 0.5, -2.0])
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(ops.exp(x) * x)
        g = inner.gradient(y, x)
        target = ops.sum(g * v)
    xs = np.array(X)
    np.testing.assert_allclose(npy(g), (xs + 1) * np.exp(xs), rtol=1e-12)
    np.testing.assert_allclose(npy(outer.gradient(target, x)), (xs + 2) * np.exp(xs) * npy(v), rtol=1e-12)


def test_one_persistent_tape_differentiates_its_own_gradient(backend):
    x = t(X)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = ops.sum(x * x * x)
        g = tape.gradient(y, x)  # 3 x^2, recorded on the tape itself
        z = ops.sum(g * g)       # 9 x^4
    np.testing.assert_allclose(npy(tape.gradient(z, x)), 36 * np.array(X) ** 3, rtol=1e-12)


def test_third_order_through_three_tapes(backend):
    x = t(X)
    with GradientTape() as t3:
        t3.watch(x)
        with GradientTape() as t2:
            t2.watch(x)
            with GradientTape() as t1:
                t1.watch(x)
                y = ops.sum(ops.sin(x))
            s1 = ops.sum(t1.gradient(y, x))  # cos
        s2 = ops.sum(t2.gradient(s1, x))     # -sin
    np.testing.assert_allclose(npy(t3.gradient(s2, x)), -np.cos(X), rtol=1e-12)


def test_persistent_outer_tape_gives_the_penalty_gradient_twice_and_the_first_order_one(backend):
    weights, critic = _critic()
    x_hat = t(X_HAT)
    with GradientTape(persistent=True) as outer:
        penalty = _penalty(critic, x_hat)
        score = ops.sum(critic(x_hat))
    first, second = outer.gradient(penalty, weights), outer.gradient(penalty, weights)
    for a, c in zip(first, second):
        np.testing.assert_array_equal(npy(a), npy(c))
    with GradientTape() as reference:
        ref_score = ops.sum(critic(x_hat))
    for got, want in zip(outer.gradient(score, weights), reference.gradient(ref_score, weights)):
        np.testing.assert_allclose(npy(got), npy(want), rtol=1e-12)


def test_output_gradients_from_the_outer_tape_stay_connected(backend):
    x, v = t(X), t([1.0, 2.0, 3.0])
    with GradientTape() as outer:
        outer.watch(v)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.reshape(x * x, (3, 1))
        g = inner.gradient(y, x, output_gradients=ops.reshape(v * 2.0, (3, 1)))  # 4 v x
        target = ops.sum(g)
    np.testing.assert_allclose(npy(outer.gradient(target, v)), 4 * np.array(X), rtol=1e-12)


def test_a_gradient_the_outer_target_does_not_use_leaves_the_outer_gradient_unchanged(backend):
    # The custom-train_step shape: a gradient taken inside some other recording tape, never
    # differentiated again.
    weights, critic = _critic()
    x_hat = t(X_HAT)
    with GradientTape() as outer:
        with GradientTape() as inner:
            loss = ops.mean(ops.square(critic(x_hat)))
        grads = inner.gradient(loss, weights)
        _ = ops.sum(grads[0] * grads[0])  # computed from the gradient, but not part of the target
        outer_loss = ops.mean(critic(x_hat))
    with GradientTape() as reference:
        ref_loss = ops.mean(critic(x_hat))
    for got, want in zip(outer.gradient(outer_loss, weights), reference.gradient(ref_loss, weights)):
        np.testing.assert_allclose(npy(got), npy(want), rtol=1e-12)


def test_a_gradient_that_does_not_depend_on_the_outer_sources_is_none_or_zero(backend):
    # The gradient of sum(reshape(x + w)) is ones whatever x is: as tf, anything computed from it has
    # no gradient with respect to x.
    x, w = t(X), t([2.0, 3.0, 4.0])
    with GradientTape(persistent=True) as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(ops.reshape(x + w, (3, 1)))
        g = inner.gradient(y, x)
        target = ops.sum(g * g)
    np.testing.assert_allclose(npy(g), [1.0, 1.0, 1.0])
    assert outer.gradient(target, x) is None
    np.testing.assert_array_equal(npy(outer.gradient(target, x, unconnected_gradients="zero")), 0.0)


def test_a_gradient_taken_while_the_outer_tape_is_paused_is_a_constant_to_it(backend):
    x = t(X)
    with GradientTape() as outer:
        outer.watch(x)
        with outer.stop_recording():
            with GradientTape() as inner:
                inner.watch(x)
                y = ops.sum(x * x)
            g = inner.gradient(y, x)
        target = ops.sum(g * x)
    # As tf: what stop_recording hides is a constant to the tape, so only x's direct use counts.
    np.testing.assert_allclose(npy(outer.gradient(target, x)), 2 * np.array(X))


def test_float32_stays_float32_through_the_second_order(backend):
    weights, critic = _critic("float32")
    x_hat = t(X_HAT, "float32")
    with GradientTape() as outer:
        penalty = _penalty(critic, x_hat)
    assert penalty.dtype == "float32"
    assert [g.dtype for g in outer.gradient(penalty, weights)] == ["float32"] * 3


def test_first_order_gradients_keep_no_tensors_for_a_second_order(backend):
    # Only a second recording tape (or a persistent one) makes nodes keep their Tensors.
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        ops.sum(ops.exp(x))
    assert all(node.inputs is None and node.outputs is None for node in tape._nodes)
    with GradientTape() as outer, GradientTape() as inner:
        inner.watch(x)
        ops.sum(ops.exp(x))
    assert inner._nodes and all(node.inputs is not None for node in inner._nodes)
    assert not outer._nodes  # x is not watched by the outer tape


# ---------------------------------------------------------------- errors
SECOND_ORDER = re.compile(
    r"GradientTape\.gradient: the target depends on a gradient computed by a gradient\(\) call while "
    r"this tape was recording \(a gradient of a gradient, as in a gradient penalty or a Hessian-vector "
    r'product\), and that gradient went through the VJP of "(?P<op>[a-z_]+)", (?P<why>.*)')


def test_an_op_without_a_differentiable_vjp_is_named(backend):
    # Every registered primitive has one (tests/ops/test_second_order.py); a user's own may not.
    cube = Primitive("user_cube", lambda b, x: (b.multiply(x, b.square(x)), (x,)),
                     lambda b, g, res, needs: (b.multiply(g, b.multiply(3.0, b.square(res[0]))),))
    x = t(X)
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(cube(x))
        g = inner.gradient(y, x)
        target = ops.sum(g * g)
    np.testing.assert_allclose(npy(g), 3 * np.array(X) ** 2)
    with pytest.raises(RuntimeError, match=SECOND_ORDER) as excinfo:
        outer.gradient(target, x)
    match = SECOND_ORDER.search(str(excinfo.value))
    assert match.group("op") == "user_cube"
    assert "which has no differentiable form" in match.group("why")
    # Raised before anything changed: this non-persistent tape still gives its one gradient.
    np.testing.assert_allclose(npy(outer.gradient(y, x)), 3 * np.array(X) ** 2)


def test_recurrent_layers_differentiate_twice(backend):
    # An LSTM critic's input-gradient penalty, against finite differences.
    rng = np.random.default_rng(0)
    x = t(rng.standard_normal((2, 3, 2)))
    weights = [Variable(rng.standard_normal(s) * 0.5, name=n)
               for s, n in (((2, 8), "kernel"), ((2, 8), "recurrent"), ((8,), "bias"))]
    zeros = t(np.zeros((2, 2)))

    def penalty():
        with GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(ops.lstm(x, *weights, zeros, zeros)[1])
        return ops.sum(ops.square(inner.gradient(y, x)))

    with GradientTape() as outer:
        p = penalty()
    grads = outer.gradient(p, weights)
    for g, num in zip(grads, numeric_gradient(penalty, weights)):
        np.testing.assert_allclose(npy(g), num, rtol=1e-6, atol=1e-9)


def test_a_forward_recorded_by_one_tape_only_says_to_open_the_outer_tape_first(backend):
    x = t(X)
    with GradientTape() as inner:
        inner.watch(x)
        y = ops.sum(ops.exp(x))
    with GradientTape() as outer:
        outer.watch(x)
        g = inner.gradient(y, x)
        target = ops.sum(g)
    with pytest.raises(RuntimeError, match=SECOND_ORDER) as excinfo:
        outer.gradient(target, x)
    assert SECOND_ORDER.search(str(excinfo.value)).group("op") == "exp"
    assert "open the outer tape before the forward pass" in str(excinfo.value)


def test_unconnected_gradients_zero_does_not_hide_the_error(backend):
    x = t(X)
    with GradientTape() as inner:
        inner.watch(x)
        y = ops.sum(ops.exp(x))
    with GradientTape() as outer:
        outer.watch(x)
        target = ops.sum(inner.gradient(y, x))
    with pytest.raises(RuntimeError, match=SECOND_ORDER):
        outer.gradient(target, x, unconnected_gradients="zero")
