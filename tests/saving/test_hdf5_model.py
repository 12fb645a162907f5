"""Whole models in HDF5: round trips, the tf.keras layout, files written the way tf.keras writes
them, and the errors of `save`/`load_model`."""
import json
import logging
import zipfile

import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed
from tests.saving import tf_keras_reference as ref


def _functional(seed=0):
    set_random_seed(seed)
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(2,), name="b")
    x = layers.Concatenate()([a, b])
    out1 = layers.Dense(4, activation="tanh", name="out1")(layers.Dense(6, activation="relu")(x))
    out2 = layers.Dense(1, activation="sigmoid", name="out2")(x)
    return keras.Model([a, b], [out1, out2])


def _sequential(seed=0):
    set_random_seed(seed)
    return keras.Sequential([layers.Dense(5, activation="relu", input_shape=(4,)), layers.Dropout(0.3),
                             layers.Dense(3, activation="softmax")], name="stack")


def _nested(seed=0):
    set_random_seed(seed)
    inner = keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)], name="inner")
    inputs = keras.Input(shape=(4,))
    return keras.Model(inputs, layers.Dense(1, name="head")(inner(inputs)))


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(6, 4)).astype("float32"), [rng.normal(size=(6, 3)).astype("float32"),
                                                       rng.normal(size=(6, 2)).astype("float32")]


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("kind", ["sequential", "functional", "nested"])
def test_round_trip_gives_identical_predictions_and_weights(backend, tmp_path, kind):
    model = {"sequential": _sequential, "functional": _functional, "nested": _nested}[kind]()
    x = _data()[1] if kind == "functional" else _data()[0]
    model.save(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5")
    assert type(restored) is type(model) and restored.name == model.name
    assert [l.name for l in restored.layers] == [l.name for l in model.layers]
    assert [w.name for w in restored.weights] == [w.name for w in model.weights]
    for got, want in zip(restored.get_weights(), model.get_weights()):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    for got, want in zip(_predict(restored, x), _predict(model, x)):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)


def test_file_layout(backend, tmp_path):
    model = _functional()
    keras.models.save_model(model, tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        # not compiled; the CRC-32 of the config is kerasx's own addition, which tf.keras ignores
        assert set(f.attrs) == {"keras_version", "backend", "model_config", "model_config_crc32"}
        assert f.attrs["keras_version"] == keras.__version__ and f.attrs["backend"] == backend.name
        config = json.loads(f.attrs["model_config"])
        assert config == {"class_name": "Functional", "config": json.loads(json.dumps(model.get_config()))}
        assert list(f) == ["model_weights"]
        weights = f["model_weights"]
        assert ref.load_attributes_from_hdf5_group(weights, "layer_names") == [l.name for l in model.layers]
        assigned = ref.read_weights_like_tf_keras(
            weights, [(l.name, [w.shape for w in l.weights]) for l in model.layers])
        np.testing.assert_array_equal(assigned["out2"][0], model.get_layer("out2").kernel.numpy())
    sequential = _sequential()
    sequential.save(tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"
        # Sequential.layers leaves out the InputLayer, and so does the file (as tf.keras).
        names = ref.load_attributes_from_hdf5_group(f["model_weights"], "layer_names")
        assert names == [l.name for l in sequential.layers] and names[1] == "dropout"


@pytest.mark.parametrize("config", [ref.TF_KERAS_SEQUENTIAL_CONFIG, ref.TF_KERAS_FUNCTIONAL_CONFIG],
                         ids=["sequential", "functional"])
def test_models_written_by_tf_keras_load(backend, tmp_path, config):
    rng = np.random.default_rng(3)
    entries = config["config"]["layers"]
    shapes = {"dense": [(4, 3), (3,)], "dense_1": [(3, 2), (2,)], "out1": [(5, 4), (4,)],
              "out2": [(5, 1), (1,)]}
    saved = [(e["config"]["name"], [(f"{e['config']['name']}/{w}:0", rng.normal(size=s).astype("float32"))
                                    for w, s in zip(("kernel", "bias"), shapes.get(e["config"]["name"], []))])
             for e in entries if config["class_name"] == "Functional" or e["class_name"] != "InputLayer"]
    with h5py.File(tmp_path / "tf.h5", "w") as f:
        ref.write_model_like_tf_keras(f, config, saved)
    model = keras.models.load_model(tmp_path / "tf.h5")
    assert type(model).__name__ == config["class_name"]
    expected = [v for _, weights in saved for _, v in weights]
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(got, want)
    if config["class_name"] == "Sequential":
        x = rng.normal(size=(2, 4)).astype("float32")
        (k0, b0), (k1, b1) = [(w[0][1], w[1][1]) for _, w in saved]
        np.testing.assert_allclose(model.predict(x, verbose=0), np.maximum(x @ k0 + b0, 0) @ k1 + b1,
                                   rtol=1e-5, atol=1e-6)


def test_nested_model_weights_sit_in_one_group(backend, tmp_path):
    model = _nested()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        # As tf.keras: the inner model is one layer of the outer one, holding all of its weights.
        assert ref.load_attributes_from_hdf5_group(f["model_weights/inner"], "weight_names") == [
            "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
        assert f["model_weights/inner/dense_1/kernel:0"].shape == (3, 2)


def test_unbuilt_sequential_round_trips(backend, tmp_path):
    model = keras.Sequential([layers.Dense(2, name="d")], name="later")
    model.save(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5")
    assert not restored.built and restored.weights == [] and restored.layers[0].name == "d"
    assert restored.predict(np.ones((1, 3), "float32"), verbose=0).shape == (1, 2)


def test_subclassed_models_cannot_be_saved_but_their_weights_can(backend, tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match="Saving the model to HDF5 format requires the model to be a "
                                         "Functional model or a Sequential model. It does not work for "
                                         "subclassed models"):
        net.save(tmp_path / "net.h5")
    assert not (tmp_path / "net.h5").exists()
    net.save_weights(tmp_path / "net_weights.h5")
    with h5py.File(tmp_path / "net_weights.h5", "r") as f:
        assert ref.load_attributes_from_hdf5_group(f["dense"], "weight_names") == ["dense/kernel:0",
                                                                                    "dense/bias:0"]


def test_formats(backend, tmp_path):
    model = _sequential()
    for suffix in (".h5", ".hdf5"):
        model.save(tmp_path / f"m{suffix}")
        assert h5py.is_hdf5(tmp_path / f"m{suffix}")
    # As tf.keras 2.13+: '.keras' is Keras 3's zip archive (tests/saving/test_keras_archive.py), unless
    # save_format='h5' says otherwise.
    model.save(tmp_path / "m.keras")
    assert zipfile.is_zipfile(tmp_path / "m.keras") and not h5py.is_hdf5(tmp_path / "m.keras")
    model.save(tmp_path / "h5.keras", save_format="h5")
    assert h5py.is_hdf5(tmp_path / "h5.keras")
    model.save(tmp_path / "explicit", save_format="h5")
    assert h5py.is_hdf5(tmp_path / "explicit")
    for method in (model.save, model.save_weights):
        with pytest.raises(ValueError, match="save_format='tf' .*is not supported by kerasx.*save_format='h5'"):
            method(tmp_path / "tf_model", save_format="tf")
        with pytest.raises(ValueError, match='Unknown format "pickle". Was expecting one of'):
            method(tmp_path / "p", save_format="pickle")
    assert not (tmp_path / "tf_model").exists()


@pytest.mark.parametrize("suffix", ["", ".ckpt", ".pb", ".h5.bak"])
def test_saving_a_model_where_tf_keras_would_write_a_saved_model_is_refused(backend, tmp_path, suffix):
    """tf.keras 2.x writes a SavedModel directory for a path without an HDF5 extension; kerasx cannot,
    and says so instead of writing HDF5 where a SavedModel is expected."""
    model = _sequential()
    path = tmp_path / f"my_model{suffix}"
    message = (rf"Cannot save the model to '.*my_model{suffix}': in tf.keras a path that does not end in "
               r"'\.h5', '\.hdf5', '\.keras' means the TensorFlow SavedModel format \(save_format='tf'\), "
               r"which kerasx cannot write\. Use a path ending in '\.h5', or pass save_format='h5' to write "
               r"an HDF5 file at this path\.")
    for save in (model.save, lambda p: keras.models.save_model(model, p)):
        with pytest.raises(ValueError, match=message):
            save(path)
    with pytest.raises(ValueError, match=message):
        keras.callbacks.ModelCheckpoint(str(path))
    assert list(tmp_path.iterdir()) == []
    # Weights alone go to any path (tf.keras's checkpoint is only ever read back by load_weights), so
    # tf.keras's tutorial round trip runs as written.
    model.save_weights(tmp_path / "weights" / f"my_model{suffix}")
    restored = _sequential(seed=1)
    restored.load_weights(tmp_path / "weights" / f"my_model{suffix}")
    np.testing.assert_array_equal(restored.get_weights()[0], model.get_weights()[0])
    keras.callbacks.ModelCheckpoint(str(path), save_weights_only=True)


def test_load_errors(backend, tmp_path):
    with pytest.raises(IOError, match="No file or directory found at .*missing.h5"):
        keras.models.load_model(tmp_path / "missing.h5")
    (tmp_path / "saved_model").mkdir()
    (tmp_path / "text.h5").write_text("not hdf5")
    for path in ("saved_model", "text.h5"):
        with pytest.raises(ValueError, match="is not an HDF5 file. kerasx reads the HDF5 format"):
            keras.models.load_model(tmp_path / path)
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        _sequential().load_weights(tmp_path / "text.h5")
    with h5py.File(tmp_path / "weights_only.h5", "w"):
        pass
    with pytest.raises(ValueError, match="No model config found in the file at"):
        keras.models.load_model(tmp_path / "weights_only.h5")


def test_open_h5py_files(backend, tmp_path):
    model = _sequential()
    with h5py.File(tmp_path / "m.h5", "w") as f:
        keras.models.save_model(model, f)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        restored = keras.models.load_model(f)
        assert f.id.valid  # a file the caller opened stays open
    np.testing.assert_array_equal(restored.get_weights()[0], model.get_weights()[0])


def test_load_weights_from_a_model_file(backend, tmp_path):
    model = _functional(seed=0)
    model.save(tmp_path / "m.h5")
    other = _functional(seed=1)
    other.load_weights(tmp_path / "m.h5")
    for got, want in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_uncompiled_file_loads_uncompiled_with_a_warning(backend, tmp_path, caplog):
    _sequential().save(tmp_path / "m.h5")
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        model = keras.models.load_model(tmp_path / "m.h5")
    assert "No training configuration found in the save file" in caplog.text
    assert model.optimizer is None


def test_custom_layers_in_model_files(backend, tmp_path):
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.offset = self.add_weight("offset", shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.factor + self.offset

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, Scale(3.0, name="scale")(inputs))
    model.get_layer("scale").offset.assign(np.array([5.0, 6.0], "float32"))
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"Unknown layer: 'Scale'"):
        keras.models.load_model(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5", custom_objects={"Scale": Scale})
    np.testing.assert_array_equal(restored.predict(np.ones((1, 2), "float32"), verbose=0), [[8.0, 9.0]])
    with keras.utils.custom_object_scope({"Scale": Scale}):
        assert keras.models.load_model(tmp_path / "m.h5").get_layer("scale").factor == 3.0


# ---------------------------------------------------------------- compiled models
def _compiled_regression(seed=0):
    from kerasx import optimizers
    set_random_seed(seed)
    model = keras.Sequential([layers.Dense(1, input_shape=(3,), name="linear")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss="mse", metrics=["mae"])
    return model


def _regression_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(16, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")


def test_training_config_and_optimizer_weights_layout(backend, tmp_path):
    model = _compiled_regression()
    x, y = _regression_data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert json.loads(f.attrs["training_config"]) == {
            "loss": "mse", "metrics": ["mae"], "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Adam", "config": model.optimizer.get_config()}}
        assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.05)
        group = f["optimizer_weights"]
        names = ref.load_attributes_from_hdf5_group(group, "weight_names")
        assert names == ["Adam/iter:0", "Adam/linear/kernel/m:0", "Adam/linear/bias/m:0",
                         "Adam/linear/kernel/v:0", "Adam/linear/bias/v:0"]
        assert group["Adam"]["iter:0"][()] == 4 and group["Adam/iter:0"].dtype == np.int64
        np.testing.assert_array_equal(group["Adam/linear/kernel/v:0"][()],
                                      model.optimizer.get_slot(model.weights[0], "v").numpy())
        assert group["Adam/linear/kernel/m:0"].dtype == np.float32
    model.save(tmp_path / "no_opt.h5", include_optimizer=False)
    with h5py.File(tmp_path / "no_opt.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f


def test_training_resumes_exactly_after_loading(backend, tmp_path):
    model = _compiled_regression()
    x, y = _regression_data()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    model.save(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5")
    assert type(restored.optimizer).__name__ == "Adam"
    assert restored.optimizer.iterations.numpy() == 6
    for got, want in zip(restored.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(got, want)

    # One more Adam step, computed independently in NumPy from the saved state.
    kernel, bias = [w.astype("float64") for w in model.get_weights()]
    _, m_k, m_b, v_k, v_b = [w.astype("float64") for w in model.optimizer.get_weights()]
    err = x.astype("float64") @ kernel + bias - y
    grads = [2.0 / len(x) * x.T.astype("float64") @ err, 2.0 / len(x) * err.sum(axis=0)]
    t, lr, b1, b2, eps = 7, 0.05, 0.9, 0.999, 1e-7
    lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    expected = []
    for w, g, m, v in zip((kernel, bias), grads, (m_k, m_b), (v_k, v_b)):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        expected.append(w - lr_t * m / (np.sqrt(v) + eps))

    logs_original = model.train_on_batch(x, y, return_dict=True)
    logs_restored = restored.train_on_batch(x, y, return_dict=True)
    assert logs_restored == logs_original and restored.metrics_names == ["loss", "mae"]
    for got, want, ref_value in zip(restored.get_weights(), model.get_weights(), expected):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(got, ref_value, rtol=1e-5, atol=1e-6)


def test_compile_false_and_multi_output_training_config(backend, tmp_path):
    from kerasx import losses, metrics, optimizers
    model = _functional()
    model.compile(optimizer=optimizers.RMSprop(learning_rate=0.01),
                  loss={"out1": losses.MeanSquaredError(), "out2": "binary_crossentropy"},
                  loss_weights={"out1": 1.0, "out2": 0.5},
                  metrics={"out1": ["mae"], "out2": ["accuracy"]},
                  weighted_metrics=[metrics.MeanSquaredError(name="wmse")])
    x = _data()[1]
    y = [np.zeros((6, 4), "float32"), np.ones((6, 1), "float32")]
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        config = json.loads(f.attrs["training_config"])
    assert config["loss"]["out1"]["class_name"] == "MeanSquaredError"
    assert config["loss"]["out2"] == "binary_crossentropy"
    assert config["metrics"] == {"out1": ["mae"], "out2": ["accuracy"]}
    assert config["weighted_metrics"][0]["class_name"] == "MeanSquaredError"
    assert config["loss_weights"] == {"out1": 1.0, "out2": 0.5}
    uncompiled = keras.models.load_model(tmp_path / "m.h5", compile=False)
    assert uncompiled.optimizer is None
    for got, want in zip(uncompiled.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)

    restored = keras.models.load_model(tmp_path / "m.h5")
    assert isinstance(restored.compiled_loss, type(model.compiled_loss))
    assert restored.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    assert restored.metrics_names == model.metrics_names == [
        "loss", "out1_loss", "out2_loss", "out1_mae", "out1_wmse", "out2_accuracy", "out2_wmse"]
    model.train_on_batch(x, y)
    restored.train_on_batch(x, y)
    for got, want in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_tf_keras_training_state_loads(backend, tmp_path, caplog):
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(3, 1)).astype("float32"), np.array([0.1], "float32")
    state = [("Adam/iter:0", np.array(10, "int64")),
             ("Adam/linear/kernel/m:0", rng.normal(size=(3, 1)).astype("float32")),
             ("Adam/linear/bias/m:0", np.array([0.2], "float32")),
             ("Adam/linear/kernel/v:0", rng.uniform(size=(3, 1)).astype("float32")),
             ("Adam/linear/bias/v:0", np.array([0.3], "float32"))]
    config = json.loads(_compiled_regression().to_json())
    training_config = {"loss": "mse", "metrics": ["mae"], "weighted_metrics": None, "loss_weights": None,
                       "optimizer_config": {"class_name": "Adam", "config": {
                           "name": "Adam", "learning_rate": 0.02, "decay": 0.0, "beta_1": 0.9,
                           "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}}
    layers_saved = [("linear", [("linear/kernel:0", kernel), ("linear/bias:0", bias)])]
    with h5py.File(tmp_path / "tf.h5", "w") as f:
        ref.write_model_like_tf_keras(f, config, layers_saved, training_config, state)
    model = keras.models.load_model(tmp_path / "tf.h5")
    assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.02)
    for got, (_, want) in zip(model.optimizer.get_weights(), state):
        np.testing.assert_array_equal(got, want)

    with h5py.File(tmp_path / "bad.h5", "w") as f:  # a state that does not fit this model
        ref.write_model_like_tf_keras(f, config, layers_saved, training_config, state[:3])
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        fresh = keras.models.load_model(tmp_path / "bad.h5")
    assert "Error in loading the saved optimizer state" in caplog.text
    assert fresh.optimizer.iterations.numpy() == 0
