import math

import numpy as np
import pytest

from kerasx import GradientTape, Sequential, activations, layers, ops
from kerasx.autodiff import gradcheck
from kerasx.autodiff.tensor import as_tensor

X = np.random.default_rng(0).uniform(-3, 3, (4, 5)).astype("float32")
X[np.abs(X) < 0.05] = 0.3  # keep away from the kinks at 0


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(x))


_erf = np.vectorize(math.erf)


def _relu6(x):
    return np.clip(x, 0, 6)


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
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "relu6": _relu6,
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "log_sigmoid": lambda x: np.log(_sigmoid(x)),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(0, np.exp(x) - 1),
    "hard_silu": lambda x: x * _relu6(x + 3) / 6,
    "hard_swish": lambda x: x * _relu6(x + 3) / 6,
}
# Every kink of the piecewise activations: relu's 0, relu6's 6, hard_sigmoid's +-2.5, hard_silu's +-3.
KINKS = np.array([0.0, 6.0, 2.5, -2.5, 3.0, -3.0])


def _away_from_kinks(x, margin=0.05):
    for _ in range(3):
        near = np.abs(x[..., None] - KINKS).min(-1) < margin
        x = np.where(near, x + 3 * margin, x)
    return x


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_matches_numpy(backend, name):
    fn = activations.get(name)
    y = fn(as_tensor(X))
    assert y.dtype == "float32"
    np.testing.assert_allclose(y.numpy(), REFERENCES[name](X.astype("float64")), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", sorted(set(REFERENCES) - {"linear"}))
def test_activation_gradient_matches_float64_finite_differences(backend, name):
    x = _away_from_kinks(np.random.default_rng(1).uniform(-7.0, 7.0, (6, 5)))
    assert gradcheck(activations.get(name), [x])


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_by_name_in_layers_and_models(backend, name):
    # The string in `Activation` and in `Dense(activation=...)`, through a config round trip.
    x = X[:, :4]
    layer = layers.Activation(name)
    np.testing.assert_allclose(layer(x).numpy(), REFERENCES[name](x.astype("float64")), rtol=2e-6, atol=2e-6)
    assert layers.Activation.from_config(layer.get_config()).get_config() == layer.get_config()
    dense = layers.Dense(3, activation=name, kernel_initializer="identity", bias_initializer="zeros")
    model = Sequential([layers.Input((4,)), dense])
    np.testing.assert_allclose(model.predict(x, verbose=0), REFERENCES[name](x[:, :3].astype("float64")),
                               rtol=2e-6, atol=2e-6)
    assert dense.get_config()["activation"] == activations.serialize(activations.get(name))


def test_gelu_both_forms(backend):
    x = X.astype("float64")
    tanh_form = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(activations.gelu(as_tensor(X), approximate=True).numpy(), tanh_form,
                               rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(activations.gelu(as_tensor(X)).numpy(), REFERENCES["gelu"](x), rtol=2e-6,
                               atol=2e-6)
    assert gradcheck(lambda t: activations.gelu(t, approximate=True), [x])
    assert abs(float(activations.gelu(as_tensor(X)).numpy()[0, 0]) -
               float(activations.gelu(as_tensor(X), approximate=True).numpy()[0, 0])) < 1e-3


def test_erf_op_against_math_erf_in_float64(backend):
    x = np.linspace(-6.0, 6.0, 1201)
    out = ops.erf(as_tensor(x, dtype="float64")).numpy()
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, _erf(x), rtol=1e-14, atol=0)


def test_leaky_relu_and_celu_arguments(backend):
    x = as_tensor(X)
    np.testing.assert_allclose(activations.leaky_relu(x, alpha=0.5).numpy(), np.where(X >= 0, X, 0.5 * X))
    np.testing.assert_allclose(activations.celu(x, alpha=2.0).numpy(),
                               np.where(X > 0, X, 2.0 * (np.exp(X / 2.0) - 1)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"celu: `alpha` must not be 0 \(it divides x\)\. Received: alpha=0\.0"):
        activations.celu(x, alpha=0.0)


def test_log_sigmoid_is_finite_for_large_negative_inputs(backend):
    out = activations.log_sigmoid(as_tensor(np.array([-200.0, 0.0, 200.0], "float32"))).numpy()
    np.testing.assert_allclose(out, [-200.0, -np.log(2.0), 0.0], rtol=1e-6, atol=1e-6)


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
    assert activations.get("hard_swish") is activations.hard_silu
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
