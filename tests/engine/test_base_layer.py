import re

import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, ops
from kerasx.backend import learning_phase_scope
from kerasx.engine.base_layer import Layer

from tests.engine.engine_test_layers import Linear, TrainingEcho


def test_layer_builds_on_first_call_with_the_input_shape(backend):
    layer = Linear(3)
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 4), dtype="float32"))
    assert layer.built
    assert [w.name for w in layer.weights] == ["linear/kernel:0", "linear/bias:0"]
    assert [w.shape for w in layer.weights] == [(4, 3), (3,)]
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 4.0))


def test_names_count_per_class_as_keras():
    assert [Linear(1).name, Linear(1).name, Linear(1, name="x").name, Linear(1).name] == \
        ["linear", "linear_1", "x", "linear_2"]


def test_float64_inputs_are_cast_to_the_layer_dtype(backend):
    out = Linear(2)(np.ones((1, 3), dtype="float64"))
    assert out.dtype == "float32"


def test_input_checks_name_the_layer_and_shapes(backend):
    layer = Linear(2, name="dense_1")
    layer(np.ones((1, 784), dtype="float32"))
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense_1" \(Linear\) is incompatible: expected '
                                         r"last dimension 784, received input with shape \(32, 28, 28\)"):
        layer(np.ones((32, 28, 28), dtype="float32"))
    with pytest.raises(ValueError, match=r"expected min_ndim=2, found ndim=1"):
        layer(np.ones((784,), dtype="float32"))


def test_unknown_keyword_is_rejected():
    with pytest.raises(TypeError, match="Keyword argument not understood: 'unitz'"):
        Linear(2, unitz=3)


def test_set_weights_checks_everything_before_changing_anything(backend):
    layer = Linear(2)
    layer(np.ones((1, 3), dtype="float32"))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"weight shape \(2,\) is not compatible with provided weight shape \(5,\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(5)])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.zeros((3, 2))])


def test_nested_layers_are_tracked_and_trainable_flag_propagates(backend):
    class Block(Layer):
        def __init__(self):
            super().__init__()
            self.inner = [Linear(2), Linear(1)]

        def call(self, x):
            return self.inner[1](self.inner[0](x))

    block = Block()
    block(np.ones((1, 3), dtype="float32"))
    assert len(block.trainable_weights) == 4
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 4
    assert not block.inner[0].trainable


def test_weights_train_through_a_tape(backend):
    layer = Linear(1)
    x = np.array([[1.0, 2.0]], dtype="float32")
    with GradientTape() as tape:
        loss = ops.sum(ops.square(layer(x)))
    grads = tape.gradient(loss, layer.trainable_weights)
    # d/dk sum((xk+b)^2) = 2 (xk+b) x with k = 1, b = 0: output 3.
    np.testing.assert_allclose(grads[0].numpy(), [[6.0], [12.0]])
    np.testing.assert_allclose(grads[1].numpy(), [6.0])
    assert grads[0].dtype == "float32"


def test_training_flag_reaches_nested_layers(backend):
    class Outer(Layer):
        def __init__(self):
            super().__init__()
            self.echo = TrainingEcho()

        def call(self, x, training=None):
            return self.echo(x)

    outer = Outer()
    x = np.zeros((1, 1), dtype="float32")
    assert outer(x).numpy()[0, 0] == 0.0
    assert outer(x, training=True).numpy()[0, 0] == 1.0


def test_training_flag_passes_through_a_call_without_a_training_argument(backend):
    # tf.keras hands the outer call's flag to the nested layers even when the outer `call` does not
    # take `training` itself; the layers two levels down get it too.
    class Block(Layer):
        def __init__(self):
            super().__init__()
            self.echo = TrainingEcho()

        def call(self, x):
            return self.echo(x)

    class Outer(Layer):
        def __init__(self):
            super().__init__()
            self.block = Block()

        def call(self, x):
            return self.block(x)

    x = np.zeros((1, 1), dtype="float32")
    for layer in (Block(), Outer()):
        assert layer(x, training=True).numpy()[0, 0] == 1.0
        assert layer(x, training=False).numpy()[0, 0] == 0.0
        assert layer(x).numpy()[0, 0] == 0.0


def test_count_params_before_build_is_an_error():
    with pytest.raises(ValueError, match="isn't built"):
        Linear(2).count_params()


def test_config_round_trip(backend):
    layer = Linear(5, name="lin", trainable=False)
    clone = Linear.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config() == {
        "name": "lin", "trainable": False, "dtype": "float32", "units": 5}


def test_input_shape_kwarg_sets_batch_input_shape():
    assert Linear(2, input_shape=(4,))._batch_input_shape == (None, 4)
    assert Linear(2, input_shape=(4,), batch_size=8)._batch_input_shape == (8, 4)
    assert Linear(2, batch_input_shape=(3, 4)).get_config()["batch_input_shape"] == (3, 4)


@pytest.mark.parametrize("bad, type_name", [(input, "builtin_function_or_method"), ("abc", "str"),
                                            (None, "NoneType")])
def test_a_non_tensor_input_is_refused_naming_the_layer_and_the_type(backend, bad, type_name):
    layer = Linear(2)
    message = (f'Inputs to a layer should be tensors. Layer "linear" (Linear) expects a Tensor or an '
               f"array-like (a NumPy array, a number, a list of numbers); received {bad!r} of type "
               f"{type_name}.")
    with pytest.raises(TypeError, match=re.escape(message)):
        layer(bad)
    assert not layer.built and layer.weights == []
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, Linear(1)(inputs))
    with pytest.raises(TypeError, match=r'Inputs to a layer should be tensors. Layer "model" \(Functional\)'):
        model(bad)
    with pytest.raises(TypeError, match=r'Inputs to a layer should be tensors. Layer "linear_2" \(Linear\)'):
        Linear(1, name="linear_2")(Linear(3))


def test_the_training_default_of_call_applies_when_nothing_sets_the_flag():
    class Flagged(Layer):
        def call(self, inputs, training=True):
            return inputs + (1.0 if training else 0.0)

    layer = Flagged()
    x = np.zeros((1, 2), "float32")
    assert layer(x).numpy().sum() == 2.0  # its own default, True, as tf.keras
    assert layer(x, training=False).numpy().sum() == 0.0
    with learning_phase_scope(0):
        assert layer(x).numpy().sum() == 0.0  # the learning phase comes before the default
    model = keras.Sequential([keras.Input((2,)), layer])
    assert model(x).numpy().sum() == 0.0  # an enclosing call's flag comes first too
    assert model(x, training=True).numpy().sum() == 2.0
