"""`keras.utils.legacy`: the Keras 2 serialization round trip under tf.keras's names."""
import pytest

import kerasx
from kerasx.utils import legacy


def test_legacy_serialization_round_trip():
    config = legacy.serialize_keras_object(kerasx.layers.Dense(3, activation="relu", name="d"))
    assert config["class_name"] == "Dense" and config["config"]["units"] == 3
    # As tf.keras's legacy function, the class is found in `module_objects` (or custom objects).
    layer = kerasx.utils.legacy.deserialize_keras_object(config, module_objects={"Dense": kerasx.layers.Dense})
    assert isinstance(layer, kerasx.layers.Dense) and layer.units == 3 and layer.name == "d"
    assert legacy.serialize_keras_object(kerasx.activations.relu) == "relu"
    with pytest.raises(ValueError, match="Unknown object: 'Dense'"):
        legacy.deserialize_keras_object(config)
