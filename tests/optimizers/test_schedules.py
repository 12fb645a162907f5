"""Learning-rate schedules against their closed forms, their Tensor values and configs."""
import math

import numpy as np
import pytest

from kerasx import Variable, optimizers
from kerasx.optimizers import schedules

CASES = [
    (schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 10)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 10)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 / (1 + 0.5 * (s // 10))),
    (schedules.PiecewiseConstantDecay([5, 15], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 5 else 0.5 if s <= 15 else 0.1),
    (schedules.PolynomialDecay(0.1, 20, end_learning_rate=0.01, power=2.0),
     lambda s: (0.1 - 0.01) * (1 - min(s, 20) / 20) ** 2 + 0.01),
    (schedules.PolynomialDecay(0.1, 10, cycle=True),
     lambda s: (0.1 - 1e-4) * (1 - s / (10 * max(1, math.ceil(s / 10)))) + 1e-4),
    (schedules.CosineDecay(0.1, 20, alpha=0.1),
     lambda s: 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 20) / 20)) + 0.1)),
]


@pytest.mark.parametrize("sched, formula", CASES, ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(CASES)])
def test_values(backend, sched, formula):
    for step in (0, 1, 5, 6, 10, 15, 16, 25, 40):
        assert sched.value_at(step) == pytest.approx(formula(step), rel=1e-12)
    t = sched(7)
    assert t.dtype == "float32" and float(t.numpy()) == pytest.approx(formula(7), rel=1e-6)


@pytest.mark.parametrize("sched", [c[0] for c in CASES], ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(CASES)])
def test_config_round_trip(sched):
    config = schedules.serialize(sched)
    assert config["class_name"] == type(sched).__name__
    again = schedules.deserialize(config)
    assert type(again) is type(sched) and again.get_config() == sched.get_config()


def test_piecewise_length_error():
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])


def test_unknown_schedule_error():
    with pytest.raises(ValueError, match="Unknown decay: 'Nope'"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


def test_custom_schedule_is_read_from_its_tensor(backend):
    from kerasx import ops

    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return ops.fill((), 1.0 / (2 ** int(step)))

        def get_config(self):
            return {}

    assert Halving().value_at(3) == 0.125


def _restarts_by_walking(step, initial, first, t_mul, m_mul, alpha):
    """SGDR by walking the periods one by one (lengths first * t_mul^i, peaks initial * m_mul^i): an
    independent route to tf.keras's closed form."""
    start, length, peak = 0.0, float(first), float(initial)
    while step >= start + length:
        start, length, peak = start + length, length * t_mul, peak * m_mul
    fraction = (step - start) / length
    return (1 - alpha) * 0.5 * peak * (1 + math.cos(math.pi * fraction)) + alpha * initial


@pytest.mark.parametrize("t_mul, m_mul, alpha", [(2.0, 1.0, 0.0), (1.0, 0.5, 0.1), (1.5, 0.8, 0.05),
                                                 (3.0, 1.0, 0.2)])
def test_cosine_decay_restarts_values(backend, t_mul, m_mul, alpha):
    sched = schedules.CosineDecayRestarts(0.1, 10, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    for step in list(range(0, 80)) + [150, 333, 1000]:
        want = _restarts_by_walking(step, 0.1, 10, t_mul, m_mul, alpha)
        assert sched.value_at(step) == pytest.approx(want, rel=1e-9, abs=1e-12), step
    t = sched(13)
    assert t.dtype == "float32" and float(t.numpy()) == pytest.approx(sched.value_at(13), rel=1e-6)


def test_cosine_decay_restarts_defaults_and_config_round_trip():
    sched = schedules.CosineDecayRestarts(0.5, 100, name="sgdr")
    assert sched.get_config() == {"initial_learning_rate": 0.5, "first_decay_steps": 100, "t_mul": 2.0,
                                  "m_mul": 1.0, "alpha": 0.0, "name": "sgdr"}
    again = schedules.deserialize(schedules.serialize(sched))
    assert type(again) is schedules.CosineDecayRestarts and again.get_config() == sched.get_config()
    assert sched.value_at(100) == pytest.approx(0.5)  # restarts at its peak (m_mul 1)
    assert sched.value_at(99) < 1e-3


def test_cosine_decay_restarts_drives_an_optimizer(backend):
    sched = schedules.CosineDecayRestarts(1.0, 2, t_mul=1.0)
    opt = optimizers.SGD(learning_rate=sched)
    v = Variable(np.zeros(1, "float32"))
    for _ in range(4):
        opt.apply_gradients([(np.ones(1, "float32"), v)])
    # learning rates 1, 0.5, 1, 0.5 at steps 0..3
    assert float(v.numpy()[0]) == pytest.approx(-3.0, rel=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"first_decay_steps": 0}, r"CosineDecayRestarts: `first_decay_steps` must be a positive number. "
                               r"Received: first_decay_steps=0."),
    ({"first_decay_steps": None}, "`first_decay_steps` must be a positive number. Received: first_decay_steps=None."),
    ({"t_mul": 0.0}, r"CosineDecayRestarts: `t_mul` must be a positive number. Received: t_mul=0.0."),
    ({"m_mul": -1.0}, r"CosineDecayRestarts: `m_mul` must be a non-negative number. Received: m_mul=-1.0."),
    ({"alpha": "0.1"}, r"CosineDecayRestarts: `alpha` must be a non-negative number. Received: alpha='0.1'."),
    ({"initial_learning_rate": float("nan")}, "`initial_learning_rate` must be a non-negative number"),
])
def test_cosine_decay_restarts_bad_arguments(kwargs, message):
    args = {"initial_learning_rate": 0.1, "first_decay_steps": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        schedules.CosineDecayRestarts(**args)
