"""The in-place optimizer updates of `kerasx.ops.updates`: one step of each against a NumPy formula, in
place on the variables' arrays, recorded on no tape, with no host/device transfer, and the errors for
arguments of the wrong kind. (Whole optimizers over several steps: tests/optimizers/test_updates.py.)"""
import numpy as np
import pytest

from kerasx import GradientTape, Variable, ops
from kerasx.autodiff.tensor import as_tensor

RNG = np.random.default_rng(3)
SHAPE = (4, 3)
W, G = RNG.normal(size=SHAPE), RNG.normal(size=SHAPE)
M, V = RNG.normal(size=SHAPE), RNG.uniform(0.5, 2.0, SHAPE)  # second moments are positive
LR, B1, B2, EPS = 0.1, 0.9, 0.999, 1e-7


def _sgd(w, g, s):
    s[0] = 0.9 * s[0] - LR * g
    return w + 0.9 * s[0] - LR * g  # Nesterov


def _adam(w, g, s):
    s[0] = B1 * s[0] + (1 - B1) * g
    s[1] = B2 * s[1] + (1 - B2) * g * g
    s[2] = np.maximum(s[2], s[1])
    return w - LR * s[0] / (np.sqrt(s[2]) + EPS)


def _rmsprop(w, g, s):
    s[0] = 0.9 * s[0] + 0.1 * g * g
    s[1] = 0.9 * s[1] + 0.1 * g  # centered
    s[2] = 0.5 * s[2] + LR * g / np.sqrt(s[0] - s[1] ** 2 + EPS)
    return w - s[2]


def _adamax(w, g, s):
    s[0] = B1 * s[0] + (1 - B1) * g
    s[1] = np.maximum(B2 * s[1], np.abs(g))
    return w - LR * s[0] / (s[1] + EPS)


MU_T, MU_T1, SCHED, SCHED_NEXT, V_CORR = 0.45, 0.46, 0.45, 0.207, 0.001


def _nadam(w, g, s):
    g_prime = g / (1 - SCHED)
    s[0] = B1 * s[0] + (1 - B1) * g
    s[1] = B2 * s[1] + (1 - B2) * g * g
    m_bar = (1 - MU_T) * g_prime + MU_T1 * s[0] / (1 - SCHED_NEXT)
    return w - LR * m_bar / (np.sqrt(s[1] / V_CORR) + EPS)


def _adagrad(w, g, s):
    s[0] = s[0] + g * g
    return w - LR * g / (np.sqrt(s[0]) + EPS)


def _adadelta(w, g, s):
    s[0] = 0.95 * s[0] + 0.05 * g * g
    d = np.sqrt(s[1] + EPS) / np.sqrt(s[0] + EPS) * g
    s[1] = 0.95 * s[1] + 0.05 * d * d
    return w - LR * d


WD = 0.05  # lr * weight_decay


def _adamw(w, g, s):
    return _adam(w - w * WD, g, s)  # tf.keras 2.11 decays the variable before the Adam step


def _lion(w, g, s):
    w = w - w * WD
    w = w - LR * np.sign(s[0] * B1 + g * (1 - B1))
    s[0] = s[0] * 0.99 + g * 0.01
    return w


FTRL_POWER, L1, L2, SHRINK = -0.5, 0.05, 0.02, 0.03


def _ftrl(w, g, s):
    new_accum = s[0] + g * g
    s[1] = s[1] + g + 2 * SHRINK * w - (new_accum ** -FTRL_POWER - s[0] ** -FTRL_POWER) / LR * w
    quadratic = new_accum ** -FTRL_POWER / LR + 2 * L2
    s[0] = new_accum
    return (np.clip(s[1], -L1, L1) - s[1]) / quadratic


def _adafactor(w, g, s):
    rho_t, beta_2_t = 0.5, 0.3
    alpha = max(1e-3, np.sqrt(np.mean(w ** 2))) * rho_t
    sq = g * g + 1e-30
    s[0] = beta_2_t * s[0] + (1 - beta_2_t) * sq.mean(-1)
    s[1] = beta_2_t * s[1] + (1 - beta_2_t) * sq.mean(-2)
    s[2] = (s[0] / s[0].mean())[:, None] * s[1][None, :]
    u = g / np.sqrt(s[2])
    return w - alpha * u / max(1.0, np.sqrt(np.mean(u ** 2)) / 0.5)


# name: (the op called on (var, grad, state Variables), its NumPy step in float64 updating the state list
# in place, the initial state)
CASES = {
    "sgd_update": (lambda var, g, s: ops.sgd_update(var, g, s[0], LR, 0.9, True), _sgd, [M]),
    "adam_update": (lambda var, g, s: ops.adam_update(var, g, s[0], s[1], LR, B1, B2, EPS, s[2]), _adam,
                    [M, V, V * 1.5]),
    "rmsprop_update": (lambda var, g, s: ops.rmsprop_update(var, g, s[0], s[2], s[1], LR, 0.9, 0.5, EPS),
                       _rmsprop, [V * 2.0, M * 0.1, M]),
    "adamax_update": (lambda var, g, s: ops.adamax_update(var, g, s[0], s[1], LR, B1, B2, EPS), _adamax,
                      [M, V]),
    "nadam_update": (lambda var, g, s: ops.nadam_update(var, g, s[0], s[1], LR, B1, B2, EPS, MU_T, MU_T1,
                                                        SCHED, SCHED_NEXT, V_CORR), _nadam, [M, V]),
    "adamw_update": (lambda var, g, s: ops.adam_update(var, g, s[0], s[1], LR, B1, B2, EPS, s[2], WD), _adamw,
                     [M, V, V * 1.5]),
    "lion_update": (lambda var, g, s: ops.lion_update(var, g, s[0], LR, B1, 0.99, WD), _lion, [M]),
    "ftrl_update": (lambda var, g, s: ops.ftrl_update(var, g, s[0], s[1], LR, FTRL_POWER, L1, L2, SHRINK),
                    _ftrl, [V, M]),
    "weight_decay_update": (lambda var, g, s: ops.weight_decay_update(var, WD), lambda w, g, s: w - w * WD, []),
    "adafactor_update": (lambda var, g, s: ops.adafactor_update(var, g, s[0], s[1], s[2], 0.5, 0.3, 1e-30, 1e-3,
                                                                0.5), _adafactor, [V[:, 0], V[0], V]),
    "adagrad_update": (lambda var, g, s: ops.adagrad_update(var, g, s[0], LR, EPS), _adagrad, [V]),
    "adadelta_update": (lambda var, g, s: ops.adadelta_update(var, g, s[0], s[1], LR, 0.95, EPS), _adadelta,
                        [V, V * 0.5]),
}


def _setup(state):
    var = Variable(W.astype("float32"), name="w:0")
    slots = [Variable(s.astype("float32"), trainable=False, name=f"s{i}:0") for i, s in enumerate(state)]
    return var, as_tensor(G.astype("float32")), slots


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_step_against_numpy(backend, name):
    apply, step, state = CASES[name]
    var, grad, slots = _setup(state)
    arrays = [var.data] + [s.data for s in slots]
    apply(var, grad, slots)
    expected_state = [s.copy() for s in state]
    expected = step(W.copy(), G, expected_state)
    np.testing.assert_allclose(var.numpy(), expected, rtol=2e-5, atol=1e-6)
    for slot, want in zip(slots, expected_state):
        np.testing.assert_allclose(slot.numpy(), want, rtol=2e-5, atol=1e-6)
    assert all(v.data is a for v, a in zip([var] + slots, arrays)), "the update must write in place"
    assert var.dtype == "float32" and all(s.dtype == "float32" for s in slots)


@pytest.mark.parametrize("name", sorted(CASES))
def test_updates_are_recorded_on_no_tape_and_move_no_data(backend, name):
    apply, _, state = CASES[name]
    var, grad, slots = _setup(state)
    with backend.transfers.counting() as moved:
        with GradientTape() as tape:
            apply(var, grad, slots)
    # A trainable Variable read by a recorded op would be watched: the update is state, not math.
    assert tape.watched_variables() == ()
    assert moved == {"to_host": 0, "to_device": 0}


def test_state_must_be_a_variable_and_the_gradient_a_tensor(backend):
    var, grad, (m, v) = _setup([M, V])
    before = var.numpy()
    with pytest.raises(TypeError, match="adam_update: `m` must be a Variable \\(it is updated in place\\), "
                                        "received Tensor"):
        ops.adam_update(var, grad, ops.zeros(SHAPE), v, LR, B1, B2, EPS)
    with pytest.raises(TypeError, match="adagrad_update: `grad` must be a Tensor, received ndarray"):
        ops.adagrad_update(var, G.astype("float32"), m, LR, EPS)
    with pytest.raises(TypeError, match="sgd_update: `var` must be a Variable"):
        ops.sgd_update(grad, grad, None, LR, 0.0, False)
    np.testing.assert_array_equal(var.numpy(), before)


def test_clip_gradients_in_tf_keras_order(backend):
    grads = [as_tensor(np.array([3.0, -4.0], "float32")), as_tensor(np.array([12.0], "float32"))]
    with backend.transfers.counting() as moved:
        with GradientTape() as tape:
            tape.watch(grads)
            by_value = ops.clip_gradients(grads, clipvalue=3.5)
            by_norm = ops.clip_gradients(grads, clipnorm=1.0)
            by_global = ops.clip_gradients(grads, global_clipnorm=6.5)  # global norm sqrt(25 + 144) = 13
            all_three = ops.clip_gradients(grads, clipvalue=3.5, clipnorm=5.0, global_clipnorm=2.5)
    assert moved == {"to_host": 0, "to_device": 0}
    assert tape.gradient(ops.sum(by_norm[0]), grads[0]) is None, "clipping inside an update is not recorded"
    np.testing.assert_allclose(by_value[0].numpy(), [3.0, -3.5])
    np.testing.assert_allclose(by_norm[0].numpy(), [0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(by_norm[1].numpy(), [1.0], rtol=1e-6)
    np.testing.assert_allclose(by_global[0].numpy(), [1.5, -2.0], rtol=1e-6)
    np.testing.assert_allclose(by_global[1].numpy(), [6.0], rtol=1e-6)
    # By value: (3, -3.5) and (3.5); by norm each stays (norms 4.61 and 3.5); global norm 5.79 -> 2.5.
    scale = 2.5 / np.sqrt(3.0 ** 2 + 3.5 ** 2 + 3.5 ** 2)
    np.testing.assert_allclose(all_three[0].numpy(), [3.0 * scale, -3.5 * scale], rtol=1e-6)
    np.testing.assert_allclose(all_three[1].numpy(), [3.5 * scale], rtol=1e-6)
    assert all(g.dtype == "float32" for g in all_three)
    assert ops.clip_gradients(grads) == grads
    with pytest.raises(TypeError, match="clip_gradients: `grad` must be a Tensor, received list"):
        ops.clip_gradients([[1.0, 2.0]], clipvalue=1.0)
