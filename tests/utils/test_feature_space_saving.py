"""`FeatureSpace.save` and `load_model` of a FeatureSpace: a file tf_keras 2.21 wrote
(fixtures/tf_keras_feature_space.keras, by fixtures/make_feature_space_fixture.py) loads and encodes
as tf_keras encoded before saving; kerasx writes the same archive (members, HDF5 groups, config,
vocabularies); the round trip restores the adapted state without adapting; the errors."""
import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx.data import Dataset
from kerasx.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from kerasx.saving import DamagedFileError
from kerasx.utils import FeatureSpace
from kerasx.utils import feature_space_saving

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
TF_KERAS_FILE = os.path.join(FIXTURES, "tf_keras_feature_space.keras")


@pytest.fixture(scope="module")
def reference():
    with np.load(os.path.join(FIXTURES, "feature_space_expected.npz")) as f:
        arrays = {k: f[k] for k in f.files}
    return {"expected": arrays["expected"], "tf_keras_reloaded": arrays["tf_keras_reloaded"],
            "probe": {k[len("probe_"):]: v for k, v in arrays.items() if k.startswith("probe_")},
            "train": {k[len("train_"):]: v for k, v in arrays.items() if k.startswith("train_")}}


def _np(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def _fixture_spec():
    """The FeatureSpace of make_feature_space_fixture.py, in kerasx."""
    fs = FeatureSpace
    return fs(features={"amount": "float_rescaled", "age": "float_normalized",
                        "score": fs.float_discretized(num_bins=3, name="score"),
                        "size": fs.float_discretized(num_bins=4, bin_boundaries=None, name="size"),
                        "code": "integer_categorical", "color": "string_categorical",
                        "city": fs.string_hashed(num_bins=8, name="city"),
                        "zip": fs.integer_hashed(num_bins=16, name="zip")},
              crosses=[fs.cross(("color", "code"), crossing_dim=16)], output_mode="concat")


def _refuse_adapt(monkeypatch):
    """Loading must restore the state, never compute it: from here on, adapting fails."""
    def refuse(*args, **kwargs):
        raise AssertionError("adapt was called while loading")
    for cls in (PreprocessingLayer, FeatureSpace):
        monkeypatch.setattr(cls, "adapt", refuse)
    monkeypatch.setattr(PreprocessingLayer, "update_state", refuse)


@pytest.fixture
def no_adapt(monkeypatch):
    _refuse_adapt(monkeypatch)


def _archive(path):
    """(member name -> bytes, HDF5 entries of the weights: path -> shape, or None for a group)."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    entries = {}
    with h5py.File(io.BytesIO(members["model.weights.h5"]), "r") as f:
        f.visititems(lambda name, obj: entries.__setitem__(name, getattr(obj, "shape", None)))
    return members, entries


def _rewrite(src, dst, replace=None, drop=()):
    """A copy of the archive `src` at `dst`, members in `replace` (name -> bytes) swapped, `drop` left out."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for name in z.namelist():
            if name not in drop:
                out.writestr(name, (replace or {}).get(name, z.read(name)))


# ---------------------------------------------------------------- tf_keras's file
@pytest.mark.parametrize("load", [keras.models.load_model, keras.saving.load_model])
def test_a_tf_keras_file_encodes_as_tf_keras_did_before_saving(backend, reference, no_adapt, load):
    fs = load(TF_KERAS_FILE)
    assert isinstance(fs, FeatureSpace) and fs.output_mode == "concat"
    out = _np(fs(reference["probe"]))
    assert out.dtype == np.float32 and out.shape == reference["expected"].shape == (3, 57)
    np.testing.assert_allclose(out, reference["expected"], atol=1e-6)
    # tf_keras 2.21's own reload puts every discretized value in bin 0 (it leaves the bin boundaries
    # empty); kerasx derives them from the loaded summary. Only those columns (score, size) differ.
    differing = np.nonzero(np.any(reference["tf_keras_reloaded"] != reference["expected"], axis=0))[0]
    assert differing.tolist() == [18, 19, 20, 21, 22, 24]


def test_a_tf_keras_file_restores_each_state(backend, reference, no_adapt):
    fs = keras.models.load_model(TF_KERAS_FILE)
    train = reference["train"]
    # Vocabularies: most frequent first after the OOV token, as the file's vocabulary.txt lists them.
    assert fs.preprocessors["color"].get_vocabulary() == ["[UNK]", "red", "blue", "green"]
    assert fs.preprocessors["code"].get_vocabulary() == [-1, 5, 6, 7]
    norm = fs.preprocessors["age"]
    np.testing.assert_allclose(_np(norm.mean).ravel(), [train["age"].mean()], rtol=1e-6)
    np.testing.assert_allclose(_np(norm.variance).ravel(), [train["age"].var()], rtol=1e-6)
    # Boundaries derived from the loaded summary; figures read off tf_keras 2.21's layer after its adapt
    # (batches of 4 of 0..5, and of 0.5..5.5).
    np.testing.assert_allclose(fs.preprocessors["score"].bin_boundaries, [1.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(fs.preprocessors["size"].bin_boundaries, [1.0, 2.5, 4.0], rtol=1e-6)
    assert len(fs.one_hot_encoders) == 7 and fs.one_hot_encoders["code"].num_tokens == 4


def test_a_loaded_feature_space_feeds_a_model(backend, reference):
    fs = keras.models.load_model(TF_KERAS_FILE)
    encoded = fs.get_encoded_features()
    model = keras.Model(fs.get_inputs(), keras.layers.Dense(1, kernel_initializer="ones")(encoded))
    inputs = {k: v[:, None] for k, v in reference["probe"].items()}
    np.testing.assert_allclose(model.predict(inputs, verbose=0).ravel(),
                               reference["expected"].sum(axis=1), rtol=1e-5)


# ---------------------------------------------------------------- kerasx's files
def test_kerasx_writes_the_archive_tf_keras_writes(backend, reference, tmp_path):
    fs = _fixture_spec()
    fs.adapt(Dataset.from_tensor_slices(reference["train"]).batch(4))
    fs.save(tmp_path / "fs.keras")
    ours, our_entries = _archive(tmp_path / "fs.keras")
    theirs, their_entries = _archive(TF_KERAS_FILE)
    assert list(ours) == list(theirs)  # metadata, config, weights, then the two vocabularies
    assert our_entries == their_entries  # the same groups, datasets and shapes
    for name in ("assets/preprocessors/integer_lookup/vocabulary.txt",
                 "assets/preprocessors/string_lookup/vocabulary.txt"):
        assert ours[name] == theirs[name]
    assert ours["assets/preprocessors/string_lookup/vocabulary.txt"] == b"[UNK]\nred\nblue\ngreen"
    our_config, their_config = json.loads(ours["config.json"]), json.loads(theirs["config.json"])
    # tf_keras's preprocessing layers also write `batch_input_shape: [None, None]`, which kerasx's don't.
    for feature in their_config["config"]["features"].values():
        feature["config"]["preprocessor"]["config"].pop("batch_input_shape", None)
    assert our_config == their_config
    meta = json.loads(ours["metadata.json"])
    assert set(meta) == {"keras_version", "backend", "date_saved"}


def test_round_trip_in_dict_mode_with_given_state(backend, tmp_path, monkeypatch):
    data = {"n": np.array([1.0, 2.0, 4.0, 9.0], "float32"), "m": np.array([1.0, 2.0, 3.0, 4.0], "float32"),
            "b": np.array([0.1, 0.6, 1.2, 3.0], "float32"), "s": np.array(["x", "y", "x", "q"]),
 "i": np.array([3, 3, 8, 1], "int64"),
            "h": np.array(["p", "q", "r", "s"])}
    fs = FeatureSpace({
        "n": "float_normalized",
        "m": FeatureSpace.feature("float32", keras.layers.Normalization(mean=2.0, variance=4.0), "float"),
        "b": FeatureSpace.float_discretized(num_bins=None, bin_boundaries=[0.5, 1.0, 2.0], output_mode="int"),
        "s": FeatureSpace.string_categorical(output_mode="int"),
        "i": FeatureSpace.integer_categorical(max_tokens=3),
        "h": FeatureSpace.string_hashed(num_bins=4, output_mode="int")},
        crosses=[FeatureSpace.cross(("s", "i"), crossing_dim=8, output_mode="int"), ("h", "s")],
        output_mode="dict")
    fs.adapt(Dataset.from_tensor_slices(data).batch(3))
    before = fs(data)
    fs.save(str(tmp_path / "fs.keras"))
    _refuse_adapt(monkeypatch)
    loaded = keras.models.load_model(tmp_path / "fs.keras")
    after = loaded(data)
    assert sorted(after) == sorted(before)
    for name in before:
        assert str(after[name].dtype) == str(before[name].dtype), name
        np.testing.assert_array_equal(_np(after[name]), _np(before[name]), err_msg=name)
    assert loaded.preprocessors["i"].get_vocabulary() == [-1, 3, 8]  # max_tokens=3 kept what adapt kept


def test_a_feature_space_with_nothing_to_adapt_saves_before_any_call(backend, tmp_path, monkeypatch):
    vocabulary = keras.layers.StringLookup(vocabulary=["c", "a"])
    fs = FeatureSpace({"x": "float", "h": FeatureSpace.integer_hashed(num_bins=4),
                       "v": FeatureSpace.feature("string", vocabulary, "one_hot")}, crosses=[("h", "v")])
    fs.save(tmp_path / "fs.keras")
    # A lookup given its vocabulary keeps it in its config, as tf.keras: no vocabulary asset.
    members, _ = _archive(tmp_path / "fs.keras")
    assert [n for n in members if n.startswith("assets/")] == []
    _refuse_adapt(monkeypatch)
    loaded = keras.models.load_model(tmp_path / "fs.keras")
    assert loaded.preprocessors["v"].get_vocabulary() == ["[UNK]", "c", "a"]
    data = {"x": np.array([1.5, -2.0, 0.0], "float32"), "h": np.array([7, 11, 3], "int64"),
            "v": np.array(["a", "z", "c"])}
    np.testing.assert_array_equal(_np(loaded(data)), _np(fs(data)))


# ---------------------------------------------------------------- errors
def test_save_refuses_a_wrong_suffix_and_an_unadapted_feature_space(backend, tmp_path):
    fs = FeatureSpace({"f": "float_normalized", "s": "string_categorical"})
    with pytest.raises(ValueError, match=r"Invalid `filepath` argument: expected a `.keras` extension. "
                                         r"Received: filepath=.*fs\.h5"):
        fs.save(tmp_path / "fs.h5")
    # tf.keras writes this file (with a warning) and then fails to load it; kerasx refuses up front.
    with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)` on the FeatureSpace before you can save "
                                         r"it.*Adaptable features: \['f', 's'\]"):
        fs.save(tmp_path / "fs.keras")
    assert os.listdir(tmp_path) == []


def test_save_replaces_a_file_only_when_complete(backend, reference, tmp_path, monkeypatch):
    target = tmp_path / "fs.keras"
    target.write_bytes(b"the previous file")
    fs = keras.models.load_model(TF_KERAS_FILE)

    def fail(*args):
        raise OSError("disk full")
    monkeypatch.setattr(feature_space_saving, "_write_weights", fail)
    with pytest.raises(OSError, match="disk full"):
        fs.save(target)
    assert target.read_bytes() == b"the previous file" and os.listdir(tmp_path) == ["fs.keras"]
    monkeypatch.undo()
    fs.save(target)
    np.testing.assert_allclose(_np(keras.models.load_model(target)(reference["probe"])), reference["expected"],
                               atol=1e-6)


def test_damaged_archives_are_refused_with_clear_messages(backend, tmp_path):
    good = TF_KERAS_FILE
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(open(good, "rb").read()[:5000])
    with pytest.raises(ValueError, match=r"truncated.keras is not a valid '.keras' archive: it is not a zip"):
        keras.models.load_model(truncated)

    vocab = "assets/preprocessors/string_lookup/vocabulary.txt"
    _rewrite(good, tmp_path / "novocab.keras", drop=[vocab])
    with pytest.raises(ValueError, match=r"does not hold a valid FeatureSpace: it has no "
                                         r"'assets/preprocessors/string_lookup/vocabulary.txt', the vocabulary "
                                         r"of the preprocessor 'color_preprocessor'"):
        keras.models.load_model(tmp_path / "novocab.keras")

    _rewrite(good, tmp_path / "badvocab.keras",
             replace={"assets/preprocessors/integer_lookup/vocabulary.txt": b"-1\nfive\n6"})
    with pytest.raises(ValueError, match=r"should hold integers, one a line \(the vocabulary of the "
                                         r"IntegerLookup 'code_preprocessor'\)"):
        keras.models.load_model(tmp_path / "badvocab.keras")

    _rewrite(good, tmp_path / "noweights.keras", drop=["model.weights.h5"])
    with pytest.raises(ValueError, match=r"does not hold a valid FeatureSpace: it has no 'model.weights.h5'"):
        keras.models.load_model(tmp_path / "noweights.keras")

    _rewrite(good, tmp_path / "junkweights.keras", replace={"model.weights.h5": b"\x89HDF junk" * 100})
    with pytest.raises(DamagedFileError, match=r"junkweights.keras is damaged: could not read 'model.weights.h5'"):
        keras.models.load_model(tmp_path / "junkweights.keras")

    members, _ = _archive(good)
    weights = io.BytesIO(members["model.weights.h5"])
    with h5py.File(weights, "a") as f:
        del f["preprocessors/normalization/vars/0"]
        f["preprocessors/normalization/vars/0"] = np.zeros((3,), "float32")
    _rewrite(good, tmp_path / "shape.keras", replace={"model.weights.h5": weights.getvalue()})
    with pytest.raises(ValueError, match=r"Layer 'age_preprocessor': the variable .*mean.* has shape \(1,\), "
                                         r"but the saved one has shape \(3,\)"):
        keras.models.load_model(tmp_path / "shape.keras")

    config = json.loads(members["config.json"])
    config["config"]["features"]["age"]["class_name"] = "Layer"
    _rewrite(good, tmp_path / "config.keras", replace={"config.json": json.dumps(config).encode()})
    with pytest.raises(ValueError, match=r"does not hold a valid FeatureSpace: feature 'age' should be a "
                                         r"serialized Feature"):
        keras.models.load_model(tmp_path / "config.keras")


def test_a_tf_idf_lookup_keeps_its_weights(backend, tmp_path, monkeypatch):
    # tf.keras's IndexLookup writes its idf weights as `vars/idf_weights` beside the vocabulary file.
    data = {"t": np.array(["a", "b", "a", "c", "a", "b"])}
    fs = FeatureSpace({"t": FeatureSpace.feature("string", keras.layers.StringLookup(output_mode="tf_idf"),
                                                 "float")})
    fs.adapt(Dataset.from_tensor_slices(data).batch(2))
    fs.save(tmp_path / "fs.keras")
    _, entries = _archive(tmp_path / "fs.keras")
    assert entries["preprocessors/string_lookup/vars/idf_weights"] == (4,)
    _refuse_adapt(monkeypatch)
    loaded = keras.models.load_model(tmp_path / "fs.keras")
    probe = {"t": np.array(["c", "z", "a"])}
    np.testing.assert_allclose(_np(loaded(probe)), _np(fs(probe)), rtol=1e-6)
    assert np.abs(_np(fs(probe))).max() > 0


@keras.saving.register_keras_serializable(package="fs_test")
class _Shift(keras.layers.Layer):
    """A user's preprocessor with a variable of its own and one in a nested layer."""

    def build(self, input_shape):
        self.shift = self.add_weight("shift", shape=(1,), initializer="zeros", trainable=False)
        self.inner = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")
        self.inner.build(tuple(input_shape))
        self.built = True

    def call(self, inputs):
        return self.inner(inputs) + self.shift


def test_a_registered_custom_preprocessor_round_trips_with_its_variables(backend, tmp_path):
    layer = _Shift(name="shift")
    fs = FeatureSpace({"x": FeatureSpace.feature("float32", layer, "float"), "n": "float_normalized"})
    fs.adapt(Dataset.from_tensor_slices({"x": np.zeros(3, "float32"), "n": np.arange(3, dtype="float32")}))
    layer.shift.assign(np.array([2.5], "float32"))
    layer.inner.kernel.assign(np.array([[3.0]], "float32"))
    fs.save(tmp_path / "fs.keras")
    _, entries = _archive(tmp_path / "fs.keras")
    # tf.keras names a private class's entry "private" + its snake-cased name; a nested layer goes under
    # the attribute that holds it.
    assert entries["preprocessors/private__shift/vars/0"] == (1,)
    assert entries["preprocessors/private__shift/inner/vars/0"] == (1, 1)
    loaded = keras.models.load_model(tmp_path / "fs.keras")
    data = {"x": np.array([1.0, -2.0], "float32"), "n": np.array([0.0, 4.0], "float32")}
    np.testing.assert_allclose(_np(loaded(data)), _np(fs(data)))
    np.testing.assert_allclose(_np(loaded(data))[:, 1], [5.5, -3.5])  # 3 x + 2.5
