import base64
import json
import marshal
import operator

import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers, ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.saving import SafeModeScope

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(11)
REFUSED = (r"Requested the deserialization of a `Lambda` layer whose `function` is Python bytecode. This "
           r"carries a potential risk of arbitrary code execution.*`safe_mode=False`")


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _shift(k):
    return lambda x: x + k  # a closure: k travels in the config


def scaled_square(x, scale=0.5):
    return ops.multiply(ops.square(x), scale)


@pytest.mark.parametrize("kwargs, shape, ref", [
    ({"function": lambda x: x * 2.0}, (3, 4), lambda x: 2 * x),
    ({"function": lambda x, a, b: x * a + b, "arguments": {"a": 3.0, "b": -1.0}}, (2, 5), lambda x: 3 * x - 1),
    ({"function": _shift(1.5)}, (2, 3), lambda x: x + 1.5),
    ({"function": scaled_square}, (2, 3, 2), lambda x: 0.5 * x ** 2),
    ({"function": lambda x: ops.sum(x, axis=-1), "output_shape": (3,)}, (2, 3, 4), lambda x: x.sum(-1)),
    ({"function": lambda x: ops.concatenate([x, x], axis=-1),
      "output_shape": lambda s: s[:-1] + (2 * s[-1],)}, (2, 3), lambda x: np.concatenate([x, x], -1)),
    ({"function": operator.neg}, (2, 3), lambda x: -x),
])
def test_lambda_matches_numpy(backend, kwargs, shape, ref):
    with SafeModeScope(False):
        layer_test(layers.Lambda, kwargs, _x(*shape), reference_fn=lambda x, w: ref(x.astype("float64")),
                   expected_weights=[])


def test_lambda_config_is_tf_keras_format():
    layer = layers.Lambda(_shift(2.0), output_shape=(4,), arguments={"n": 1})
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "function", "function_type", "module",
                            "output_shape", "output_shape_type", "output_shape_module", "arguments"]
    code, defaults, closure = config["function"]
    assert marshal.loads(base64.b64decode(code)).co_name == "<lambda>"
    assert (defaults, closure) == (None, (2.0,))
    assert (config["function_type"], config["module"]) == ("lambda", __name__)
    assert (config["output_shape"], config["output_shape_type"], config["output_shape_module"]) == \
        ((4,), "raw", None)
    assert config["arguments"] == {"n": 1}
    named = layers.Lambda(operator.neg).get_config()
    assert (named["function"], named["function_type"], named["module"]) == ("neg", "function", "_operator")
    assert layers.Lambda(scaled_square).get_config()["function"][1] == (0.5,)


def test_lambda_bytecode_is_refused_in_safe_mode(backend):
    config = json.loads(json.dumps(layers.Lambda(lambda x: x + 1.0).get_config()))
    with pytest.raises(ValueError, match=REFUSED):
        layers.Lambda.from_config(config)
    with pytest.raises(ValueError, match=REFUSED):
        layers.deserialize({"class_name": "Lambda", "config": config})
    with SafeModeScope(False):
        rebuilt = layers.Lambda.from_config(config)
    np.testing.assert_allclose(rebuilt(np.ones((1, 2), "float32")).numpy(), [[2.0, 2.0]])
    # A stored output-shape or mask function is code too.
    config = json.loads(json.dumps(layers.Lambda(operator.neg, mask=lambda x, m: m).get_config()))
    with pytest.raises(ValueError, match=r"`Lambda` layer whose `mask` is Python bytecode"):
        layers.Lambda.from_config(config)
    # A function stored by name runs no stored code, so safe mode lets it through.
    named = layers.Lambda.from_config(json.loads(json.dumps(layers.Lambda(operator.neg).get_config())))
    assert named.function is operator.neg


def test_lambda_model_save_and_load(backend, tmp_path):
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Lambda(lambda x: x * 3.0, name="triple")(inputs))
    x = _x(2, 3)
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=REFUSED):
        keras.models.load_model(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=REFUSED):
        keras.models.model_from_json(model.to_json())
    loaded = keras.models.load_model(tmp_path / "m.h5", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), 3 * x, rtol=1e-6)


def test_lambda_unknown_function_type():
    config = layers.Lambda(operator.neg).get_config()
    config["function_type"] = "pickle"
    with pytest.raises(TypeError, match=r"Unknown function type received: pickle. Expected types are "
                                        r"\['function', 'lambda', 'raw'\]"):
        layers.Lambda.from_config(config)


def test_lambda_function_must_be_callable():
    with pytest.raises(ValueError, match=r"The `function` argument of a Lambda layer must be callable. "
                                         r"Received: 3"):
        layers.Lambda(3)


def test_lambda_passes_mask_and_training_when_the_function_takes_them(backend):
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    layer = layers.Lambda(fn)
    mask = np.array([[True, False]])
    layer(np.ones((1, 2), "float32"), mask=mask, training=True)
    assert seen["mask"] is mask and seen["training"] is True
    layer(np.ones((1, 2), "float32"))
    assert seen["mask"] is None and seen["training"] is False


def test_lambda_mask(backend):
    x = np.ones((1, 3), "float32")
    fixed = layers.Lambda(lambda t: t, mask=np.array([[True, True, False]]))
    assert fixed.supports_masking
    np.testing.assert_array_equal(fixed.compute_mask(x), [[True, True, False]])
    computed = layers.Lambda(lambda t: t, mask=lambda inputs, mask: ops.logical_not(mask))
    np.testing.assert_array_equal(computed.compute_mask(x, as_tensor(np.array([[True, False, True]]))).numpy(),
                                  [[False, True, False]])
    assert layers.Lambda(lambda t: t).compute_mask(x, np.array([[True]])) is None


def test_lambda_gradient_flows_to_the_input(backend):
    xt = as_tensor(_x(2, 3))
    with GradientTape() as tape:
        tape.watch(xt)
        y = layers.Lambda(scaled_square)(xt)
    np.testing.assert_allclose(tape.gradient(y, xt).numpy(), xt.numpy(), rtol=1e-6)


# ------------------------------------------------------------------ ActivityRegularization
@pytest.mark.parametrize("l1, l2", [(0.0, 0.0), (0.1, 0.0), (0.0, 0.2), (0.3, 0.05)])
def test_activity_regularization(backend, l1, l2):
    x = _x(4, 3)
    layer, y = layer_test(layers.ActivityRegularization, {"l1": l1, "l2": l2}, x,
                          reference_fn=lambda x, w: x, expected_weights=[])
    layer(x)
    expected = (l1 * np.abs(x).sum() + l2 * np.square(x).sum()) / 4  # tf.keras divides by the batch size
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5, atol=1e-7)
    assert layer.get_config()["l1"] == l1 and layer.get_config()["l2"] == l2


def test_activity_regularization_loss_is_differentiable(backend):
    xt = as_tensor(_x(2, 3))
    layer = layers.ActivityRegularization(l2=0.5)
    with GradientTape() as tape:
        tape.watch(xt)
        layer(xt)
        penalty = layer.losses[0]
    np.testing.assert_allclose(tape.gradient(penalty, xt).numpy(), 0.5 * xt.numpy(), rtol=1e-6)


def test_activity_regularization_in_a_model_adds_to_the_loss(backend):
    model = keras.Sequential([layers.ActivityRegularization(l1=1.0, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    # mse is 0 (the identity, y = x); the penalty is sum(|x|) / batch = 6 / 2.
    np.testing.assert_allclose(model.evaluate(x, x, verbose=0), 3.0, rtol=1e-6)


def test_activity_regularization_bad_penalty():
    with pytest.raises(ValueError, match=r"Value abc is not a valid regularization penalty number, expected "
                                         r"an int or float value."):
        layers.ActivityRegularization(l1="abc")
    assert layers.ActivityRegularization().name == "activity_regularization"
