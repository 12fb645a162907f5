"""Nested models' node numbers in functional configs (engine/node_numbering.py): written as tf.keras
2.x writes them (its config for the same model is written into the test), read both that way and as
kerasx wrote them before (from 0)."""
import json

import numpy as np

import kerasx as keras
from kerasx import layers
from kerasx.engine.node_numbering import to_kerasx_numbering, to_tf_keras_numbering


def _nested():
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)], name="inner")
    hidden = keras.Input((2,))
    block = keras.Model(hidden, layers.Dense(2, name="block_dense")(hidden), name="block")
    inputs = keras.Input((4,), name="input_3")
    h = block(inner(inputs))
    return keras.Model(inputs, [layers.Dense(1, name="after")(h), h], name="nested")


def test_nested_models_are_numbered_from_one_as_tf_keras():
    config = json.loads(_nested().to_json())["config"]
    # tf_keras 2.21's to_json() of the same model (layers' inbound nodes, then output_layers).
    assert [(l["name"], l["inbound_nodes"]) for l in config["layers"]] == [
        ("input_3", []), ("inner", [[["input_3", 0, 0, {}]]]), ("block", [[["inner", 1, 0, {}]]]),
        ("after", [[["block", 1, 0, {}]]])]
    assert config["output_layers"] == [["after", 0, 0], ["block", 1, 0]]


def test_configs_numbered_either_way_rebuild_the_same_model(backend):
    model = _nested()
    x = np.random.default_rng(0).random((2, 4)).astype("float32")
    want = model.predict(x, verbose=0)
    config = json.loads(model.to_json())
    old = json.loads(model.to_json())
    to_kerasx_numbering(old["config"])  # as kerasx wrote nested models before: from 0
    assert old["config"]["output_layers"] == [["after", 0, 0], ["block", 0, 0]]
    for c in (config, old):
        rebuilt = keras.models.model_from_json(json.dumps(c))
        rebuilt.set_weights(model.get_weights())
        for got, w in zip(rebuilt.predict(x, verbose=0), want):
            np.testing.assert_allclose(got, w, rtol=1e-6)


def test_renumbering_round_trips_and_leaves_plain_layers_alone():
    config = {"layers": [{"name": "m", "class_name": "Functional", "inbound_nodes": [[["x", 0, 0, {}]]]},
                         {"name": "d", "class_name": "Dense",
                          "inbound_nodes": [[["m", 0, 0, {"mask": ["m", 0, 1]}]]]}],
              "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0], ["m", 0, 1]]}
    shifted = to_tf_keras_numbering(json.loads(json.dumps(config)))
    assert shifted["layers"][1]["inbound_nodes"] == [[["m", 1, 0, {"mask": ["m", 1, 1]}]]]
    assert shifted["output_layers"] == [["d", 0, 0], ["m", 1, 1]] and shifted["input_layers"] == [["x", 0, 0]]
    assert to_kerasx_numbering(shifted) == config
    assert to_kerasx_numbering(json.loads(json.dumps(config))) == config  # has a 0: already kerasx's
