"""Custom-object registration and the Keras-2 serialization of objects to `{"class_name", "config"}`
dicts (or names, for functions), shared by layers, initializers, regularizers, constraints and
activations.

Lookup order when deserializing a name, as tf.keras: the `custom_objects` argument, then the active
`custom_object_scope`s (innermost first), then objects registered with `register_keras_serializable`,
then the module's own table.

The registry is also where kerasx's own objects are found by name, so that code on a lower floor never
imports the package above it to deserialize (STYLE.md §14): every built-in Layer class registers itself
when it is defined (`Layer.__init_subclass__`), and each package that owns a kind of object (layers,
losses, metrics, optimizers) registers its `serialize` / `deserialize` / `get` where it defines them.
A wrapper layer rebuilding its inner layer, `load_model` rebuilding a model and its compile arguments,
and `Model(inputs, outputs)` finding `Functional` all look here. This module imports nothing of kerasx.
"""
import inspect
import types

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


def scoped_objects():
    """The names of the active `custom_object_scope`s, merged (the innermost wins)."""
    merged = {}
    for scope in _scopes:
        merged.update(scope)
    return merged


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
        if class_name == "function":  # tf.keras 2.13+'s form of a function stored by name
            return deserialize_keras_object(identifier["config"], module_objects, custom_objects,
                                            printable_module_name)
        # tf.keras 2.13+'s entries name a registered class by "registered_name" ("my_package>MyLayer")
        # and by its bare class name; Keras 2's put the registered name in "class_name".
        registered = identifier.get("registered_name")
        cls = get_registered_object(registered, custom_objects) if isinstance(registered, str) else None
        cls = cls or get_registered_object(class_name, custom_objects, module_objects)
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


# ---------------------------------------------------------------- kerasx's own objects, by kind
_BUILT_IN = {}        # kind ("layer") -> {class name: class}
_SERIALIZATION = {}   # kind ("layer", "loss", "metric", "optimizer") -> the owning package's functions


def register_built_in(kind, obj, name=None):
    """Makes the kerasx object `obj` deserializable by `name` (default: its `__name__`) among the
    objects of `kind`. Registering another object under a taken name is an error (two built-ins would
    be ambiguous in a config); registering the same class again (a reloaded module) replaces it."""
    name = name or obj.__name__
    table = _BUILT_IN.setdefault(kind, {})
    old = table.get(name)
    if old is not None and (old.__module__, old.__qualname__) != (obj.__module__, obj.__qualname__):
        raise ValueError(f"Cannot register {obj.__module__}.{obj.__qualname__} as the {kind} {name!r}: "
                         f"{old.__module__}.{old.__qualname__} already is.")
    table[name] = obj
    return obj


def built_in_objects(kind):
    """Name -> object for the kerasx objects of `kind` registered so far (a copy)."""
    return dict(_BUILT_IN.get(kind, {}))


def register_serialization(kind, **functions):
    """Registers the package-level functions (`serialize`, `deserialize`, `get`) of the package that
    owns the objects of `kind`, called where that package defines them."""
    _SERIALIZATION[kind] = types.SimpleNamespace(**functions)


def serialization(kind):
    """The functions registered for `kind`, as attributes: ``serialization("loss").get("mse")``."""
    functions = _SERIALIZATION.get(kind)
    if functions is None:
        raise RuntimeError(f"No package has registered how to (de)serialize {kind} objects: the package "
                           f"defining them registers itself when it is imported (`import kerasx` does).")
    return functions


def serialize_with_function_names(instance):
    """`serialize_keras_object`, with the functions in an object's config (a loss or metric wrapper's
    `fn`) given as their registered names, as tf.keras's losses and metrics serialize."""
    out = serialize_keras_object(instance)
    if isinstance(out, dict):
        out["config"] = {k: get_registered_name(v) if inspect.isfunction(v) else v
                         for k, v in out["config"].items()}
    return out
