import json

import numpy as np
import pytest

from kerasx import GradientTape, Variable, regularizers

W = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")


@pytest.mark.parametrize("reg, ref", [
    (regularizers.L1(0.3), lambda w: 0.3 * np.abs(w).sum()),
    (regularizers.L2(0.2), lambda w: 0.2 * np.square(w).sum()),
    (regularizers.L1L2(l1=0.1, l2=0.4), lambda w: 0.1 * np.abs(w).sum() + 0.4 * np.square(w).sum()),
    (regularizers.l1_l2(), lambda w: 0.01 * np.abs(w).sum() + 0.01 * np.square(w).sum()),
    (regularizers.L1L2(), lambda w: 0.0),
])
def test_penalty_matches_numpy(backend, reg, ref):
    out = reg(Variable(W))
    assert out.shape == () and out.dtype == "float32"
    np.testing.assert_allclose(float(out), ref(W.astype("float64")), rtol=1e-5)


def test_penalty_is_differentiable(backend):
    w = Variable(W)
    with GradientTape() as tape:
        loss = regularizers.L1L2(l1=0.1, l2=0.4)(w)
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), 0.1 * np.sign(W) + 0.8 * W, rtol=1e-5)


def test_penalty_keeps_float64(backend):
    assert regularizers.L2()(Variable(W.astype("float64"))).dtype == "float64"


@pytest.mark.parametrize("reg, config", [
    (regularizers.L1(), {"l1": 0.01}),
    (regularizers.L2(0.5), {"l2": 0.5}),
    (regularizers.L1L2(l2=2), {"l1": 0.0, "l2": 2.0}),
])
def test_config_round_trip(reg, config):
    assert reg.get_config() == config
    serialized = json.loads(json.dumps(regularizers.serialize(reg)))
    assert serialized == {"class_name": type(reg).__name__, "config": config}
    again = regularizers.deserialize(serialized)
    assert type(again) is type(reg) and again.get_config() == config


def test_get():
    assert regularizers.get(None) is None
    assert regularizers.get("l1").get_config() == {"l1": 0.01}
    assert regularizers.get("L2").get_config() == {"l2": 0.01}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.get({"class_name": "L1L2", "config": {"l1": 0.5}}).l1 == 0.5
    fn = lambda w: 0.0  # noqa: E731
    assert regularizers.get(fn) is fn
    assert regularizers.l2 is regularizers.L2 and regularizers.l2(0.1).l2 == pytest.approx(0.1)


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 5"):
        regularizers.get(5)
    with pytest.raises(ValueError, match="Value abc is not a valid regularization penalty number"):
        regularizers.L1("abc")
    with pytest.raises(ValueError, match="an infinite number or NaN are not valid values"):
        regularizers.L2(float("inf"))
    with pytest.raises(TypeError, match="Argument\\(s\\) not recognized"):
        regularizers.L1(l2=0.1)


def test_custom_regularizer_without_get_config_says_so():
    class Mine(regularizers.Regularizer):
        def __call__(self, x):
            return x

    with pytest.raises(NotImplementedError, match=r"^Mine does not implement get_config\(\)\.$"):
        Mine().get_config()
