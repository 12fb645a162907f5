"""`Input` and `InputLayer`, and the input-shape arguments of a first layer: bad shapes are refused with
the argument named."""
import re

import numpy as np
import pytest

import kerasx as keras
from kerasx.engine.input_layer import Input, InputLayer

from tests.engine.engine_test_layers import Linear


def test_shapes_of_positive_integers_and_none_are_accepted():
    assert Input(shape=(3,)).shape == (None, 3)
    assert Input(shape=5).shape == (None, 5)
    assert Input(shape=(None, np.int64(4)), batch_size=8).shape == (8, None, 4)
    assert Input(batch_shape=(2, 3)).shape == (2, 3)
    assert Linear(2, input_dim=4)._batch_input_shape == (None, 4)


@pytest.mark.parametrize("shape, bad", [((-3,), -3), ((0,), 0), ((4, -1), -1), ((2, 3.5), 3.5),
                                        ((True,), True)])
def test_input_refuses_a_dimension_that_is_not_a_positive_integer(shape, bad):
    # tf.keras refuses negative dimensions ("Dimension -3 must be >= 0"); 0 it accepts, making an input
    # with no features, which kerasx refuses as well (see check_shape_argument).
    message = (f"Input: `shape` must be a tuple of positive integers or None (unknown sizes); received "
               f"shape={tuple(shape)!r} (the dimension {bad!r} is not a positive integer).")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Input(shape=shape)


def test_the_other_shape_arguments_are_checked_and_named():
    with pytest.raises(ValueError, match=r"Input: `shape` must be a positive integer or None; "
                                         r"received shape=-4\."):
        Input(shape=-4)
    with pytest.raises(TypeError, match=r"Input: `shape` must be a tuple of positive integers or None "
                                        r"\(unknown sizes\); received shape='abc' of type str\."):
        Input(shape="abc")
    with pytest.raises(ValueError, match=r"Input: `batch_size` must be a positive integer or None; "
                                         r"received batch_size=0\."):
        Input(shape=(3,), batch_size=0)
    with pytest.raises(ValueError, match=r"Input: `batch_shape` .* received batch_shape=\(None, -2\)"):
        Input(batch_shape=(None, -2))
    with pytest.raises(ValueError, match=r"InputLayer: `input_shape` .* received input_shape=\(-1,\)"):
        InputLayer(input_shape=(-1,))
    with pytest.raises(ValueError, match=r'Layer "dense" \(Dense\): `input_shape` must be a tuple of '
                                         r"positive integers or None .* received input_shape=\(-1,\)"):
        keras.layers.Dense(2, input_shape=(-1,))
    with pytest.raises(ValueError, match=r'Layer "linear" \(Linear\): `input_dim` must be a positive '
                                         r"integer or None; received input_dim=0\."):
        Linear(2, input_dim=0)
    with pytest.raises(ValueError, match=r"`batch_input_shape` .* received batch_input_shape=\(None, 0\)"):
        Linear(2, batch_input_shape=(None, 0))


def test_optional_is_accepted_false_and_refused_true():
    # tf_keras 2.15+ configs carry "optional": false; kerasx has no optional (None-accepting) inputs.
    layer = InputLayer(input_shape=(3,), optional=False)
    assert layer.get_config()["batch_input_shape"] == (None, 3)
    with pytest.raises(ValueError, match=r"no optional inputs: InputLayer\(optional=True\)"):
        InputLayer(input_shape=(3,), optional=True)
