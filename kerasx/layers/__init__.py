"""`keras.layers`: every layer class, plus `serialize`/`deserialize` by Keras class name.

The lookup table is built from this package's namespace when it is used, so a layer exported here is
deserializable without registering it anywhere else.
"""
import inspect
import sys

from kerasx.engine.base_layer import Layer
from kerasx.engine.input_layer import Input, InputLayer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.core import Activation, Dense, Dropout, Flatten, Reshape
from kerasx.layers.merge import (Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add,
                                 average, concatenate, maximum, minimum, multiply, subtract)
from kerasx.saving.object_registration import deserialize_keras_object, serialize_keras_object

# Model classes appear in layer configs (nested models) but live in the engine, which imports layers.
_MODEL_CLASSES = {"Functional": ("kerasx.engine.functional", "Functional"),
                  "Sequential": ("kerasx.engine.sequential", "Sequential"),
                  "Model": ("kerasx.engine.model", "Model")}


def layer_classes():
    """Keras class name -> class, for every layer this package exports."""
    namespace = vars(sys.modules[__name__])
    return {name: obj for name, obj in namespace.items()
            if inspect.isclass(obj) and issubclass(obj, Layer) and name == obj.__name__}


def _all_objects(class_name):
    objects = layer_classes()
    if class_name in _MODEL_CLASSES and class_name not in objects:
        import importlib
        module, attr = _MODEL_CLASSES[class_name]
        objects[class_name] = getattr(importlib.import_module(module), attr)
    return objects


def serialize(layer):
    """``{"class_name": "Dense", "config": {...}}``."""
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from ``{"class_name": ..., "config": ...}``; custom classes come from
    `custom_objects`, an active `custom_object_scope` or `register_keras_serializable`."""
    class_name = config.get("class_name") if isinstance(config, dict) else config
    return deserialize_keras_object(config, module_objects=_all_objects(class_name),
                                    custom_objects=custom_objects, printable_module_name="layer")
