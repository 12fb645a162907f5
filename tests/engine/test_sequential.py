import numpy as np
import pytest

from kerasx.engine.input_layer import Input
from kerasx.engine.sequential import Sequential

from tests.engine.engine_test_layers import Linear, Twice


def test_list_constructor_with_input_shape_builds_the_graph(backend):
    model = Sequential([Linear(4, input_shape=(3,)), Linear(2)])
    assert model.built and model.name == "sequential"
    assert [l.name for l in model.layers] == ["linear", "linear_1"]
    assert model.output_shape == (None, 2) and model.inputs[0]._keras_history[0].name == "linear_input"
    np.testing.assert_allclose(model(np.ones((1, 3), dtype="float32")).numpy(), [[12.0, 12.0]])


def test_add_and_deferred_build_on_first_data(backend):
    model = Sequential()
    model.add(Linear(4))
    model.add(Linear(2))
    assert not model.built
    with pytest.raises(ValueError, match="This model has not yet been built"):
        model.summary()
    model(np.ones((5, 3), dtype="float32"))
    assert model.built and model.input_shape == (None, 3) and model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_input_tensor_first(backend):
    model = Sequential()
    model.add(Input(shape=(6,)))
    model.add(Linear(1))
    assert model.output_shape == (None, 1) and len(model.layers) == 1


def test_pop(backend):
    model = Sequential([Linear(4, input_shape=(3,)), Linear(2)])
    model.pop()
    assert model.output_shape == (None, 4) and len(model.layers) == 1
    model.pop()
    with pytest.raises(TypeError, match="There are no layers in the model."):
        model.pop()


def test_build_method(backend):
    model = Sequential([Linear(2)])
    model.build((None, 7))
    assert model.built and model.layers[0].kernel.shape == (7, 2)


def test_errors():
    with pytest.raises(TypeError, match="The added layer must be an instance of class Layer"):
        Sequential().add("dense")
    model = Sequential([Linear(1, name="same")])
    with pytest.raises(ValueError, match='Name "same" is already the name of a layer in this model'):
        model.add(Linear(1, name="same"))
    with pytest.raises(ValueError, match="should have a single output tensor"):
        Sequential([Linear(2, input_shape=(2,)), Twice()])


def test_model_weights_are_listed_layer_by_layer_as_tf_keras():
    # tf.keras's Model.weights: each layer's weights in turn (its trainable, then non-trainable ones),
    # not every trainable weight of the model first; get_weights lists from tf.keras line up with ours.
    import kerasx as keras
    from kerasx import layers
    model = keras.Sequential([layers.Dense(3, input_shape=(2,), name="d1"),
                              layers.BatchNormalization(name="bn"), layers.Dense(1, name="d2")])
    assert [w.name for w in model.weights] == [
        "d1/kernel:0", "d1/bias:0", "bn/gamma:0", "bn/beta:0", "bn/moving_mean:0",
        "bn/moving_variance:0", "d2/kernel:0", "d2/bias:0"]
    assert [w.name for w in model.trainable_weights] == [
        "d1/kernel:0", "d1/bias:0", "bn/gamma:0", "bn/beta:0", "d2/kernel:0", "d2/bias:0"]
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(2, 3), (3,), (3,), (3,), (3,), (3,), (3, 1), (1,)]
