import numpy as np
import pytest

from kerasx import GradientTape, constraints, initializers, layers, ops, regularizers
from kerasx.autodiff.tensor import as_tensor

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(5)


def _x(*shape):
    # Kept away from the kinks at 0, 0.5 and 1 so the references need no tie-breaking.
    x = RNG.uniform(0.05, 2.0, shape) * RNG.choice([-1.0, 1.0], shape)
    x[np.abs(x - 0.5) < 0.05] += 0.1
    x[np.abs(x - 1.0) < 0.05] += 0.1
    return x.astype("float32")


def _np_relu(max_value=None, negative_slope=0.0, threshold=0.0):
    def ref(x, w):
        out = np.where(x > threshold, x, negative_slope * (x - threshold))
        return out if max_value is None else np.where(x > threshold, np.minimum(out, max_value), out)
    return ref


@pytest.mark.parametrize("kwargs", [
    {}, {"max_value": 1.0}, {"negative_slope": 0.1}, {"threshold": 0.5},
    {"max_value": 1.5, "negative_slope": 0.2, "threshold": 0.5}, {"max_value": 6},
])
def test_relu_matches_numpy(backend, kwargs):
    layer, _ = layer_test(layers.ReLU, kwargs, _x(4, 5), reference_fn=_np_relu(**kwargs), expected_weights=[])
    config = layer.get_config()
    assert (config["max_value"], config["negative_slope"], config["threshold"]) == (
        kwargs.get("max_value"), kwargs.get("negative_slope", 0.0), kwargs.get("threshold", 0.0))


@pytest.mark.parametrize("kwargs, message", [
    ({"max_value": -1.0}, "max_value of a ReLU layer cannot be a negative value. Received: -1.0"),
    ({"negative_slope": -0.5}, "negative_slope of a ReLU layer cannot be a negative value. Received: -0.5"),
    ({"negative_slope": None}, "negative_slope of a ReLU layer cannot be a negative value. Received: None"),
    ({"threshold": -2}, "threshold of a ReLU layer cannot be a negative value. Received: -2"),
])
def test_relu_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.ReLU(**kwargs)


@pytest.mark.parametrize("alpha", [0.3, 0.01, 1.5])
def test_leaky_relu(backend, alpha):
    kwargs = {} if alpha == 0.3 else {"alpha": alpha}
    layer, _ = layer_test(layers.LeakyReLU, kwargs, _x(3, 4, 2),
                          reference_fn=lambda x, w: np.where(x > 0, x, alpha * x), expected_weights=[])
    assert layer.get_config()["alpha"] == alpha


def test_leaky_relu_none_alpha():
    with pytest.raises(ValueError, match="The alpha value of a Leaky ReLU layer cannot be None"):
        layers.LeakyReLU(alpha=None)


@pytest.mark.parametrize("kwargs, shape, alpha_shape", [
    # Slopes well away from 0: the loss is quadratic in alpha with its minimum at 0, and from alpha = 0
    # (the default) its gradient vanishes.
    ({"alpha_initializer": initializers.Constant(0.25)}, (3, 4), (4,)),
    ({"alpha_initializer": initializers.RandomUniform(0.2, 0.6, seed=1)}, (2, 3, 4), (3, 4)),
    ({"alpha_initializer": "ones", "shared_axes": [1, 2]}, (2, 3, 3, 4), (1, 1, 4)),
    ({"alpha_initializer": initializers.RandomUniform(0.2, 0.6), "shared_axes": 1}, (2, 5, 3), (1, 3)),
])
def test_prelu_matches_numpy(backend, kwargs, shape, alpha_shape):
    layer, _ = layer_test(layers.PReLU, kwargs, _x(*shape),
                          reference_fn=lambda x, w: np.where(x > 0, x, w[0] * x),
                          expected_weights=[("alpha", alpha_shape)])
    if "shared_axes" in kwargs:
        assert layer.get_config()["shared_axes"] == \
            (kwargs["shared_axes"] if isinstance(kwargs["shared_axes"], list) else [kwargs["shared_axes"]])


def test_prelu_alpha_gradient_is_minus_relu_of_minus_x(backend):
    layer = layers.PReLU(shared_axes=[1])
    x = _x(4, 3, 2)
    with GradientTape() as tape:
        total = ops.sum(layer(x))
    g = tape.gradient(total, layer.alpha).numpy()
    np.testing.assert_allclose(g, np.minimum(x, 0).sum(axis=(0, 1), keepdims=True)[0], rtol=1e-5)


def test_prelu_regularizer_constraint_config(backend):
    layer = layers.PReLU(alpha_initializer="ones", alpha_regularizer=regularizers.L2(0.5),
                         alpha_constraint=constraints.NonNeg())
    layer(_x(2, 3))
    np.testing.assert_allclose(float(layer.losses[0]), 0.5 * 3, rtol=1e-6)
    assert isinstance(layer.alpha.constraint, constraints.NonNeg)
    config = layer.get_config()
    assert config["alpha_initializer"] == {"class_name": "Ones", "config": {}}
    assert config["alpha_constraint"] == {"class_name": "NonNeg", "config": {}}
    assert config["shared_axes"] is None


def test_prelu_wrong_shape_messages(backend):
    layer = layers.PReLU()
    layer(_x(2, 3))
    with pytest.raises(ValueError, match=r'Input 0 of layer "p_re_lu" \(PReLU\) is incompatible: expected axis '
                                         r"1 3, received input with shape \(2, 4\)"):
        layer(_x(2, 4))
    with pytest.raises(ValueError, match=r'layer "p_re_lu" \(PReLU\) is incompatible: expected ndim=2, found '
                                         r"ndim=3"):
        layer(_x(2, 3, 1))
    with pytest.raises(ValueError, match=r'Layer "p_re_lu_1" \(PReLU\): `shared_axes` must name axes 1 to 2 of '
                                         r"an input of rank 3 \(axis 0 is the batch\)\. Received: shared_axes=\[3\]"):
        layers.PReLU(shared_axes=3)(_x(2, 3, 1))


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu(backend, alpha):
    kwargs = {} if alpha == 1.0 else {"alpha": alpha}
    layer, _ = layer_test(layers.ELU, kwargs, _x(4, 5),
                          reference_fn=lambda x, w: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))),
                          expected_weights=[])
    assert layer.get_config()["alpha"] == alpha


def test_elu_none_alpha():
    with pytest.raises(ValueError, match="Alpha of an ELU layer cannot be None, expecting a float"):
        layers.ELU(alpha=None)


@pytest.mark.parametrize("theta", [1.0, 0.5, 0.0])
def test_thresholded_relu(backend, theta):
    kwargs = {} if theta == 1.0 else {"theta": theta}
    layer, _ = layer_test(layers.ThresholdedReLU, kwargs, _x(3, 6),
                          reference_fn=lambda x, w: np.where(x > theta, x, 0.0), expected_weights=[])
    assert layer.get_config()["theta"] == theta


@pytest.mark.parametrize("theta, message", [
    (-1.0, r"The theta value of a Thresholded ReLU layer should be >=0\. Received: -1\.0"),
    (None, "Theta of a Thresholded ReLU layer cannot be None, expecting a float"),
])
def test_thresholded_relu_bad_theta(theta, message):
    with pytest.raises(ValueError, match=message):
        layers.ThresholdedReLU(theta=theta)


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis, shape", [(-1, (3, 5)), (1, (2, 3, 4)), ([1, 2], (2, 3, 4)), ((-1,), (2, 4))])
def test_softmax(backend, axis, shape):
    np_axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    layer_test(layers.Softmax, {"axis": axis} if axis != -1 else {}, _x(*shape),
               reference_fn=lambda x, w: _np_softmax(x.astype("float64"), np_axis), expected_weights=[])


def test_softmax_mask_removes_positions(backend):
    x = _x(2, 5)
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], dtype=bool)
    y = layers.Softmax()(x, mask=mask).numpy()
    ref = np.where(mask, np.exp(x), 0.0)
    np.testing.assert_allclose(y, ref / ref.sum(-1, keepdims=True), rtol=1e-5, atol=1e-7)
    xt = as_tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        total = ops.sum(ops.multiply(layers.Softmax()(xt, mask=mask), as_tensor(x)))
    assert np.all(tape.gradient(total, xt).numpy()[~mask] == 0)


def test_softmax_config():
    assert layers.Softmax().get_config() == {"name": "softmax", "trainable": True, "dtype": "float32", "axis": -1}
    assert layers.Softmax(axis=[1, 2]).get_config()["axis"] == [1, 2]
