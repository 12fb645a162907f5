"""Files written by real Keras 3 (3.15.1 on torch) and real tf.keras (tf_keras 2.21), committed under
fixtures/keras3/ and fixtures/tf_keras/ by `fixtures/keras_worker.py write` (run by their pythons), load
in kerasx with the writer's predictions: `.keras` archives, `.weights.h5` files, and `.h5` files."""
import io
import os
import zipfile

import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx.utils import set_random_seed
from tests.saving.fixtures import keras3_models as models

HERE = os.path.join(os.path.dirname(__file__), "fixtures")
FIXTURES = os.path.join(HERE, "keras3")
WRITERS = ["keras3", "tf_keras"]


def _expected(writer):
    with np.load(os.path.join(HERE, writer, "expected.npz")) as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module", params=WRITERS)
def writer(request):
    return request.param, _expected(request.param)


@pytest.mark.parametrize("name, suffix", [(n, s) for n in models.NAMES
                                          for s in models.suffixes(n, (".keras", ".h5"), models.FIXTURES_ARCHIVE_ONLY)])
def test_model_files_load_with_the_writers_predictions(backend, writer, name, suffix):
    directory, expected = writer
    model = keras.models.load_model(os.path.join(HERE, directory, name + suffix))
    x = models.as_model_input(models.inputs(np, name))
    np.testing.assert_allclose(models.first_output(model.predict(x, verbose=0)), expected[f"{name}_prediction"], atol=1e-5)
    if name == models.COMPILED:
        # Compiled as Keras 3 compiled it, with the optimizer state it reached (2 epochs of 1 step).
        assert type(model.optimizer).__name__ == "Adam"
        assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)
        assert int(model.optimizer.iterations.numpy()) == int(expected[f"{name}_iterations"]) == 2
        assert model.loss == "categorical_crossentropy"
        # Each slot matches its own variable (m and v not swapped, not shifted) and moved from zero.
        first_kernel = model.trainable_variables[0]
        m, v = (model.optimizer.get_slot(first_kernel, s).numpy() for s in ("m", "v"))
        assert np.abs(m).max() > 0 and v.min() >= 0 and np.abs(v).max() > 0
        np.testing.assert_allclose(m, _saved_slot(directory, name + suffix, "m"), rtol=1e-6)


@pytest.mark.parametrize("name", [n for n in models.NAMES if n not in models.FIXTURES_ARCHIVE_ONLY])
def test_weights_files_load_into_the_same_architecture(backend, writer, name):
    directory, expected = writer
    set_random_seed(1)
    model = models.build(keras, name)
    model.load_weights(os.path.join(HERE, directory, name + ".weights.h5"))
    x = models.as_model_input(models.inputs(np, name))
    np.testing.assert_allclose(models.first_output(model.predict(x, verbose=0)), expected[f"{name}_prediction"], atol=1e-5)


def _saved_slot(directory, filename, slot):
    """The first kernel's `slot` as the writer stored it, read with h5py: Keras 3 and tf.keras 2.11+
    both write iterations, (learning_rate,) then m and v interleaved per variable; `.h5` files name them."""
    path = os.path.join(HERE, directory, filename)
    if filename.endswith(".h5"):
        with h5py.File(path, "r") as f:
            group = f["optimizer_weights"]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            return group[next(n for n in names if n.endswith(("embeddings_momentum", "/m/embedding/embeddings:0")))][()]
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        first = 2 if directory == "keras3" else 1  # tf.keras keeps no learning_rate variable
        return f[f"optimizer/vars/{first + (0 if slot == 'm' else 1)}"][()]


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
