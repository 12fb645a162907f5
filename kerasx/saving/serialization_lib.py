"""`keras.utils.serialize_keras_object` / `deserialize_keras_object` in tf.keras 2.13+'s format
(tf_keras 2.21's `saving/serialization_lib.py`): every object is
``{"module": ..., "class_name": ..., "config": ..., "registered_name": ...}``, its config serialized
recursively; functions are ``{"class_name": "function", "config": <name>, "module": "builtins",
"registered_name": "function"}`` (what tf_keras 2.21 writes for every Python function); lambdas are
``__lambda__`` bytecode, refused on loading unless `safe_mode=False`; NumPy arrays, Tensors and bytes
have their ``__numpy__`` / ``__tensor__`` / ``__bytes__`` entries.

kerasx's own files keep the Keras 2 format (`kerasx.utils.legacy`, `object_registration`); this module
reads and writes the newer one for users who call these functions, and its dicts are tf_keras's.

Where tf.keras asks TensorFlow's export table for a class's public name (``keras.layers.Dense``), kerasx
looks the class up in its own public namespaces (`_PUBLIC_MODULES`, read from `sys.modules`): the
package is fully imported by the time anything is serialized (`import kerasx.utils` runs
`kerasx/__init__.py` first). Loading never imports a module named in a config, unlike tf.keras's
`importlib.import_module`: a class is found in a module that is already imported, or not at all, so
a config cannot make loading run a module's code.
"""
import inspect
import sys
import types
import warnings

import numpy as np  # host-side: ``__numpy__`` config values are rebuilt as NumPy arrays, as tf.keras

from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.saving.function_code import func_dump, func_load
from kerasx.saving.object_registration import (CustomObjectScope, built_in_objects, get_custom_objects,
                                               get_registered_name, get_registered_object, scoped_objects)
from kerasx.saving.safe_mode import SafeModeScope, active_safe_mode

PLAIN_TYPES = (str, int, float, bool)

# Public namespaces in the order tf.keras's export table prefers them for a class's canonical name:
# `keras.Model` before `keras.models.Model`, `keras.layers.Rescaling` before the experimental path.
# kerasx's optimizers are the OptimizerV2 family (configs with `decay`), which tf_keras 2.21 exports
# as `keras.optimizers.legacy`: that module comes first so that tf_keras loads them as the same class.
_PUBLIC_MODULES = ("keras", "keras.layers", "keras.initializers", "keras.regularizers", "keras.constraints",
                   "keras.losses", "keras.metrics", "keras.optimizers.legacy", "keras.optimizers",
                   "keras.optimizers.schedules", "keras.callbacks",
                   "keras.layers.experimental.preprocessing", "keras.optimizers.experimental")

# The classes tf.keras exports at its top level (kerasx's roof also re-exports InputLayer, which
# tf.keras names `keras.layers.InputLayer`).
_TOP_LEVEL_CLASSES = ("Model", "Sequential")

# Where a function written as module "builtins" is looked for by name (tf.keras's BUILTIN_MODULES).
BUILTIN_MODULES = ("activations", "constraints", "initializers", "losses", "metrics", "optimizers",
                   "regularizers")


def _kerasx_module(public_name):
    """The loaded kerasx module behind a tf.keras module path (``keras.layers`` -> `kerasx.layers`)."""
    for prefix in ("tf_keras", "keras"):
        if public_name == prefix or public_name.startswith(prefix + "."):
            return sys.modules.get("kerasx" + public_name[len(prefix):])
    return None


def _public_name(cls):
    """``("keras.layers", "Dense")`` for a class kerasx exports, else None."""
    for public in _PUBLIC_MODULES:
        module = _kerasx_module(public)
        if module is None:
            continue
        if public == "keras" and cls.__name__ not in _TOP_LEVEL_CLASSES:
            continue
        if getattr(module, cls.__name__, None) is cls:
            return public, cls.__name__
    return None


# ---------------------------------------------------------------- serializing
def serialize_keras_object(obj):
    """The config of `obj` in tf.keras 2.13+'s format; plain values, lists, tuples and dicts are
    serialized item by item."""
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, Tensor):
        return {"class_name": "__tensor__", "config": {"value": obj.numpy().tolist(), "dtype": obj.dtype}}
    if isinstance(obj, np.dtype):
        return obj.name
    if type(obj).__module__ == np.__name__:
        if isinstance(obj, np.ndarray) and obj.ndim > 0:
            return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
        return obj.item()  # NumPy scalars are plain values
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        warnings.warn("The object being serialized includes a `lambda`. This is unsafe. In order to reload "
                      "the object, you will have to pass `safe_mode=False` to the loading function. Please "
                      "avoid using `lambda` in the future, and use named Python functions instead.",
                      stacklevel=2)
        return {"class_name": "__lambda__", "config": {"value": func_dump(obj)}}
    if isinstance(obj, types.FunctionType):
        # tf_keras 2.21 finds no public name for a function's class, so every function, kerasx's or a
        # user's, registered or not, is written this way; its (registered) name is the config.
        return {"module": "builtins", "class_name": "function", "config": get_registered_name(obj),
                "registered_name": "function"}
    inner_config = _object_config(obj)
    public = _public_name(type(obj))
    if public is not None:
        config = {"module": public[0], "class_name": public[1], "config": inner_config,
                  "registered_name": None}
    else:
        module = type(obj).__module__
        config = {"module": None if module == "__main__" else module, "class_name": type(obj).__name__,
                  "config": inner_config, "registered_name": get_registered_name(type(obj))}
    _add_build_and_compile_config(obj, config)
    return config


def _object_config(obj):
    if not hasattr(obj, "get_config"):
        if hasattr(obj, "__name__"):
            return get_registered_name(obj)
        raise TypeError(f"Cannot serialize object {obj} of type {type(obj)}. To be serializable, a class "
                        "must implement the `get_config()` method.")
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The `get_config()` method of {obj} should return a dict. It returned: {config}")
    return {key: _serialize_config_value(obj, key, value) for key, value in config.items()}


def _serialize_config_value(obj, key, value):
    # kerasx's layers write their initializers, regularizers, constraints and inner layers in the Keras 2
    # format (kerasx's files are Keras 2's). Where the object a Keras 2 entry describes is at hand (the
    # attribute of the same name, or an item of it), it is written as tf.keras 2.13+'s layers write it.
    entries = value if isinstance(value, list) else [value]
    if not any(_is_keras2_entry(entry) for entry in entries):
        return serialize_keras_object(value)
    attribute = getattr(obj, key, None)
    candidates = list(attribute) if isinstance(attribute, (list, tuple)) else [attribute]
    if key == "layers":
        candidates.append(getattr(obj, "_input_layer", None))  # a Sequential lists its InputLayer apart
    upgraded = [_upgrade(entry, candidates) for entry in entries]
    return upgraded if isinstance(value, list) else upgraded[0]


def _is_keras2_entry(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value and "module" not in value


def _upgrade(entry, candidates):
    """The new-format config of the candidate the Keras 2 `entry` describes (its extra keys, such as a
    functional layer's "inbound_nodes", kept); the entry serialized as it is where none does."""
    if _is_keras2_entry(entry):
        for candidate in candidates:
            if (candidate is not None and not inspect.isclass(candidate) and hasattr(candidate, "get_config")
                    and entry["class_name"] == get_registered_name(type(candidate))
                    and _same(candidate.get_config(), entry["config"])):
                out = serialize_keras_object(candidate)
                out.update({k: serialize_keras_object(v) for k, v in entry.items()
                            if k not in ("class_name", "config")})
                return out
    return serialize_keras_object(entry)


def _same(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # configs holding arrays compare elementwise
        return False


def _add_build_and_compile_config(obj, config):
    for getter, key in (("get_build_config", "build_config"), ("get_compile_config", "compile_config")):
        if hasattr(obj, getter):
            value = getattr(obj, getter)()
            if value is not None:
                config[key] = serialize_dict(value)
    if "compile_config" not in config and getattr(obj, "_is_compiled", False):
        config["compile_config"] = serialize_dict(_compile_arguments(obj))


def _compile_arguments(model):
    """What tf.keras's `Model.get_compile_config` gives: `compile`'s arguments, as the model keeps them
    (the saving code reads them the same way for a file's training config)."""
    args = model._get_compile_args()
    steps = getattr(model, "_steps_per_execution", None)
    return {"optimizer": args["optimizer"], "loss": args.get("loss"), "metrics": args.get("metrics"),
            "loss_weights": args.get("loss_weights"), "weighted_metrics": args.get("weighted_metrics"),
            "run_eagerly": getattr(model, "_run_eagerly", None),
            # the engine keeps compile's default None as 1, which means the same
            "steps_per_execution": None if steps == 1 else steps, "jit_compile": None}


def serialize_dict(obj):
    return {key: serialize_keras_object(value) for key, value in obj.items()}


# ---------------------------------------------------------------- deserializing
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object `config` describes (as written by `serialize_keras_object`, or by tf.keras 2.13+).

    `custom_objects` maps names (registered names such as ``"my_package>MyLayer"``, or class and
    function names) to classes and functions; objects registered with `register_keras_serializable`
    and those of an active `custom_object_scope` are found too. `safe_mode` (default True) refuses
    ``__lambda__`` entries, which would run stored bytecode; an active `SafeModeScope` overrides it.
    `module_objects` and `printable_module_name` are accepted, as tf.keras does, for the Keras 2 calls.
    """
    scoped = active_safe_mode()
    safe_mode = scoped if scoped is not None else safe_mode
    module_objects = kwargs.pop("module_objects", None)
    kwargs.pop("printable_module_name", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs.keys())}")
    custom_objects = {**(custom_objects or {}), **scoped_objects(), **get_custom_objects()}
    return _deserialize(config, custom_objects, bool(safe_mode), module_objects)


def _deserialize(config, custom_objects, safe_mode, module_objects=None):
    if config is None:
        return None
    if isinstance(config, str) and custom_objects.get(config) is not None:
        return custom_objects[config]  # a plain function stored by name (the Keras 2 formats)
    if isinstance(config, (list, tuple)):
        return [_deserialize(x, custom_objects, safe_mode) for x in config]
    if isinstance(config, str) and module_objects is not None and config in module_objects:
        # A Keras 2 caller's name ('relu', 'GlorotUniform'): a function as is, a class with its defaults.
        config = {"class_name": "function", "config": config} if inspect.isfunction(
            module_objects[config]) else {"class_name": config, "config": {}}
    if isinstance(config, PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value, custom_objects, safe_mode) for key, value in config.items()}

    class_name = config["class_name"]
    inner_config = config["config"] or {}
    if class_name == "__tensor__":
        return as_tensor(np.array(inner_config["value"], dtype=inner_config["dtype"]))
    if class_name == "__numpy__":
        return np.array(inner_config["value"], dtype=inner_config["dtype"])
    if class_name == "__bytes__":
        return inner_config["value"].encode("utf-8")
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a `lambda` object. This carries a potential risk of "
                "arbitrary code execution and thus it is disallowed by default. If you trust the source "
                "of the saved model, you can pass `safe_mode=False` to the loading function in order to "
                "allow `lambda` loading.")
        return func_load(inner_config["value"])

    module = config.get("module")
    registered_name = config.get("registered_name", class_name)
    if class_name == "function":
        return _retrieve(inner_config, registered_name, module, "function", config, custom_objects,
                         module_objects)
    cls = _retrieve(class_name, registered_name, module, "class", config, custom_objects, module_objects)
    if isinstance(cls, types.FunctionType):
        return cls
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Unable to reconstruct an instance of '{class_name}' because the class is missing a "
                        f"`from_config()` method. Full object config: {config}")
    # Inside the scopes, so that the Keras 2 deserializers the class's `from_config` calls for its
    # parts find the same custom objects and the same safe mode.
    with CustomObjectScope(custom_objects), SafeModeScope(safe_mode):
        instance = cls.from_config(inner_config)
        if config.get("build_config"):
            _build_from_config(instance, config["build_config"])
        if config.get("compile_config"):
            _compile_from_config(instance, config["compile_config"], custom_objects, safe_mode)
    return instance


def _build_from_config(instance, build_config):
    """tf.keras's `Layer.build_from_config`, for objects that do not define their own: a layer not yet
    built (a functional model builds itself from its config) is built for the stored input shape."""
    if hasattr(instance, "build_from_config"):
        instance.build_from_config(build_config)
        return
    shape = build_config.get("input_shape")
    if shape is not None and not getattr(instance, "built", True):
        instance.build(_as_shape(shape))


def _as_shape(shape):
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [_as_shape(s) for s in shape]  # one shape per input
    return tuple(shape)


def _compile_from_config(instance, compile_config, custom_objects, safe_mode):
    """tf.keras's `Model.compile_from_config`: `compile` with the stored arguments rebuilt."""
    if hasattr(instance, "compile_from_config"):
        instance.compile_from_config(compile_config)
        return
    instance.compile(**_deserialize(compile_config, custom_objects, safe_mode))


def _retrieve(name, registered_name, module, obj_type, full_config, custom_objects, module_objects=None):
    # A registered or custom object takes precedence, as in tf.keras; the class name is tried too, so
    # that ``custom_objects={"MyLayer": MyLayer}`` finds a class that was registered when it was saved.
    lookup = (name,) if obj_type == "function" else (registered_name, name)
    for key in lookup:
        if isinstance(key, str):
            found = get_registered_object(key, custom_objects=custom_objects)
            if found is not None:
                return found
    if module_objects and isinstance(name, str) and name in module_objects:
        return module_objects[name]
    if module:
        found = _from_module(name, registered_name, module, obj_type)
        if found is not None:
            return found
        if _kerasx_module(module) is None and module not in sys.modules and module != "builtins":
            raise TypeError(f"Could not deserialize {obj_type} '{name}' because its parent module {module} "
                            "cannot be imported (kerasx finds classes only in modules that are already "
                            f"imported: import it before loading). Full object config: {full_config}")
    raise TypeError(f"Could not locate {obj_type} '{name}'. Make sure custom classes are decorated with "
                    f"`@keras.saving.register_keras_serializable()`. Full object config: {full_config}")


def _from_module(name, registered_name, module, obj_type):
    if not isinstance(name, str):
        return None
    if obj_type == "function" and module == "builtins":
        for family in BUILTIN_MODULES:
            found = getattr(sys.modules.get("kerasx." + family), name, None)
            if inspect.isfunction(found):
                return found
        return None
    loaded = _kerasx_module(module) or sys.modules.get(module)
    if loaded is not None:
        found = vars(loaded).get(name)
        if found is None and registered_name is not None:
            found = vars(loaded).get(registered_name)
        if found is None and name.count(".") == 1:  # a `__qualname__`
            outer, inner = name.split(".")
            found = getattr(vars(loaded).get(outer), inner, None)
        if found is not None:
            return found
    if module.startswith(("keras.", "tf_keras.")):
        # A tf.keras class outside its public API (``tf_keras.src.engine.functional.Functional``):
        # kerasx's own class of that name, where it registered one.
        return built_in_objects("layer").get(name)
    return None
