"""kerasx's own round trips through `.keras` archives (kerasx/saving/keras_archive.py): architecture,
weights, compile config and optimizer state, for Sequential, functional and nested models; the hook for
archives that hold something other than a model (tf.keras saves a FeatureSpace so; its own tests are in
tests/utils/test_feature_space_saving.py), `write_keras_archive`'s `assets` members, and models whose
layers have no variables to finalize."""
import json
import zipfile

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.saving import keras_archive
from kerasx.saving.keras_zip import write_keras_archive
from kerasx.utils import set_random_seed


def _functional(seed=0):
    set_random_seed(seed)
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(2,), name="b")
    x = layers.Concatenate()([a, b])
    out1 = layers.Dense(4, activation="tanh", name="out1")(layers.Dense(6, activation="relu")(x))
    out2 = layers.Dense(1, activation="sigmoid", name="out2")(x)
    return keras.Model([a, b], [out1, out2])


def _mixed(seed=0):
    """Conv, BN, LSTM, Embedding, Dropout, no subclassed layer."""
    set_random_seed(seed)
    tokens = keras.Input((6,), dtype="int32")
    x = layers.Embedding(12, 4)(tokens)
    x = layers.Conv1D(5, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.LSTM(3)(layers.Dropout(0.3)(x))
    return keras.Model(tokens, layers.Dense(2)(x))


def _without_layer_shapes(config):
    """A model config without its layers' `batch_input_shape` (an InputLayer's aside), which Keras 3
    refuses and the archive leaves out: the InputLayer before them holds the shape."""
    out = json.loads(json.dumps(config))
    for layer in out["layers"]:
        if layer["class_name"] != "InputLayer":
            layer["config"].pop("batch_input_shape", None)
        if "layers" in layer["config"]:  # a nested model
            layer["config"] = _without_layer_shapes(layer["config"])
    return out


def _check_round_trip(model, path, x):
    model.save(path)
    loaded = keras.models.load_model(path)
    assert _without_layer_shapes(loaded.get_config()) == _without_layer_shapes(model.get_config())
    for a, b in zip(model.predict(x, verbose=0) if isinstance(x, list) else [model.predict(x, verbose=0)],
                    loaded.predict(x, verbose=0) if isinstance(x, list) else [loaded.predict(x, verbose=0)]):
        np.testing.assert_array_equal(a, b)
    return loaded


def test_sequential_functional_and_mixed_models_round_trip(backend, tmp_path):
    rng = np.random.default_rng(0)
    set_random_seed(0)
    seq = keras.Sequential([layers.Dense(5, activation="relu", input_shape=(4,)), layers.Dropout(0.3),
                            layers.Dense(3, activation="softmax")], name="stack")
    _check_round_trip(seq, tmp_path / "seq.keras", rng.random((2, 4), dtype="float32"))
    _check_round_trip(_functional(), tmp_path / "func.keras",
                      [rng.random((2, 3), dtype="float32"), rng.random((2, 2), dtype="float32")])
    mixed = _mixed()
    mixed.layers[3].moving_mean.assign(rng.random(5, dtype="float32"))  # BN state travels too
    _check_round_trip(mixed, tmp_path / "mixed.keras", rng.integers(0, 12, (2, 6)).astype("int32"))


def test_nested_models_and_attention_keyword_tensors_round_trip(backend, tmp_path):
    set_random_seed(0)
    inner = keras.Sequential([layers.Dense(3, input_shape=(3, 4)), layers.Dense(2)], name="inner")
    query, value = keras.Input((3, 4)), keras.Input((5, 4))
    attended = layers.MultiHeadAttention(2, 3)(query, value)  # `value` travels as a keyword tensor
    model = keras.Model([query, value], inner(attended))
    rng = np.random.default_rng(1)
    _check_round_trip(model, tmp_path / "nested.keras",
                      [rng.random((2, 3, 4), dtype="float32"), rng.random((2, 5, 4), dtype="float32")])
    with zipfile.ZipFile(tmp_path / "nested.keras") as z:
        config = json.loads(z.read("config.json"))
    node = config["config"]["layers"][2]["inbound_nodes"][0]
    assert node["args"][0]["config"]["keras_history"] == ["input_1", 0, 0]
    assert node["kwargs"]["value"]["class_name"] == "__keras_tensor__"
    assert node["kwargs"]["value"]["config"]["shape"] == [None, 5, 4]


def test_a_compiled_model_resumes_training_where_it_stopped(backend, tmp_path):
    rng = np.random.default_rng(0)
    x = [rng.random((16, 3), dtype="float32"), rng.random((16, 2), dtype="float32")]
    y = [rng.random((16, 4), dtype="float32"), (rng.random((16, 1)) > 0.5).astype("float32")]
    model = _functional()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "binary_crossentropy"],
                  metrics=[["mae"], ["accuracy"]], loss_weights=[1.0, 0.5])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "trained.keras")
    loaded = keras.models.load_model(tmp_path / "trained.keras")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.loss == ["mse", "binary_crossentropy"] and loaded.compiled_loss._loss_weights == [1.0, 0.5]
    # iterations, then m and v of 3 kernels and 3 biases
    assert len(loaded.optimizer.weights) == len(model.optimizer.weights) == 1 + 2 * 6
    for a, b in zip(model.optimizer.weights, loaded.optimizer.weights):
        assert a.name == b.name
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    uncompiled = keras.models.load_model(tmp_path / "trained.keras", compile=False)
    assert uncompiled.optimizer is None


def test_include_optimizer_false_and_save_format_keras(backend, tmp_path):
    model = _functional()
    model.compile("sgd", "mse")
    model.save(tmp_path / "model.bin", save_format="keras", include_optimizer=False)
    assert zipfile.is_zipfile(tmp_path / "model.bin")
    with zipfile.ZipFile(tmp_path / "model.bin") as z:
        assert json.loads(z.read("config.json"))["compile_config"] is None
    assert keras.models.load_model(tmp_path / "model.bin").optimizer is None


def test_registered_custom_layers_round_trip(backend, tmp_path):
    @keras.utils.register_keras_serializable(package="Archive")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Scale(3.0)(inputs))
    model.save(tmp_path / "custom.keras")
    with zipfile.ZipFile(tmp_path / "custom.keras") as z:
        entry = json.loads(z.read("config.json"))["config"]["layers"][1]
    # Keras 3's envelope of a registered object: its class name, and its registered name.
    assert (entry["module"], entry["class_name"], entry["registered_name"]) == (None, "Scale", "Archive>Scale")
    loaded = keras.models.load_model(tmp_path / "custom.keras")
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3), "float32"), verbose=0), 3.0)


def test_subclassed_models_are_refused_before_writing(backend, tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)
    net = Net()
    net(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"Cannot save the model .* \(Net\) to the '\.keras' format: kerasx "
                                         r"writes Functional and Sequential models"):
        net.save(tmp_path / "net.keras")
    assert not (tmp_path / "net.keras").exists()


def test_load_weights_from_an_archive(backend, tmp_path):
    model = _functional()
    model.save(tmp_path / "m.keras")
    other = _functional(seed=5)
    other.load_weights(tmp_path / "m.keras")
    for a, b in zip(model.weights, other.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match=r"`by_name` only supports loading legacy '\.h5' or '\.hdf5' files"):
        other.load_weights(tmp_path / "m.keras", by_name=True)


# ---------------------------------------------------------------- archives that are not models
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


def _write_weights(fileobj):
    fileobj.write(b"not read by the Thing loader")


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


def _lookup_model():
    words = layers.StringLookup(name="words")
    words.adapt(np.array(["a", "b", "b", "c", "c", "c"]))
    codes = layers.IntegerLookup(name="codes")
    codes.adapt(np.array([7, 7, 9, 4]))
    text = layers.TextVectorization(max_tokens=8, output_sequence_length=3, name="text")
    text.adapt(np.array(["the cat sat", "the dog"]))
    s, i, t = (keras.Input(shape=(1,), dtype="string"), keras.Input(shape=(1,), dtype="int64"),
               keras.Input(shape=(1,), dtype="string"))
    return keras.Model([s, i, t], [words(s), codes(i), text(t)])


def test_adapted_vocabularies_travel_as_assets(tmp_path):
    model = _lookup_model()
    x = [np.array([["c"], ["a"], ["z"]]), np.array([[9], [7], [5]]), np.array([["the dog"], ["cat"], ["x"]])]
    want = model.predict(x, verbose=0)
    path = tmp_path / "lookups.keras"
    model.save(path)
    members = zipfile.ZipFile(path).namelist()
    for layer_path in ("string_lookup", "integer_lookup", "text_vectorization"):  # Keras 3's layer paths
        assert f"assets/layers/{layer_path}/vocabulary.txt" in members
    vocab = zipfile.ZipFile(path).read("assets/layers/string_lookup/vocabulary.txt").decode()
    assert vocab == "[UNK]\nc\nb\na"  # special tokens first, by frequency, no final newline (Keras 3's)
    got = keras.models.load_model(path).predict(x, verbose=0)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert want[0].ravel().tolist() == [1, 3, 0]  # an unadapted reload would give all zeros


def test_an_adapted_tf_idf_lookup_is_refused_before_writing(tmp_path):
    text = layers.TextVectorization(output_mode="tf_idf", name="tfidf")
    text.adapt(np.array(["the cat", "the dog"]))
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, text(inputs))
    path = tmp_path / "tfidf.keras"
    with pytest.raises(ValueError, match=r"Cannot save layer 'tfidf' \(TextVectorization, output_mode='tf_idf'\) "
                                         r"in a `.keras` model archive"):
        model.save(path)
    assert not path.exists() and not list(tmp_path.iterdir())
