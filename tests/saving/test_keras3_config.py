"""Config translation between kerasx (tf.keras 2.x's layout) and Keras 3's (kerasx/saving/keras3_config.py).
Keras 3's side is written out literally as Keras 3.15.1 writes it (`config.json` of a saved model)."""
import pytest

import kerasx as keras
from kerasx.saving.keras3_config import (legacy_h5_config, model_from_keras3, object_from_keras3,
                                         object_to_keras3)

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
KERAS3_DENSE = {
    "module": "keras.layers", "class_name": "Dense", "registered_name": None,
    "build_config": {"input_shape": [None, 7]},
    "config": {"name": "dense", "trainable": True, "dtype": dict(POLICY, shared_object_id=140016052865424),
               "units": 5, "activation": "relu", "use_bias": True,
               "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                      "config": {"seed": None, "input_axes": None, "output_axes": None},
                                      "registered_name": None},
               "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                    "registered_name": None},
               "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
               "bias_constraint": None, "quantization_config": None}}


def test_a_keras3_layer_reads_as_tf_keras_writes_it():
    assert object_from_keras3(KERAS3_DENSE) == {"class_name": "Dense", "config": {
        "name": "dense", "trainable": True, "dtype": "float32", "units": 5, "activation": "relu",
        "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}
    layer = keras.layers.deserialize(object_from_keras3(KERAS3_DENSE))
    assert (type(layer).__name__, layer.units, layer.dtype) == ("Dense", 5, "float32")


def test_keras3_arguments_kerasx_lacks_are_refused_unless_they_change_nothing():
    quantized = {**KERAS3_DENSE, "config": dict(KERAS3_DENSE["config"], lora_rank=4)}
    with pytest.raises(ValueError, match=r'"dense" \(Dense\) has lora_rank=4, which kerasx \(as tf.keras 2.x\) '
                                         r"does not accept: only None can be left out without changing the model"):
        object_from_keras3(quantized)
    lambda_layer = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None, "config": {
        "name": "lambda", "function": {"class_name": "__lambda__", "config": {"value": "4wEAAAAA"}}}}
    with pytest.raises(ValueError, match=r"holds a Keras 3 lambda \(Python bytecode written by Keras 3\), "
                                         r"which kerasx cannot load"):
        object_from_keras3(lambda_layer)


def test_keras3_input_layers_and_nodes():
    config = {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
              "config": {"name": "f", "trainable": True, "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                   "config": {"batch_shape": [None, 7], "dtype": "float32", "sparse": False, "ragged": False,
                              "name": "a", "optional": False}, "name": "a", "inbound_nodes": []},
                  dict(KERAS3_DENSE, name="dense", inbound_nodes=[{"args": [{
                      "class_name": "__keras_tensor__",
                      "config": {"shape": [None, 7], "dtype": "float32", "keras_history": ["a", 0, 0]}}],
                      "kwargs": {}}])],
                  "input_layers": ["a", 0, 0], "output_layers": ["dense", 0, 0]}}
    out = model_from_keras3(config)
    layers = out["config"]["layers"]
    # `optional` stays: kerasx's InputLayer takes it (False only), as tf_keras 2.15+ writes it.
    assert layers[0]["config"] == {"batch_input_shape": [None, 7], "dtype": "float32", "sparse": False,
                                   "ragged": False, "name": "a", "optional": False}
    assert layers[1]["inbound_nodes"] == [[["a", 0, 0, {}]]]
    assert (out["config"]["input_layers"], out["config"]["output_layers"]) == ([["a", 0, 0]], [["dense", 0, 0]])
    model = keras.models.model_from_config(out)
    assert model.output_shape == (None, 5)


def test_kerasx_configs_in_keras3s_envelopes():
    lstm = {"class_name": "LSTM", "config": {"name": "lstm", "dtype": "float32", "units": 2, "time_major": False,
                                            "implementation": 2, "batch_input_shape": [None, 3, 4],
                                            "kernel_initializer": {"class_name": "GlorotUniform",
                                                                   "config": {"seed": None}}}}
    out = object_to_keras3(lstm)
    assert out == {"module": "keras.layers", "class_name": "LSTM", "registered_name": None, "config": {
        "name": "lstm", "dtype": POLICY, "units": 2,
        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                               "config": {"seed": None}, "registered_name": None}}}
    with pytest.raises(ValueError, match=r'Layer "lstm" \(LSTM\) has time_major=True, which Keras 3 does not accept'):
        object_to_keras3({"class_name": "LSTM", "config": dict(lstm["config"], time_major=True)})
    depthwise = object_to_keras3({"class_name": "DepthwiseConv2D", "config": {"name": "d", "groups": 1}})
    assert "groups" not in depthwise["config"]
    conv = object_to_keras3({"class_name": "Conv2D", "config": {"name": "c", "groups": 1}})
    assert conv["config"]["groups"] == 1  # Keras 3's Conv2D takes it


def test_h5_configs_keep_tf_keras_layout_with_what_keras3_needs():
    bidirectional = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3, 4], "name": "i"}},
        {"class_name": "Bidirectional", "config": {"name": "bi", "merge_mode": "concat", "layer": {
            "class_name": "LSTM", "config": {"name": "lstm", "units": 2, "time_major": False,
                                             "kernel_initializer": {"class_name": "Zeros", "config": {}}}}}}]}}
    out = legacy_h5_config(bidirectional)
    outer = out["config"]["layers"][1]
    assert "module" not in outer and "module" not in out["config"]["layers"][0]  # a model's layers: as tf.keras
    assert outer["config"]["layer"] == {"class_name": "LSTM", "module": "keras.layers", "registered_name": None,
                                        "config": {"name": "lstm", "units": 2,
                                                   "kernel_initializer": {"class_name": "Zeros", "config": {}}}}


def test_a_keras3_sequential_built_without_an_input_gets_its_input_layer():
    # As Keras 3 writes `Sequential([Dense(5)])` after `model.build((None, 7))`.
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "s", "trainable": True, "dtype": POLICY, "layers": [KERAS3_DENSE],
                         "build_input_shape": [None, 7]}}
    out = model_from_keras3(config)
    assert [layer["class_name"] for layer in out["config"]["layers"]] == ["InputLayer", "Dense"]
    model = keras.models.model_from_config(out)
    assert model.built and model.input_shape == (None, 7) and model.output_shape == (None, 5)
