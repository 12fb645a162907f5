"""Learning-rate schedules against their closed forms, their Tensor values and configs."""
import math

import pytest

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
