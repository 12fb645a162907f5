import pytest

from kerasx.saving import object_registration as reg


class Thing:
    def __init__(self, a=1):
        self.a = a

    def get_config(self):
        return {"a": self.a}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def helper_fn(x):
    return x


def test_serialize_objects_and_functions():
    assert reg.serialize_keras_object(None) is None
    assert reg.serialize_keras_object(Thing(3)) == {"class_name": "Thing", "config": {"a": 3}}
    assert reg.serialize_keras_object(helper_fn) == "helper_fn"
    with pytest.raises(ValueError, match="Cannot serialize 3"):
        reg.serialize_keras_object(3)


def test_lookup_order_argument_scope_global_module():
    class Other(Thing):
        pass

    module = {"Thing": Thing}
    config = {"class_name": "Thing", "config": {"a": 2}}
    assert type(reg.deserialize_keras_object(config, module)) is Thing
    with reg.custom_object_scope({"Thing": Other}):
        assert type(reg.deserialize_keras_object(config, module)) is Other
        assert type(reg.deserialize_keras_object(config, module, custom_objects={"Thing": Thing})) is Thing
    assert type(reg.deserialize_keras_object("Thing", module)) is Thing  # a class by name: instantiated
    assert reg.deserialize_keras_object("helper_fn", {"helper_fn": helper_fn}) is helper_fn


def test_register_keras_serializable_twice_is_an_error():
    @reg.register_keras_serializable(package="T")
    class Once(Thing):
        pass
    try:
        assert reg.get_registered_name(Once) == "T>Once"
        assert reg.get_registered_object("T>Once") is Once
        with pytest.raises(ValueError, match="T>Once has already been registered"):
            reg.register_keras_serializable(package="T")(type("Once", (Thing,), {}))
    finally:
        reg.get_custom_objects().pop("T>Once")
        reg._GLOBAL_CUSTOM_NAMES.pop(Once)


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown widget: 'Nope'\. Please ensure"):
        reg.deserialize_keras_object("Nope", {}, printable_module_name="widget")
    with pytest.raises(ValueError, match="Could not interpret serialized widget: 3"):
        reg.deserialize_keras_object(3, {}, printable_module_name="widget")
