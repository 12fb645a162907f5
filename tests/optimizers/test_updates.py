"""Every optimizer's updates over three steps against a NumPy re-implementation of the tf.keras 2.x
formula (float64 reference, float32 variables), plus slot names, order and dtypes."""
import numpy as np
import pytest

from kerasx import Variable, optimizers

STEPS = 3
RNG = np.random.default_rng(5)
W0 = [RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32")]
GRADS = [[RNG.normal(size=w.shape).astype("float32") for w in W0] for _ in range(STEPS)]
GRADS[1] = [g * 0.01 for g in GRADS[1]]  # a small middle gradient makes v shrink: AMSGrad's max matters


def run(opt, steps=STEPS):
    vs = [Variable(W0[0], name="dense/kernel:0"), Variable(W0[1], name="dense/bias:0")]
    for grads in GRADS[:steps]:
        opt.apply_gradients(zip(grads, vs))
    for v in vs:
        assert v.dtype == "float32"
    assert all(w.dtype == "float32" for w in opt.weights[1:] if w.name.endswith(("m:0", "v:0")))
    return vs


def reference(step_fn, state_names, init=0.0):
    """Applies `step_fn(w, g, state, t)` (float64, in place on dict `state`) over GRADS."""
    ws = [w.astype("float64") for w in W0]
    states = [{k: np.full(w.shape, init) for k in state_names} for w in ws]
    for t, grads in enumerate(GRADS, start=1):
        for i, g in enumerate(grads):
            ws[i] = step_fn(ws[i], g.astype("float64"), states[i], t)
    return ws, states


def check(vs, ws, rtol=1e-5):
    for v, w in zip(vs, ws):
        np.testing.assert_allclose(v.numpy(), w, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd(backend, momentum, nesterov):
    lr = 0.1
    opt = optimizers.SGD(learning_rate=lr, momentum=momentum, nesterov=nesterov)
    vs = run(opt)

    def step(w, g, s, t):
        if not momentum:
            return w - lr * g
        s["m"] = momentum * s["m"] - lr * g
        return w + (momentum * s["m"] - lr * g if nesterov else s["m"])

    ws, states = reference(step, ["m"])
    check(vs, ws)
    names = [w.name for w in opt.weights]
    if momentum:
        assert names == ["SGD/iter:0", "SGD/dense/kernel/momentum:0", "SGD/dense/bias/momentum:0"]
        check([opt.get_slot(vs[0], "momentum")], [states[0]["m"]])
    else:
        assert names == ["SGD/iter:0"]
    assert int(opt.iterations.numpy()) == STEPS and opt.iterations.dtype == "int64"


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(backend, amsgrad):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    opt = optimizers.Adam(learning_rate=lr, amsgrad=amsgrad)
    vs = run(opt)

    def step(w, g, s, t):
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        s["vhat"] = np.maximum(s["vhat"], s["v"])
        return w - lr_t * s["m"] / (np.sqrt(s["vhat"] if amsgrad else s["v"]) + eps)

    ws, states = reference(step, ["m", "v", "vhat"])
    check(vs, ws)
    check([opt.get_slot(vs[0], "m"), opt.get_slot(vs[1], "v")], [states[0]["m"], states[1]["v"]])
    expected = ["Adam/iter:0", "Adam/dense/kernel/m:0", "Adam/dense/bias/m:0", "Adam/dense/kernel/v:0",
                "Adam/dense/bias/v:0"]
    if amsgrad:
        expected += ["Adam/dense/kernel/vhat:0", "Adam/dense/bias/vhat:0"]
    assert [w.name for w in opt.weights] == expected
    assert opt.get_slot_names() == ["m", "v"] + (["vhat"] if amsgrad else [])


@pytest.mark.parametrize("momentum, centered", [(0.0, False), (0.0, True), (0.5, False), (0.5, True)])
def test_rmsprop(backend, momentum, centered):
    lr, rho, eps = 0.01, 0.9, 1e-7
    opt = optimizers.RMSprop(learning_rate=lr, momentum=momentum, centered=centered)
    vs = run(opt)

    def step(w, g, s, t):
        s["ms"] = rho * s["ms"] + (1 - rho) * g * g
        denom = s["ms"]
        if centered:
            s["mg"] = rho * s["mg"] + (1 - rho) * g
            denom = s["ms"] - s["mg"] ** 2
        if momentum:
            s["mom"] = momentum * s["mom"] + lr * g / np.sqrt(denom + eps)
            return w - s["mom"]
        return w - lr * g / (np.sqrt(denom) + eps)

    ws, _ = reference(step, ["ms", "mg", "mom"])
    check(vs, ws, rtol=1e-4)
    slots = ["rms"] + (["momentum"] if momentum else []) + (["mg"] if centered else [])
    assert opt.get_slot_names() == slots
    assert len(opt.weights) == 1 + 2 * len(slots)


def test_adagrad(backend):
    lr, eps, init = 0.1, 1e-7, 0.1
    opt = optimizers.Adagrad(learning_rate=lr)
    vs = run(opt)

    def step(w, g, s, t):
        s["acc"] = s["acc"] + g * g
        return w - lr * g / (np.sqrt(s["acc"]) + eps)

    ws, states = reference(step, ["acc"], init=init)
    check(vs, ws)
    check([opt.get_slot(vs[0], "accumulator")], [states[0]["acc"]])
    assert opt.weights[1].name == "Adagrad/dense/kernel/accumulator:0"


def test_adadelta(backend):
    lr, rho, eps = 1.0, 0.95, 1e-7
    opt = optimizers.Adadelta(learning_rate=lr)
    vs = run(opt)

    def step(w, g, s, t):
        s["acc"] = rho * s["acc"] + (1 - rho) * g * g
        update = np.sqrt(s["accd"] + eps) / np.sqrt(s["acc"] + eps) * g
        s["accd"] = rho * s["accd"] + (1 - rho) * update ** 2
        return w - lr * update

    ws, _ = reference(step, ["acc", "accd"])
    check(vs, ws)
    assert opt.get_slot_names() == ["accum_grad", "accum_var"]


def test_adamax(backend):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    opt = optimizers.Adamax(learning_rate=lr)
    vs = run(opt)

    def step(w, g, s, t):
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return w - lr / (1 - b1 ** t) * s["m"] / (s["u"] + eps)

    ws, _ = reference(step, ["m", "u"])
    check(vs, ws)


def test_nadam(backend):
    lr, b1, b2, eps, decay = 0.01, 0.9, 0.999, 1e-7, 0.004
    opt = optimizers.Nadam(learning_rate=lr)
    vs = run(opt)
    ws = [w.astype("float64") for w in W0]
    ms, vv = [np.zeros(w.shape) for w in ws], [np.zeros(w.shape) for w in ws]
    cache = 1.0
    for t, grads in enumerate(GRADS, start=1):
        m_t = b1 * (1 - 0.5 * 0.96 ** (decay * t))
        m_t_1 = b1 * (1 - 0.5 * 0.96 ** (decay * (t + 1)))
        cache = cache * m_t
        m_next = cache * m_t_1
        for i, g in enumerate(grads):
            g = g.astype("float64")
            g_prime = g / (1 - cache)
            ms[i] = b1 * ms[i] + (1 - b1) * g
            vv[i] = b2 * vv[i] + (1 - b2) * g * g
            m_bar = (1 - m_t) * g_prime + m_t_1 * ms[i] / (1 - m_next)
            ws[i] = ws[i] - lr * m_bar / (np.sqrt(vv[i] / (1 - b2 ** t)) + eps)
    check(vs, ws)
    assert [w.name for w in opt.weights[:2]] == ["Nadam/iter:0", "Nadam/momentum_cache:0"]
    np.testing.assert_allclose(opt.weights[1].numpy(), cache, rtol=1e-6)


def test_float64_variables_stay_float64(backend):
    v = Variable(np.ones(3), name="w:0")
    opt = optimizers.Adam()
    opt.apply_gradients([(np.full(3, 0.5, "float32"), v)])
    assert v.dtype == "float64" and opt.get_slot(v, "m").dtype == "float64"


def test_constraint_is_applied_after_the_update(backend):
    v = Variable(np.array([0.5, -0.5], "float32"), name="w:0",
                 constraint=lambda x: x * 0.0 + 1.0)
    optimizers.SGD().apply_gradients([(np.ones(2, "float32"), v)])
    np.testing.assert_array_equal(v.numpy(), [1.0, 1.0])
