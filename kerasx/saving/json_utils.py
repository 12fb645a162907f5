"""JSON for configs, as tf.keras writes them: objects with `get_config` become
``{"class_name", "config"}``, NumPy scalars and arrays plain numbers and lists, tuples lists."""
import json

from kerasx.saving.object_registration import get_registered_name


def get_json_type(obj):
    """`json.dumps(default=...)`: the JSON-able form of what the encoder does not know."""
    if hasattr(obj, "get_config"):
        return {"class_name": get_registered_name(type(obj)), "config": obj.get_config()}
    module = type(obj).__module__ or ""
    # NumPy values are duck-typed so this host-side module needs no NumPy import.
    if module.split(".")[0] == "numpy":
        if hasattr(obj, "tolist"):
            return obj.tolist()
        if hasattr(obj, "name"):        # a dtype
            return obj.name
    if callable(obj) and hasattr(obj, "__name__"):
        return get_registered_name(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8")
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__"}
    raise TypeError(f"Unable to serialize {obj!r} to JSON. Unrecognized type {type(obj)}.")


def encode(config, **kwargs):
    """`config` as a JSON string."""
    return json.dumps(config, default=get_json_type, **kwargs)


def decode(text):
    """A JSON string (or UTF-8 bytes, as older HDF5 files store it) as Python objects."""
    if hasattr(text, "decode"):
        text = text.decode("utf-8")
    return json.loads(text)
