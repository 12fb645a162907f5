import json

import numpy as np
import pytest

from kerasx import Variable, constraints

EPS = 1e-7
W = np.random.default_rng(2).standard_normal((5, 3)).astype("float32") * 2


def _norms(w, axis):
    return np.sqrt(np.sum(w.astype("float64") ** 2, axis=axis, keepdims=True))


@pytest.mark.parametrize("constraint, ref", [
    (constraints.MaxNorm(1.5), lambda w: w * np.clip(_norms(w, 0), 0, 1.5) / (EPS + _norms(w, 0))),
    (constraints.MaxNorm(2, axis=1), lambda w: w * np.clip(_norms(w, 1), 0, 2) / (EPS + _norms(w, 1))),
    (constraints.NonNeg(), lambda w: w * (w >= 0)),
    (constraints.UnitNorm(), lambda w: w / (EPS + _norms(w, 0))),
    (constraints.MinMaxNorm(0.5, 1.0, rate=0.5, axis=0),
     lambda w: w * (0.5 * np.clip(_norms(w, 0), 0.5, 1.0) + 0.5 * _norms(w, 0)) / (EPS + _norms(w, 0))),
])
def test_constraint_matches_numpy(backend, constraint, ref):
    out = constraint(Variable(W))
    assert out.dtype == "float32" and out.shape == W.shape
    np.testing.assert_allclose(out.numpy(), ref(W), rtol=1e-5, atol=1e-6)


def test_applied_with_assign_as_the_optimizer_does(backend):
    var = Variable(W, constraint=constraints.UnitNorm())
    var.assign(var.constraint(var))
    np.testing.assert_allclose(np.linalg.norm(var.numpy(), axis=0), 1.0, rtol=1e-5)


@pytest.mark.parametrize("constraint, config", [
    (constraints.MaxNorm(), {"max_value": 2, "axis": 0}),
    (constraints.NonNeg(), {}),
    (constraints.UnitNorm(axis=1), {"axis": 1}),
    (constraints.MinMaxNorm(), {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
])
def test_config_round_trip(constraint, config):
    serialized = json.loads(json.dumps(constraints.serialize(constraint)))
    assert serialized == {"class_name": type(constraint).__name__, "config": config}
    again = constraints.deserialize(serialized)
    assert type(again) is type(constraint) and again.get_config() == config


def test_get():
    assert constraints.get(None) is None
    for name, cls in [("max_norm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
                      ("unit_norm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm),
                      ("maxnorm", constraints.MaxNorm), ("NonNeg", constraints.NonNeg)]:
        assert type(constraints.get(name)) is cls
    fn = lambda w: w  # noqa: E731
    assert constraints.get(fn) is fn


def test_errors():
    with pytest.raises(ValueError, match="Unknown constraint: 'positive'"):
        constraints.get("positive")
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier: 1"):
        constraints.get(1)
