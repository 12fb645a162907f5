"""Saving and loading models: object registration and (de)serialization, JSON/YAML configs, and
HDF5 files in the Keras 2 / tf.keras 2.x layout."""
from kerasx.saving.object_registration import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                               get_registered_name, get_registered_object,
                                               register_keras_serializable)
from kerasx.saving.damage import DamagedFileError
from kerasx.saving.safe_mode import SafeModeScope, in_safe_mode
from kerasx.saving.model_config import model_from_config, model_from_json, model_from_yaml
from kerasx.saving.save import load_model, save_model
# As tf.keras 2.13+'s `keras.saving`: the newer format (module, registered_name); the Keras 2 one is
# `kerasx.utils.legacy`'s.
from kerasx.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = ["CustomObjectScope", "DamagedFileError", "SafeModeScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "in_safe_mode",
           "load_model", "model_from_config", "model_from_json", "model_from_yaml",
           "register_keras_serializable", "save_model", "serialize_keras_object"]
