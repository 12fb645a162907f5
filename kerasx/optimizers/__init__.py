"""`keras.optimizers`: the OptimizerV2 family with tf.keras 2.11's arguments and its AdamW, Lion, Ftrl and
Adafactor, the `legacy` and `experimental` namespaces, learning-rate `schedules`, and `get` / `serialize` /
`deserialize` (built-in names are case-insensitive, as tf.keras: 'adam', 'Adam', 'ADAM')."""
from kerasx.optimizers import experimental, legacy, schedules
from kerasx.optimizers.adafactor import Adafactor
from kerasx.optimizers.adagrad import Adadelta, Adagrad
from kerasx.optimizers.adam import Adam, Adamax, AdamW, Nadam
from kerasx.optimizers.base import Optimizer
from kerasx.optimizers.ftrl import Ftrl
from kerasx.optimizers.lion import Lion
from kerasx.optimizers.rmsprop import RMSprop
from kerasx.optimizers.sgd import SGD
from kerasx.saving.object_registration import (deserialize_keras_object, get_registered_object,
                                               register_serialization, serialize_keras_object)

_ALL_CLASSES = {"adadelta": Adadelta, "adafactor": Adafactor, "adagrad": Adagrad, "adam": Adam, "adamax": Adamax,
                "adamw": AdamW, "ftrl": Ftrl, "lion": Lion, "nadam": Nadam, "rmsprop": RMSprop, "sgd": SGD}


def serialize(optimizer):
    """``{"class_name": "Adam", "config": {...}}``."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from ``{"class_name", "config"}``; built-in class names match in any case."""
    config = dict(config)
    name = str(config.get("class_name", ""))
    # tf.keras 2.11+ registers its own optimizers as "Custom>Adam", and writes that into .h5 files.
    if name.startswith("Custom>") and name[len("Custom>"):].lower() in _ALL_CLASSES \
            and get_registered_object(name, custom_objects) is None:
        config["class_name"] = name[len("Custom>"):]
    if str(config.get("class_name", "")).lower() in _ALL_CLASSES:
        config["class_name"] = config["class_name"].lower()
    return deserialize_keras_object(config, module_objects=_ALL_CLASSES, custom_objects=custom_objects,
                                    printable_module_name="optimizer")


def get(identifier):
    """An `Optimizer` from an instance (returned as is), a config dict or a name ('sgd', 'Adam', ...)
    built with its defaults."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": str(identifier), "config": {}})
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


# Found by name from below (a model file's training config).
register_serialization("optimizer", serialize=serialize, deserialize=deserialize, get=get)

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam", "Optimizer",
           "RMSprop", "SGD", "deserialize", "experimental", "get", "legacy", "schedules", "serialize"]
