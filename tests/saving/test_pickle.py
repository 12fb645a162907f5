"""Models and pickle (tf.keras 2.x's `Model.__reduce__`/`__deepcopy__`): a built model travels as its
whole-model save (weights, compile arguments, optimizer state); an unbuilt one as a plain object."""
import copy
import pickle

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers


def _trained_functional():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    hidden = layers.Dense(5, activation="tanh", name="hidden")(inputs)
    outputs = layers.Dense(2, name="out")(hidden)
    model = keras.Model(inputs, outputs, name="small")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    x = np.random.RandomState(0).normal(size=(16, 4)).astype("float32")
    model.fit(x, x[:, :2] * 2.0, epochs=2, batch_size=8, verbose=0)
    return model, x


def test_a_pickled_model_predicts_and_trains_on_like_the_original(backend):
    model, x = _trained_functional()
    restored = pickle.loads(pickle.dumps(model))
    assert restored is not model and restored.name == "small"
    assert [layer.name for layer in restored.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(restored.optimizer.iterations.numpy()) == 4 and restored.loss == "mse"
    for original, copied in zip(model.optimizer.variables(), restored.optimizer.variables()):
        np.testing.assert_array_equal(np.asarray(copied.numpy()), np.asarray(original.numpy()))
    # The next step from the same state gives the same weights.
    y = x[:, :2]
    model.train_on_batch(x, y)
    restored.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def test_deepcopy_of_a_built_model_is_independent(backend):
    model, x = _trained_functional()
    twin = copy.deepcopy(model)
    np.testing.assert_array_equal(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    twin.get_layer("out").set_weights([np.zeros((5, 2), "float32"), np.ones(2, "float32")])
    np.testing.assert_array_equal(twin.predict(x, verbose=0), np.ones((16, 2), "float32"))
    assert not np.array_equal(model.predict(x, verbose=0), np.ones((16, 2), "float32"))


def test_an_unbuilt_sequential_model_copies_as_an_object():
    model = keras.Sequential([layers.Dense(3, name="d")])
    twin = copy.deepcopy(model)
    assert not twin.built and twin.layers[0] is not model.layers[0] and twin.layers[0].name == "d"
    twin.build((None, 2))
    assert twin.built and not model.built


def test_a_subclassed_model_cannot_be_pickled_and_says_why():
    class Doubler(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs) * 2.0

    model = Doubler()
    model(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="requires the model to be a Functional model or a Sequential model"):
        pickle.dumps(model)
