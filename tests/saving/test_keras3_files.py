"""Files written by real Keras 3 (3.15.1 on torch), committed under fixtures/keras3/ by
`fixtures/keras3_worker.py write` (run by Keras 3's python), load in kerasx with Keras 3's predictions:
`.keras` archives, `.weights.h5` files in Keras 3's layout, and Keras 3's legacy `.h5`."""
import os

import numpy as np
import pytest

import kerasx as keras
from kerasx.utils import set_random_seed
from tests.saving.fixtures import keras3_models as models

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")


@pytest.fixture(scope="module")
def expected():
    with np.load(os.path.join(FIXTURES, "expected.npz")) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("name", models.NAMES)
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras3_model_files_load_with_keras3_predictions(backend, expected, name, suffix):
    model = keras.models.load_model(os.path.join(FIXTURES, name + suffix))
    x = models.as_model_input(models.inputs(np, name))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[f"{name}_prediction"], atol=1e-5)
    if name == models.COMPILED:
        # Compiled as Keras 3 compiled it, with the optimizer state it reached (2 epochs of 1 step).
        assert type(model.optimizer).__name__ == "Adam"
        assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)
        assert int(model.optimizer.iterations.numpy()) == int(expected[f"{name}_iterations"]) == 2
        assert model.loss == "categorical_crossentropy"
        slots = [w for w in model.optimizer.weights if w.name.endswith("/m:0")]
        assert slots and all(np.abs(s.numpy()).max() > 0 for s in slots)


@pytest.mark.parametrize("name", models.NAMES)
def test_keras3_weights_files_load_into_the_same_architecture(backend, expected, name):
    set_random_seed(1)
    model = models.build(keras, name)
    model.load_weights(os.path.join(FIXTURES, name + ".weights.h5"))
    x = models.as_model_input(models.inputs(np, name))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected[f"{name}_prediction"], atol=1e-5)


def test_a_keras3_model_trains_on_after_loading(backend):
    model = keras.models.load_model(os.path.join(FIXTURES, "func.keras"))
    x = models.as_model_input(models.inputs(np, "func"))
    model.fit(x, models.targets(np), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 3


def test_keras3_weights_into_another_architecture_fail_before_any_change(backend):
    set_random_seed(1)
    model = models.build(keras, "conv")
    before = [w.numpy() for w in model.weights]
    with pytest.raises(ValueError, match=r"Layer 'conv2d' expected 2 variables, but received 0 variables "
                                         r"during loading \(path 'layers/conv2d/vars'\)"):
        model.load_weights(os.path.join(FIXTURES, "seq.weights.h5"))
    for w, b in zip(model.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)
