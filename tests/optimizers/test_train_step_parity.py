"""`model.fit` with AdamW, Lion, Ftrl, Adafactor and tf.keras 2.11's `weight_decay` on the other optimizers, step for
step against a NumPy transcription of tf.keras's update rules (float64), from the same initial weights
and the same (analytic MSE) gradients; and the optimizer state's HDF5 round trip."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import Variable, layers, optimizers
from kerasx.utils import set_random_seed

STEPS = 4
RNG = np.random.default_rng(3)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 + 0.1 * RNG.normal(size=(16, 1))).astype("float32")


def _model(optimizer):
    set_random_seed(1)
    model = keras.Sequential([layers.Dense(1, input_shape=(3,), name="linear")])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _fit_and_reference(optimizer, step):
    """Fits STEPS full-batch steps; runs `step(i, w, g, state, t)` (variable i, float64) on the same
    trajectory. Returns the trained weights and the reference's."""
    model = _model(optimizer)
    ws = [w.astype("float64") for w in model.get_weights()]
    model.fit(X, Y, epochs=STEPS, batch_size=len(X), shuffle=False, verbose=0)
    x, y = X.astype("float64"), Y.astype("float64")
    states = [{} for _ in ws]
    for t in range(1, STEPS + 1):
        err = x @ ws[0] + ws[1] - y
        grads = [2.0 / len(x) * x.T @ err, 2.0 / len(x) * err.sum(axis=0)]
        ws = [step(i, w, g, states[i], t) for i, (w, g) in enumerate(zip(ws, grads))]
    return model, ws


def _check(model, ws, rtol=1e-5):
    for got, want in zip(model.get_weights(), ws):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6)


def _adam_step(lr, b1, b2, eps, wd, amsgrad=False):
    def step(i, w, g, s, t):
        w = w - w * wd * lr  # tf.keras 2.11 Optimizer._apply_weight_decay, before the update
        s.setdefault("m", np.zeros_like(w))
        s.setdefault("v", np.zeros_like(w))
        s.setdefault("vhat", np.zeros_like(w))
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        s["vhat"] = np.maximum(s["vhat"], s["v"])
        return w - s["m"] * alpha / (np.sqrt(s["vhat"] if amsgrad else s["v"]) + eps)
    return step


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adamw_fit_matches_tf_keras_update_rule(backend, amsgrad):
    opt = optimizers.AdamW(learning_rate=0.05, weight_decay=0.1, amsgrad=amsgrad)
    model, ws = _fit_and_reference(opt, _adam_step(0.05, 0.9, 0.999, 1e-7, 0.1, amsgrad))
    _check(model, ws)
    assert int(opt.iterations.numpy()) == STEPS


def test_adamw_defaults_decay_by_0_004(backend):
    model, ws = _fit_and_reference(optimizers.AdamW(), _adam_step(0.001, 0.9, 0.999, 1e-7, 0.004))
    _check(model, ws)


def test_adam_with_weight_decay_is_adamw(backend):
    # tf.keras 2.11: every optimizer takes `weight_decay`; Adam with it is AdamW's rule.
    model, ws = _fit_and_reference(optimizers.Adam(learning_rate=0.05, weight_decay=0.1),
                                   _adam_step(0.05, 0.9, 0.999, 1e-7, 0.1))
    _check(model, ws)


def _lion_step(lr, b1, b2, wd):
    def step(i, w, g, s, t):
        w = w - w * wd * lr
        m = s.setdefault("m", np.zeros_like(w))
        w = w - lr * np.sign(m * b1 + g * (1.0 - b1))
        s["m"] = m * b2 + g * (1.0 - b2)
        return w
    return step


@pytest.mark.parametrize("weight_decay", [None, 0.5])
def test_lion_fit_matches_tf_keras_update_rule(backend, weight_decay):
    opt = optimizers.Lion(learning_rate=0.01, beta_1=0.8, beta_2=0.95, weight_decay=weight_decay)
    model, ws = _fit_and_reference(opt, _lion_step(0.01, 0.8, 0.95, weight_decay or 0.0))
    _check(model, ws)
    assert [w.name for w in opt.weights] == ["Lion/iter:0", "Lion/linear/kernel/m:0", "Lion/linear/bias/m:0"]


def _ftrl_step(lr, lr_power, init, l1, l2, l2_shrinkage, beta):
    def step(i, w, g, s, t):
        accum = s.setdefault("accum", np.full_like(w, init))
        linear = s.setdefault("linear", np.zeros_like(w))
        l2_reg = l2 + beta / (2.0 * lr)
        grad_to_use = g + 2 * l2_shrinkage * w
        new_accum = accum + g ** 2
        linear = linear + grad_to_use - (new_accum ** -lr_power - accum ** -lr_power) / lr * w
        quadratic = new_accum ** -lr_power / lr + 2 * l2_reg
        w = (np.clip(linear, -l1, l1) - linear) / quadratic
        s["accum"], s["linear"] = new_accum, linear
        return w
    return step


@pytest.mark.parametrize("kwargs", [
    {},
    {"learning_rate": 0.5, "learning_rate_power": -0.7, "initial_accumulator_value": 0.3,
     "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
     "l2_shrinkage_regularization_strength": 0.03, "beta": 0.2},
], ids=["defaults", "every-term"])
def test_ftrl_fit_matches_tf_keras_update_rule(backend, kwargs):
    opt = optimizers.Ftrl(**kwargs)
    defaults = {"learning_rate": 0.001, "learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
                "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0}
    a = {**defaults, **kwargs}
    model, ws = _fit_and_reference(opt, _ftrl_step(a["learning_rate"], a["learning_rate_power"],
                                                   a["initial_accumulator_value"], a["l1_regularization_strength"],
                                                   a["l2_regularization_strength"],
                                                   a["l2_shrinkage_regularization_strength"], a["beta"]))
    _check(model, ws, rtol=1e-4)
    assert opt.get_slot_names() == ["accumulator", "linear"]


def _sgd_step(lr, momentum, wd):
    def step(i, w, g, s, t):
        w = w - w * wd * lr
        s["v"] = momentum * s.get("v", np.zeros_like(w)) - lr * g
        return w + s["v"]
    return step


def test_weight_decay_on_sgd_with_a_schedule_uses_the_scheduled_rate(backend):
    sched = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched, momentum=0.9, weight_decay=0.2)
    lrs = {t: 0.1 * 0.5 ** (t - 1) for t in range(1, STEPS + 1)}

    def step(i, w, g, s, t):
        return _sgd_step(lrs[t], 0.9, 0.2)(i, w, g, s, t)

    model, ws = _fit_and_reference(opt, step)
    _check(model, ws)


def test_exclude_from_weight_decay_by_name_and_by_variable(backend):
    opt = optimizers.AdamW(learning_rate=0.05, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["bias"])
    decayed, plain = _adam_step(0.05, 0.9, 0.999, 1e-7, 0.1), _adam_step(0.05, 0.9, 0.999, 1e-7, 0.0)
    model, ws = _fit_and_reference(opt, lambda i, *a: (decayed if i == 0 else plain)(i, *a))
    _check(model, ws)

    opt = optimizers.Lion(learning_rate=0.01, weight_decay=0.5)
    model = _model(opt)
    opt.exclude_from_weight_decay(var_list=[model.layers[0].kernel])
    w0 = [w.astype("float64") for w in model.get_weights()]
    model.fit(X, Y, epochs=1, batch_size=len(X), shuffle=False, verbose=0)
    err = X.astype("float64") @ w0[0] + w0[1] - Y
    g = [2.0 / len(X) * X.T @ err, 2.0 / len(X) * err.sum(axis=0)]
    expected = [w0[0] - 0.01 * np.sign(0.1 * g[0]),
                w0[1] * (1 - 0.005) - 0.01 * np.sign(0.1 * g[1])]
    _check(model, expected)


def test_exclude_from_weight_decay_after_the_first_step_is_refused(backend):
    opt = optimizers.AdamW()
    model = _model(opt)
    model.fit(X, Y, epochs=1, batch_size=len(X), verbose=0)
    with pytest.raises(ValueError, match=r"`exclude_from_weight_decay\(\)` can only be configured before the "
                                         r"optimizer 'AdamW' is built"):
        opt.exclude_from_weight_decay(var_names=["bias"])
    with pytest.raises(TypeError, match="`var_names` must hold strings .*entry 0 is 3"):
        optimizers.AdamW().exclude_from_weight_decay(var_names=[3])
    with pytest.raises(ValueError, match=r"`var_names` entry 1, '\(bias', is not a regular expression"):
        optimizers.AdamW().exclude_from_weight_decay(var_names=["kernel", "(bias"])


def test_exclude_from_weight_decay_before_training_even_after_reading_iterations(backend):
    opt = optimizers.AdamW()
    assert int(opt.iterations.numpy()) == 0
    opt.exclude_from_weight_decay(var_names=["bias"])
    assert opt._use_weight_decay(Variable(np.zeros(1, "float32"), name="dense/kernel:0"))
    assert not opt._use_weight_decay(Variable(np.zeros(1, "float32"), name="dense/bias:0"))


def test_nadam_weight_decay_uses_the_undecayed_rate(backend):
    # Nadam's `decay` (0.004) shapes its momentum, not its learning rate: the weight decay is lr * wd.
    v = Variable(np.array([2.0], "float32"), name="w:0")
    opt = optimizers.Nadam(learning_rate=0.1, weight_decay=0.5)
    for _ in range(3):
        opt.apply_gradients([(np.zeros(1, "float32"), v)])  # a zero gradient: only the decay moves w
    np.testing.assert_allclose(v.numpy(), [2.0 * 0.95 ** 3], rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: optimizers.AdamW(learning_rate=0.05, weight_decay=0.1, amsgrad=True),
    lambda: optimizers.Lion(learning_rate=0.01, weight_decay=0.3),
    lambda: optimizers.Ftrl(learning_rate=0.3, l1_regularization_strength=0.01, beta=0.1),
    lambda: optimizers.Adafactor(learning_rate=0.1, weight_decay=0.01),
    lambda: optimizers.RMSprop(learning_rate=0.01, weight_decay=0.1, clipnorm=1.0),
], ids=["AdamW", "Lion", "Ftrl", "Adafactor", "RMSprop"])
def test_hdf5_round_trip_resumes_training_exactly(backend, tmp_path, make):
    model = _model(make())
    model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5")
    assert type(restored.optimizer) is type(model.optimizer)
    assert restored.optimizer.get_config() == model.optimizer.get_config()
    assert [w.name for w in restored.optimizer.weights] == [w.name for w in model.optimizer.weights]
    for got, want in zip(restored.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(got, want)
    model.train_on_batch(X, Y)
    restored.train_on_batch(X, Y)
    for got, want in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def _rms(x):
    return np.sqrt(np.mean(np.square(x)))


def _adafactor_step(lr, beta_2_decay, eps1, eps2, clip_threshold):
    """tf.keras 2.11's Adafactor.update_step, transcribed."""
    def step(i, w, g, s, t):
        lr_t = min(lr, 1 / np.sqrt(t))  # relative_step with a constant learning rate
        rho_t = min(lr_t, 1 / np.sqrt(t))
        alpha_t = max(eps2, _rms(w)) * rho_t
        regulated = np.square(g) + eps1
        beta_2_t = 1 - t ** beta_2_decay
        if w.ndim >= 2:
            r = s.setdefault("r", np.zeros(w.shape[:-1]))
            c = s.setdefault("c", np.zeros(w.shape[:-2] + w.shape[-1:]))
            s["r"] = beta_2_t * r + (1 - beta_2_t) * np.mean(regulated, axis=-1)
            s["c"] = beta_2_t * c + (1 - beta_2_t) * np.mean(regulated, axis=-2)
            v = np.expand_dims(s["r"] / np.mean(s["r"], axis=-1, keepdims=True), -1) * np.expand_dims(s["c"], -2)
        else:
            v = beta_2_t * s.get("v", np.zeros_like(w)) + (1 - beta_2_t) * regulated
        s["v"] = v
        u_t = g / np.sqrt(v)
        u_t_hat = u_t / max(1.0, _rms(u_t) / clip_threshold)
        return w - alpha_t * u_t_hat
    return step


@pytest.mark.parametrize("kwargs", [{}, {"learning_rate": 0.3, "beta_2_decay": -0.5, "epsilon_2": 0.5,
                                         "clip_threshold": 0.2}], ids=["defaults", "changed"])
def test_adafactor_fit_matches_tf_keras_update_rule(backend, kwargs):
    a = {"learning_rate": 0.001, "beta_2_decay": -0.8, "epsilon_1": 1e-30, "epsilon_2": 1e-3,
         "clip_threshold": 1.0, **kwargs}
    opt = optimizers.Adafactor(**kwargs)
    model, ws = _fit_and_reference(opt, _adafactor_step(a["learning_rate"], a["beta_2_decay"], a["epsilon_1"],
                                                        a["epsilon_2"], a["clip_threshold"]))
    _check(model, ws)
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    assert opt.get_slot(kernel, "r").shape == (3,) and opt.get_slot(kernel, "c").shape == (1,)
    assert opt.get_slot(bias, "r").shape == () and opt.get_slot(bias, "v").shape == (1,)


def test_adafactor_factors_a_3d_variable_over_its_last_two_axes(backend):
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(2, 3, 4)).astype("float32")
    grads = [rng.normal(size=w0.shape).astype("float32") for _ in range(3)]
    var = Variable(w0, name="w:0")
    opt = optimizers.Adafactor(learning_rate=0.1)
    step, w, state = _adafactor_step(0.1, -0.8, 1e-30, 1e-3, 1.0), w0.astype("float64"), {}
    for t, g in enumerate(grads, start=1):
        opt.apply_gradients([(g, var)])
        w = step(0, w, g.astype("float64"), state, t)
    np.testing.assert_allclose(var.numpy(), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(opt.get_slot(var, "c").numpy(), state["c"], rtol=1e-5)
    assert opt.get_slot(var, "r").shape == (2, 3) and opt.get_slot(var, "c").shape == (2, 4)


# ---------------------------------------------------------------- use_ema (tf.keras 2.11)
def _ema_reference(lr, momentum, ema_momentum, overwrite_every=None, steps=STEPS):
    """SGD with tf.keras 2.11's EMA: the average starts at the initial weights and follows each update;
    every `overwrite_every` steps the weights are set to it; `fit` ends by setting them to it."""
    model = _model(optimizers.SGD(learning_rate=lr, momentum=momentum, use_ema=True, ema_momentum=ema_momentum,
                                  ema_overwrite_frequency=overwrite_every))
    ws = [w.astype("float64") for w in model.get_weights()]
    averages = [w.copy() for w in ws]
    vel = [np.zeros_like(w) for w in ws]
    x, y = X.astype("float64"), Y.astype("float64")
    for t in range(1, steps + 1):
        err = x @ ws[0] + ws[1] - y
        grads = [2.0 / len(x) * x.T @ err, 2.0 / len(x) * err.sum(axis=0)]
        for i, g in enumerate(grads):
            vel[i] = momentum * vel[i] - lr * g
            ws[i] = ws[i] + vel[i]
            averages[i] = ema_momentum * averages[i] + (1 - ema_momentum) * ws[i]
            if overwrite_every and t % overwrite_every == 0:
                ws[i] = averages[i].copy()
    return model, ws, averages


@pytest.mark.parametrize("overwrite_every", [None, 2])
def test_use_ema_fit_ends_with_the_moving_average(backend, overwrite_every):
    model, ws, averages = _ema_reference(0.1, 0.5, 0.7, overwrite_every)
    model.fit(X, Y, epochs=STEPS, batch_size=len(X), shuffle=False, verbose=0)
    _check(model, averages)
    opt = model.optimizer
    kernel = model.layers[0].kernel
    np.testing.assert_allclose(opt.get_slot(kernel, "average").numpy(), averages[0], rtol=1e-5, atol=1e-6)
    assert [w.name for w in opt.weights][:3] == ["SGD/iter:0", "SGD/linear/kernel/average:0",
                                                 "SGD/linear/bias/average:0"]


def test_use_ema_between_steps_the_weights_are_the_trained_ones(backend):
    # Without fit's finalize, train_on_batch leaves the trained weights (overwritten only every N steps).
    model, ws, _ = _ema_reference(0.1, 0.5, 0.7, overwrite_every=3, steps=2)
    for _ in range(2):
        model.train_on_batch(X, Y)
    _check(model, ws)
    model.optimizer.finalize_variable_values(model.trainable_variables)
    assert not np.allclose(model.get_weights()[0], ws[0])


def test_finalize_variable_values_without_ema_changes_nothing(backend):
    model = _model(optimizers.Adam())
    model.fit(X, Y, epochs=1, batch_size=len(X), verbose=0)
    before = model.get_weights()
    model.optimizer.finalize_variable_values(model.trainable_variables)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_use_ema_state_round_trips_through_hdf5(backend, tmp_path):
    model = _model(optimizers.AdamW(learning_rate=0.05, use_ema=True, ema_momentum=0.9))
    model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5")
    assert restored.optimizer.use_ema and restored.optimizer.get_config() == model.optimizer.get_config()
    for got, want in zip(restored.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(got, want)
    model.train_on_batch(X, Y)
    restored.train_on_batch(X, Y)
    for got, want in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
