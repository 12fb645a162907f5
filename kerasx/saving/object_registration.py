"""Custom-object registration and the Keras-2 serialization of objects to `{"class_name", "config"}`
dicts (or names, for functions), shared by layers, initializers, regularizers, constraints and
activations.

Lookup order when deserializing a name, as tf.keras: the `custom_objects` argument, then the active
`custom_object_scope`s (innermost first), then objects registered with `register_keras_serializable`,
then the module's own table.
"""
import inspect

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_scopes = []

_UNKNOWN_HINT = ("Please ensure you are using a `keras.utils.custom_object_scope` and that this object is "
                 "included in the scope. See https://www.tensorflow.org/guide/keras/save_and_serialize"
                 "#registering_the_custom_object for details.")


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}):`` makes the names resolvable while loading."""

    def __init__(self, *args):
        self.custom_objects = {}
        for objects in args:
            if objects is not None:
                self.custom_objects.update(objects)

    def __enter__(self):
        _scopes.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scopes.remove(self.custom_objects)
        return False


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The global dict of custom objects; adding to it registers names for deserialization."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function as ``"package>name"``."""
    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = package + ">" + class_name
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        if registered_name in _GLOBAL_CUSTOM_OBJECTS:
            raise ValueError(f"{registered_name} has already been registered to "
                             f"{_GLOBAL_CUSTOM_OBJECTS[registered_name]}")
        if arg in _GLOBAL_CUSTOM_NAMES:
            raise ValueError(f"{arg} has already been registered to {_GLOBAL_CUSTOM_NAMES[arg]}")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg
    return decorator


def get_registered_name(obj):
    """The name `obj` serializes under: its registered name, else its `__name__`."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered under `name`, or None."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    for scope in reversed(_scopes):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def serialize_keras_object(instance):
    """None -> None; objects with `get_config` -> ``{"class_name", "config"}``; functions -> name."""
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": get_registered_name(type(instance)), "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return get_registered_name(instance)
    raise ValueError(f"Cannot serialize {instance} since it doesn't implement `get_config()`, and also "
                     "doesn't have `__name__`")


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Rebuilds an object from a config dict or a name (a class named alone is instantiated with no
    arguments, a function is returned as is)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(f"Improper config format for {identifier}. Expecting python dict contains "
                             "`class_name` and `config` as keys")
        class_name = identifier["class_name"]
        cls = get_registered_object(class_name, custom_objects, module_objects)
        if cls is None:
            raise ValueError(f"Unknown {printable_module_name}: '{class_name}'. {_UNKNOWN_HINT}")
        config = dict(identifier["config"] or {})
        if not hasattr(cls, "from_config"):
            with CustomObjectScope(custom_objects):
                return cls(**config)
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(config, custom_objects=dict(custom_objects or {}))
        with CustomObjectScope(custom_objects):
            return cls.from_config(config)
    if isinstance(identifier, str):
        obj = get_registered_object(identifier, custom_objects, module_objects)
        if obj is None:
            raise ValueError(f"Unknown {printable_module_name}: '{identifier}'. {_UNKNOWN_HINT}")
        return obj() if inspect.isclass(obj) else obj
    if inspect.isfunction(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier}")
