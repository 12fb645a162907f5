"""ConstantOp: the stand-in for tf.keras's TFOpLambda layers (x + c, x * c) against NumPy, tf.keras's
names, its config round trip and its argument check."""
import numpy as np
import pytest

from kerasx import layers, models
from kerasx.applications.constant_op import ConstantOp


def test_add_and_multiply_match_numpy(backend):
    inputs = layers.Input((2, 3))
    scale = [[[0.5, 2.0, -1.0]]]
    y = ConstantOp("math.multiply", scale)(ConstantOp("__operators__.add", 3.0)(inputs))
    model = models.Model(inputs, y)
    x = np.arange(12, dtype="float32").reshape(2, 2, 3)
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, (x + 3.0) * np.asarray(scale, dtype="float32"), rtol=1e-6)


def test_names_as_tf_keras_and_config_round_trip():
    # tf.keras names its TFOpLambda layers after the op: tf.__operators__.add, tf.__operators__.add_1, ...
    first, second = ConstantOp("__operators__.add", 3.0), ConstantOp("__operators__.add", 1.0)
    assert (first.name, second.name, ConstantOp("math.multiply", 2.0).name) == (
        "tf.__operators__.add", "tf.__operators__.add_1", "tf.math.multiply")
    inputs = layers.Input((3,))
    model = models.Model(inputs, ConstantOp("math.multiply", [1.0, 2.0, 3.0])(inputs))
    rebuilt = models.model_from_json(model.to_json())
    assert rebuilt.layers[1].get_config() == model.layers[1].get_config()
    assert rebuilt.layers[1].count_params() == 0


def test_unknown_function_is_refused():
    with pytest.raises(ValueError, match=r"ConstantOp `function` must be one of .*Received: function='math.divide'"):
        ConstantOp("math.divide", 2.0)
