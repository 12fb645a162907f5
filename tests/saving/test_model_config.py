"""Architectures as JSON and YAML: round trips, configs written by tf.keras, custom objects."""
import json

import numpy as np
import pytest
import yaml

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed
from tests.saving import tf_keras_reference as ref


def _functional():
    set_random_seed(0)
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(2,), name="b")
    x = layers.Concatenate()([a, b])
    hidden = layers.Dense(5, activation="relu")
    return keras.Model([a, b], [layers.Dense(4, name="out1")(hidden(x)), layers.Dense(1, name="out2")(x)])


def _sequential():
    set_random_seed(0)
    return keras.Sequential([layers.Dense(3, activation="relu", input_shape=(4,)), layers.Dropout(0.5),
                             layers.Dense(2, activation="softmax")], name="stack")


def _as_json(config):
    return json.loads(json.dumps(config))


def _outputs(model, inputs):
    out = model.predict(inputs, verbose=0)
    return out if isinstance(out, list) else [out]


def _same_architecture(a, b, inputs):
    assert _as_json(b.get_config()) == _as_json(a.get_config())
    assert [l.name for l in b.layers] == [l.name for l in a.layers]
    b.set_weights(a.get_weights())
    for got, want in zip(_outputs(b, inputs), _outputs(a, inputs)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_round_trip(backend, fmt):
    rng = np.random.default_rng(0)
    for model, x in [(_sequential(), rng.normal(size=(5, 4))),
                     (_functional(), [rng.normal(size=(5, 3)), rng.normal(size=(5, 2))])]:
        text = model.to_json() if fmt == "json" else model.to_yaml()
        restored = (keras.models.model_from_json(text) if fmt == "json"
                    else keras.models.model_from_yaml(text))
        assert type(restored) is type(model)
        _same_architecture(model, restored, x)


def test_json_layout(backend):
    config = json.loads(_functional().to_json(indent=2))
    assert config["class_name"] == "Functional"
    assert config["keras_version"] == keras.__version__ and config["backend"] == backend.name
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["config"]["output_layers"] == [["out1", 0, 0], ["out2", 0, 0]]
    first = config["config"]["layers"][0]
    # Tuples are written as lists.
    assert first["config"]["batch_input_shape"] == [None, 3]
    assert json.loads(_sequential().to_json())["class_name"] == "Sequential"


def test_yaml_is_plain_and_safe(backend):
    text = _sequential().to_yaml()
    assert "!!python" not in text
    assert yaml.safe_load(text)["config"]["layers"][0]["config"]["batch_input_shape"] == [None, 4]
    tagged = text.replace("- null\n      - 4", "!!python/tuple [null, 4]")
    assert "!!python/tuple" in tagged
    with pytest.raises(yaml.YAMLError, match="python/tuple"):
        keras.models.model_from_yaml(tagged)


@pytest.mark.parametrize("config", [ref.TF_KERAS_SEQUENTIAL_CONFIG, ref.TF_KERAS_FUNCTIONAL_CONFIG],
                         ids=["sequential", "functional"])
def test_configs_written_by_tf_keras(backend, config):
    text = json.dumps({**config, "keras_version": "2.8.0", "backend": "tensorflow"})
    model = keras.models.model_from_json(text)
    assert [l.name for l in model.layers] == [
        entry["config"]["name"] for entry in config["config"]["layers"]
        if config["class_name"] == "Functional" or entry["class_name"] != "InputLayer"]
    assert model.get_layer(model.layers[-1].name).weights[0].dtype == "float32"
    # Written back, the config is tf.keras's again (shapes as lists).
    again = json.loads(model.to_json())
    assert again["class_name"] == config["class_name"]
    assert again["config"]["layers"][0]["config"]["batch_input_shape"] == \
        config["config"]["layers"][0]["config"]["batch_input_shape"]


def test_model_from_config_rejects_a_list(backend):
    with pytest.raises(TypeError, match="`model_from_config` expects a dictionary, not a list"):
        keras.models.model_from_config([{"class_name": "Dense", "config": {"units": 1}}])


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _custom_model():
    inputs = keras.Input(shape=(2,))
    return keras.Model(inputs, Scale(3.0, name="scale")(inputs))


def test_custom_objects(backend):
    text = _custom_model().to_json()
    with pytest.raises(ValueError, match=r"Unknown layer: 'Scale'\. Please ensure"):
        keras.models.model_from_json(text)
    x = np.ones((1, 2), "float32")
    restored = keras.models.model_from_json(text, custom_objects={"Scale": Scale})
    np.testing.assert_array_equal(restored.predict(x, verbose=0), 3 * x)
    with keras.utils.custom_object_scope({"Scale": Scale}):
        assert keras.models.model_from_json(text).get_layer("scale").factor == 3.0
    with keras.utils.CustomObjectScope({"Scale": Scale}):
        assert keras.models.model_from_yaml(_custom_model().to_yaml()).get_layer("scale").factor == 3.0


def test_registered_class_needs_no_custom_objects(backend):
    @keras.utils.register_keras_serializable(package="Test")
    class Shift(Scale):
        pass

    try:
        inputs = keras.Input(shape=(2,))
        config = json.loads(keras.Model(inputs, Shift(name="shift")(inputs)).to_json())
        assert config["config"]["layers"][1]["class_name"] == "Test>Shift"
        assert type(keras.models.model_from_config(config).get_layer("shift")) is Shift
    finally:
        keras.utils.get_custom_objects().pop("Test>Shift")
        from kerasx.saving import object_registration
        object_registration._GLOBAL_CUSTOM_NAMES.pop(Shift)


def test_json_encoder_handles_numpy_values():
    from kerasx.saving import json_utils
    text = json_utils.encode({"a": np.float32(1.5), "b": np.arange(3), "c": np.dtype("float32"),
                              "d": (1, 2), "e": np.int64(7)})
    assert json.loads(text) == {"a": 1.5, "b": [0, 1, 2], "c": "float32", "d": [1, 2], "e": 7}
    with pytest.raises(TypeError, match="Unable to serialize"):
        json_utils.encode({"x": object()})
