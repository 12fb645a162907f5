"""`keras_archive`'s hook for archives that hold something other than a model (tf.keras saves a
FeatureSpace so; its own tests are in tests/utils/test_feature_space_saving.py), `write_keras_archive`'s
extra `assets` members, and loading a model whose layers have no variables to finalize."""
import json
import zipfile

import numpy as np
import pytest

import kerasx as keras
from kerasx.saving import keras_archive
from kerasx.saving.keras_zip import write_keras_archive


@pytest.fixture
def registered():
    calls = []

    def load(archive, config):
        with archive.open_member("assets/thing/notes.txt") as f:
            calls.append((config, f.read()))
        return "a thing"
    keras_archive.register_archive_loader("Thing", load)
    yield calls
    del keras_archive._OBJECT_LOADERS["Thing"]


def _write_weights(path):
    with open(path, "wb") as f:
        f.write(b"not read by the Thing loader")


def test_an_archive_of_a_registered_class_goes_to_its_loader(tmp_path, registered):
    path = tmp_path / "thing.keras"
    config = {"module": "somewhere", "class_name": "Thing", "config": {"size": 3}}
    write_keras_archive(path, True, config, {"keras_version": "2.21.0"}, _write_weights,
                        assets={"assets/thing/notes.txt": b"one\ntwo"})
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["metadata.json", "config.json", "model.weights.h5", "assets/thing/notes.txt"]
        assert json.loads(z.read("config.json")) == config
    assert keras.models.load_model(path) == "a thing"
    assert registered == [(config, b"one\ntwo")]


def test_an_unregistered_class_is_still_read_as_a_model(tmp_path, registered):
    path = tmp_path / "other.keras"
    write_keras_archive(path, True, {"class_name": "Unknown", "config": {}}, {"keras_version": "2.21.0"},
                        _write_weights)
    with pytest.raises(ValueError, match="Unknown layer: 'Unknown'"):
        keras.models.load_model(path)
    assert registered == []


def test_a_model_with_a_hashing_layer_round_trips(backend, tmp_path):
    # Loading used to call Hashing's finalize_state (PreprocessingLayer's, abstract): only layers with
    # loaded variables are finalized now.
    inputs = keras.Input(shape=(1,), dtype="int64")
    model = keras.Model(inputs, keras.layers.Hashing(num_bins=8)(inputs))
    model.save(tmp_path / "m.keras")
    x = np.array([[1], [2], [75001]], "int64")
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "m.keras").predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_discretization_boundaries_are_derived_again_after_loading(backend, tmp_path):
    inputs = keras.Input(shape=(1,))
    layer = keras.layers.Discretization(num_bins=3)
    layer.adapt(np.arange(6, dtype="float32")[:, None])
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "d.keras")
    loaded = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(loaded.layers[-1].bin_boundaries, layer.bin_boundaries)
    x = np.array([[-1.0], [2.5], [9.0]], "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
