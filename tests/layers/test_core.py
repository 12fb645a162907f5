import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, activations, constraints, initializers, layers, ops, regularizers

from kerasx.utils import set_random_seed
from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(7)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _np_dense(activation=None, use_bias=True):
    def ref(x, weights):
        y = x.astype("float64") @ weights[0]
        if use_bias:
            y = y + weights[1]
        return activation(y) if activation else y
    return ref


# ------------------------------------------------------------------ Dense
@pytest.mark.parametrize("kwargs, shape, act", [
    ({"units": 3}, (4, 5), None),
    ({"units": 2, "activation": "relu", "use_bias": False}, (3, 4), lambda y: np.maximum(y, 0)),
    # relu with a bias takes the fused dense kernel.
    ({"units": 3, "activation": "relu", "bias_initializer": "ones"}, (5, 4),
     lambda y: np.maximum(y, 0)),
    ({"units": 3, "activation": "relu"}, (2, 3, 4), lambda y: np.maximum(y, 0)),
    ({"units": 4, "activation": "tanh", "bias_initializer": "ones"}, (2, 3, 5), np.tanh),
    ({"units": 3, "activation": "sigmoid", "kernel_initializer": initializers.RandomNormal(seed=1)},
     (2, 2, 3, 4), lambda y: 1 / (1 + np.exp(-y))),
])
def test_dense_matches_numpy(backend, kwargs, shape, act):
    # Fixed weights and inputs: with relu and no bias an unlucky draw leaves every unit dead and every
    # gradient zero, so the result must not depend on which tests ran before.
    set_random_seed(3)
    x = np.random.default_rng(3).standard_normal(shape).astype("float32")
    use_bias = kwargs.get("use_bias", True)
    expected = [("kernel", (shape[-1], kwargs["units"]))] + ([("bias", (kwargs["units"],))] if use_bias else [])
    layer, _ = layer_test(layers.Dense, kwargs, x, reference_fn=_np_dense(act, use_bias),
                          expected_weights=expected)
    if "bias_initializer" in kwargs:
        assert layer.get_config()["bias_initializer"] == {"class_name": "Ones", "config": {}}


def test_dense_config_is_keras_format():
    config = layers.Dense(5, activation="relu").get_config()
    assert config == {
        "name": "dense", "trainable": True, "dtype": "float32", "units": 5, "activation": "relu",
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None}


def test_dense_input_shape_kwarg_goes_to_config():
    config = layers.Dense(2, input_shape=(4,)).get_config()
    assert config["batch_input_shape"] == (None, 4)


def test_dense_rank3_contracts_last_axis(backend):
    layer = layers.Dense(3)
    x = _x(2, 5, 4)
    y = layer(x).numpy()
    w, b = layer.get_weights()
    np.testing.assert_allclose(y, np.einsum("bti,io->bto", x, w) + b, rtol=1e-5, atol=1e-6)


def test_dense_regularizer_losses(backend):
    layer = layers.Dense(3, kernel_regularizer=regularizers.L2(0.1), bias_regularizer=regularizers.L1(0.2),
                         activity_regularizer=regularizers.L2(0.3), bias_initializer="ones")
    x = _x(4, 2)
    y = layer(x).numpy()
    w, b = layer.get_weights()
    losses = [float(l) for l in layer.losses]
    np.testing.assert_allclose(losses, [0.1 * np.sum(w ** 2), 0.2 * np.sum(np.abs(b)),
                                        0.3 * np.sum(y ** 2) / 4], rtol=1e-5)
    with GradientTape() as tape:
        layer(x)
        total = ops.add(layer.losses[0], layer.losses[1])
    gw, gb = tape.gradient(total, layer.trainable_weights)
    np.testing.assert_allclose(gw.numpy(), 0.2 * w, rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), 0.2 * np.sign(b), rtol=1e-5)


def test_dense_regularizer_by_name_in_config():
    config = layers.Dense(2, kernel_regularizer="l1").get_config()
    assert config["kernel_regularizer"] == {"class_name": "L1", "config": {"l1": 0.01}}


def test_dense_constraints_are_stored_on_the_weights(backend):
    layer = layers.Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.NonNeg())
    layer(_x(2, 4))
    assert isinstance(layer.kernel.constraint, constraints.MaxNorm)
    assert isinstance(layer.bias.constraint, constraints.NonNeg)
    config = layer.get_config()
    assert config["kernel_constraint"] == {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}
    assert config["bias_constraint"] == {"class_name": "NonNeg", "config": {}}
    rebuilt = layers.Dense.from_config(config)
    assert isinstance(rebuilt.kernel_constraint, constraints.MaxNorm)


def test_dense_wrong_last_dimension_message(backend):
    layer = layers.Dense(3)
    layer(_x(2, 4))
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense" \(Dense\) is incompatible: expected '
                                         r"last dimension 4, received input with shape \(2, 5\)\."):
        layer(_x(2, 5))


def test_dense_rank1_input_message(backend):
    with pytest.raises(ValueError, match=r'layer "dense" \(Dense\) is incompatible: expected min_ndim=2, '
                                         r"found ndim=1\. Full shape received: \(4,\)"):
        layers.Dense(3)(_x(4))


@pytest.mark.parametrize("units", [0, -3, 2.5, "a", None])
def test_dense_bad_units(units):
    with pytest.raises(ValueError, match=r"invalid value for `units`, expected a positive integer\. "
                                         rf"Received: units={units}"):
        layers.Dense(units)


def test_dense_accepts_whole_number_units():
    assert layers.Dense(np.int64(4)).units == 4 and layers.Dense(3.0).units == 3


def test_dense_unknown_kwarg():
    with pytest.raises(TypeError, match="Keyword argument not understood: 'unit'"):
        layers.Dense(3, unit=4)


def test_dense_float64_layer(backend):
    layer = layers.Dense(2, dtype="float64")
    y = layer(_x(3, 4))
    assert y.dtype == "float64" and [w.dtype for w in layer.weights] == ["float64", "float64"]


def test_dense_any_callable_activation(backend):
    x = _x(3, 4)
    layer = layers.Dense(2, activation=lambda t: ops.multiply(t, 2.0))
    y = layer(x).numpy()
    w, b = layer.get_weights()
    np.testing.assert_allclose(y, 2 * (x @ w + b), rtol=1e-5, atol=1e-6)


def test_layer_names_count_up():
    assert [layers.Dense(1).name, layers.Dense(1).name, layers.Dropout(0.1).name, layers.Dense(1).name] == \
        ["dense", "dense_1", "dropout", "dense_2"]


def test_seeded_initializer_gives_same_dense_weights_every_time(backend):
    a = layers.Dense(3, kernel_initializer=initializers.GlorotUniform(seed=3))
    b = layers.Dense(3, kernel_initializer=initializers.GlorotUniform(seed=3))
    a(_x(1, 4))
    b(_x(1, 4))
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])


# ------------------------------------------------------------------ Activation
@pytest.mark.parametrize("activation, ref", [
    ("relu", lambda x, w: np.maximum(x, 0)),
    ("softmax", lambda x, w: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    (activations.tanh, lambda x, w: np.tanh(x)),
    (ops.sigmoid, lambda x, w: 1 / (1 + np.exp(-x))),
])
def test_activation_layer(backend, activation, ref):
    layer, _ = layer_test(layers.Activation, {"activation": activation}, _x(3, 4), reference_fn=ref,
                          expected_weights=[])
    assert layer.get_config()["activation"] in ("relu", "softmax", "tanh", "sigmoid")


# ------------------------------------------------------------------ Dropout
def test_dropout_is_identity_at_inference(backend):
    x = _x(4, 6)
    layer_test(layers.Dropout, {"rate": 0.5}, x, expected_output=x, expected_weights=[])
    np.testing.assert_array_equal(layers.Dropout(0.5)(x, training=False).numpy(), x)


def test_dropout_in_training_drops_and_rescales(backend):
    x = np.ones((200, 500), dtype="float32")
    y = layers.Dropout(0.3)(x, training=True)
    assert y.dtype == "float32"
    y = y.numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.01
    assert abs(y.mean() - 1.0) < 0.015


def test_dropout_noise_shape_shares_the_mask(backend):
    x = np.ones((8, 50, 4), dtype="float32")
    y = layers.Dropout(0.5, noise_shape=(None, 1, 4))(x, training=True).numpy()
    assert np.all(y == y[:, :1, :])
    assert 0 < np.count_nonzero(y) < y.size


def test_dropout_gradient_is_the_mask(backend):
    from kerasx.autodiff.tensor import as_tensor
    x = as_tensor(_x(10, 20))
    with GradientTape() as tape:
        tape.watch(x)
        y = layers.Dropout(0.25)(x, training=True)
        total = ops.sum(y)
    g = tape.gradient(total, x).numpy()
    np.testing.assert_allclose(g, (y.numpy() != 0) / 0.75, rtol=1e-6)


@pytest.mark.parametrize("rate", [-0.1, 1, 1.5])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match=rf"Invalid value {rate} received for `rate`, expected a value "
                                         "between 0 and 1"):
        layers.Dropout(rate)


def test_dropout_config():
    config = layers.Dropout(0.2, noise_shape=(None, 1), seed=4).get_config()
    assert (config["rate"], config["noise_shape"], config["seed"]) == (0.2, (None, 1), 4)


# ------------------------------------------------------------------ Flatten
def test_flatten(backend):
    x = _x(2, 3, 4)
    layer_test(layers.Flatten, {}, x, reference_fn=lambda x, w: x.reshape(2, 12), expected_weights=[])


def test_flatten_channels_first_moves_channels_last(backend):
    x = _x(2, 3, 4, 5)
    layer_test(layers.Flatten, {"data_format": "channels_first"}, x,
               reference_fn=lambda x, w: x.transpose(0, 2, 3, 1).reshape(2, -1))


def test_flatten_rank1_and_shapes(backend):
    assert layers.Flatten()(_x(5)).shape == (5, 1)
    assert layers.Flatten().compute_output_shape((None, 3, None)) == (None, None)


def test_flatten_bad_data_format():
    with pytest.raises(ValueError, match='must be one of "channels_first", "channels_last". Received: nhwc'):
        layers.Flatten(data_format="nhwc")


# ------------------------------------------------------------------ Reshape
@pytest.mark.parametrize("target", [(3, 4), (-1, 2), (2, -1, 3)])
def test_reshape(backend, target):
    x = _x(2, 12)
    layer_test(layers.Reshape, {"target_shape": target}, x,
               reference_fn=lambda x, w: x.reshape((2,) + target), expected_weights=[])


def test_reshape_incompatible_size_message(backend):
    with pytest.raises(ValueError, match=r"total size of new array must be unchanged, input_shape = \[12\], "
                                         r"output_shape = \[5, 2\]"):
        layers.Reshape((5, 2))(_x(2, 12))
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        layers.Reshape((-1, 5))(_x(2, 12))


def test_reshape_two_unknown_dimensions(backend):
    with pytest.raises(ValueError, match="There must be at most one unknown dimension in output_shape"):
        layers.Reshape((-1, -1))(_x(2, 12))


def test_reshape_output_shape_with_unknown_dims():
    assert layers.Reshape((-1, 2)).compute_output_shape((None, None)) == (None, None, 2)
    assert layers.Reshape((-1, 2)).compute_output_shape((None, 6)) == (None, 3, 2)


def test_identity_returns_its_inputs_and_passes_gradients(backend):
    x = np.arange(6, dtype="float32").reshape(2, 3)
    layer_test(layers.Identity, input_data=x, reference_fn=lambda x, w: x, expected_weights=[])
    nested = layers.Identity()({"a": x, "b": [x * 2]})
    np.testing.assert_array_equal(nested["a"].numpy(), x)
    np.testing.assert_array_equal(nested["b"][0].numpy(), x * 2)
    model = keras.Sequential([keras.Input((3,)), layers.Identity(), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(x, np.ones((2, 1), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
