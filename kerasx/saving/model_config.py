"""Model architectures as configs, JSON and YAML (`model.to_json()`, `model_from_json`, ...), in the
tf.keras 2.x layout: ``{"class_name": "Functional", "config": {...}, "keras_version", "backend"}``."""
import json

import yaml

from kerasx.saving import json_utils
from kerasx.saving.object_registration import CustomObjectScope, get_registered_name, serialization
from kerasx.saving.writer import __version__, writer_backend


def model_from_config(config, custom_objects=None):
    """A new model (or layer) from ``{"class_name": ..., "config": ...}``."""
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Maybe you meant to use "
                        "`Sequential.from_config(config)`?")
    # The scope also reaches objects nested in layer configs (a custom activation in a Dense config).
    with CustomObjectScope(custom_objects):
        return serialization("layer").deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A new, freshly initialised model from `model.to_json()`'s string."""
    return model_from_config(json_utils.decode(json_string), custom_objects=custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    """A new model from `model.to_yaml()`'s string. Read with `yaml.safe_load`: YAML tags that build
    Python objects (which tf.keras's `unsafe_load` accepted) are refused."""
    return model_from_config(yaml.safe_load(yaml_string), custom_objects=custom_objects)


def updated_config(model):
    """What `to_json` writes: the model's class and config, with the writer's version and backend."""
    return {"class_name": get_registered_name(type(model)), "config": model.get_config(),
            "keras_version": __version__, "backend": writer_backend()}


def model_to_json(model, **kwargs):
    """`model.to_json(**kwargs)`: kwargs go to `json.dumps` (e.g. indent=2)."""
    return json_utils.encode(updated_config(model), **kwargs)


def model_to_yaml(model, **kwargs):
    """`model.to_yaml(**kwargs)`: kwargs go to `yaml.dump`. Tuples are written as lists (through JSON)
    so the document needs no Python-specific tags and `yaml.safe_load` reads it."""
    return yaml.dump(json.loads(model_to_json(model)), **kwargs)
