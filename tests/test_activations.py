import numpy as np
import pytest

from kerasx import GradientTape, activations, layers, ops
from kerasx.autodiff.tensor import as_tensor

X = np.random.default_rng(0).uniform(-3, 3, (4, 5)).astype("float32")
X[np.abs(X) < 0.05] = 0.3  # keep away from the kinks at 0


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(x))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "exponential": np.exp,
    "linear": lambda x: x,
    "swish": lambda x: x * _sigmoid(x),
    "silu": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_matches_numpy(backend, name):
    fn = activations.get(name)
    y = fn(as_tensor(X))
    assert y.dtype == "float32"
    np.testing.assert_allclose(y.numpy(), REFERENCES[name](X.astype("float64")), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", sorted(set(REFERENCES) - {"linear"}))
def test_activation_gradients_are_finite(backend, name):
    x = as_tensor(X)
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(activations.get(name)(x))
    g = tape.gradient(y, x).numpy()
    assert np.all(np.isfinite(g))
    if name not in ("softmax",):  # sum(softmax) is constant
        assert np.any(g != 0)


def test_relu_arguments(backend):
    x = as_tensor(X)
    np.testing.assert_allclose(activations.relu(x, alpha=0.1).numpy(), np.where(X > 0, X, 0.1 * X), rtol=1e-6)
    np.testing.assert_allclose(activations.relu(x, max_value=1.0).numpy(), np.clip(X, 0, 1))
    np.testing.assert_allclose(activations.relu(x, threshold=1.0).numpy(), np.where(X > 1, X, 0))
    np.testing.assert_allclose(activations.relu(x, alpha=0.5, max_value=2.0, threshold=1.0).numpy(),
                               np.where(X >= 1, np.minimum(np.where(X > 1, X, 0), 2.0), 0.5 * (X - 1)),
                               rtol=1e-6)


def test_elu_alpha_and_softmax_axis(backend):
    x = as_tensor(X)
    np.testing.assert_allclose(activations.elu(x, alpha=0.5).numpy(), np.where(X > 0, X, 0.5 * (np.exp(X) - 1)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(activations.softmax(x, axis=0).numpy(),
                               np.exp(X) / np.exp(X).sum(0, keepdims=True), rtol=1e-5)


def test_softmax_needs_rank_2(backend):
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(as_tensor(X[0]))


def test_activations_accept_numpy_arrays(backend):
    np.testing.assert_allclose(activations.tanh(X).numpy(), np.tanh(X), rtol=1e-6)


def test_get():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("silu") is activations.swish
    fn = lambda x: x  # noqa: E731
    assert activations.get(fn) is fn
    assert activations.get(ops.relu) is ops.relu


def test_get_errors():
    with pytest.raises(ValueError, match=r"Unknown activation function: 'foo'\. Please ensure you are using"):
        activations.get("foo")
    with pytest.raises(TypeError, match="Could not interpret activation function identifier: 3"):
        activations.get(3)


def test_serialize():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.softmax) == "softmax"
    assert activations.serialize(ops.sigmoid) == "sigmoid"
    assert activations.serialize(ops.swish) == "swish"
    for name in REFERENCES:
        assert activations.deserialize(activations.serialize(activations.get(name))) is activations.get(name)


def test_an_activation_layer_config_deserializes_to_a_layer(backend):
    layer = activations.deserialize({"class_name": "Activation", "config": {"activation": "relu"}})
    assert isinstance(layer, layers.Activation)
    np.testing.assert_array_equal(layer(X).numpy(), np.maximum(X, 0))
