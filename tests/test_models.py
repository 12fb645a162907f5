"""`kerasx.models`: the re-exports and `clone_model`."""
import json

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed


def _functional():
    set_random_seed(0)
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = layers.Dense(4, activation="relu", name="shared")
    merged = layers.Add()([shared(a), shared(b)])
    return keras.Model({"a": a, "b": b}, [layers.Dense(2, name="head")(merged), merged])


def _config(model):
    return json.loads(json.dumps(model.get_config()))


def test_exports():
    assert keras.models.Sequential is keras.Sequential and keras.models.Model is keras.Model
    for name in ("load_model", "save_model", "model_from_json", "model_from_yaml", "model_from_config",
                 "clone_model"):
        assert callable(getattr(keras.models, name))


def _assert_fresh_clone(model, clone, x):
    assert clone is not model and type(clone) is type(model)
    assert _config(clone) == _config(model)
    assert not any(w1 is w2 for w1 in clone.weights for w2 in model.weights)
    assert any(not np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))
    clone.set_weights(model.get_weights())
    for got, want in zip(clone.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(got, want)


def test_clone_sequential(backend):
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(3, activation="relu", input_shape=(4,)), layers.Dense(2)])
    _assert_fresh_clone(model, keras.models.clone_model(model), np.ones((2, 4), "float32"))
    clone = keras.models.clone_model(model, input_tensors=keras.Input(shape=(4,), name="fresh"))
    assert clone.inputs[0]._keras_history[0].name == "fresh"
    with pytest.raises(ValueError, match="we expect at most one tensor"):
        keras.models.clone_model(model, input_tensors=[keras.Input(shape=(4,)), keras.Input(shape=(4,))])


def test_clone_functional_keeps_shared_layers_shared(backend):
    model = _functional()
    clone = keras.models.clone_model(model)
    x = {"a": np.ones((2, 3), "float32"), "b": np.full((2, 3), 2.0, "float32")}
    _assert_fresh_clone(model, clone, x)
    assert len(clone.get_layer("shared").inbound_nodes) == 2
    calls = []

    def clone_function(layer):
        calls.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    keras.models.clone_model(model, clone_function=clone_function)
    assert sorted(calls) == ["add", "head", "shared"]  # each layer once, inputs cloned separately


def test_clone_functional_on_new_inputs(backend):
    model = _functional()
    a, b = keras.Input(shape=(3,), name="x"), keras.Input(shape=(3,), name="y")
    clone = keras.models.clone_model(model, input_tensors=[a, b])
    assert clone.input_names == ["x", "y"]
    with pytest.raises(ValueError, match="has 2 input"):
        keras.models.clone_model(model, input_tensors=[a])
    with pytest.raises(ValueError, match="`input_tensors` must be tensors made by `kerasx.Input`"):
        keras.models.clone_model(model, input_tensors=[a, layers.Dense(3)(b)])


def test_clone_subclassed_is_an_error(backend):
    class Net(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="Expected `model` argument to be a functional `Model` instance, "
                                         "but got a subclassed model"):
        keras.models.clone_model(Net())
    with pytest.raises(ValueError, match="Expected `model` argument to be a `Model` instance"):
        keras.models.clone_model(layers.Dense(1))
