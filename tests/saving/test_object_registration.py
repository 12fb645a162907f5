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


# ---------------------------------------------------------------- kerasx's own objects, by kind
def test_built_in_objects_by_kind_and_a_clash_is_an_error():
    kind = "test-kind"
    try:
        reg.register_built_in(kind, Thing)
        reg.register_built_in(kind, Thing)  # the same class again (a reloaded module) is fine
        assert reg.built_in_objects(kind) == {"Thing": Thing}
        reg.built_in_objects(kind).clear()  # a copy: the registry is untouched
        assert reg.built_in_objects(kind) == {"Thing": Thing}
        other = type("Thing", (), {"__module__": "elsewhere"})
        with pytest.raises(ValueError, match=r"Cannot register elsewhere\.Thing as the test-kind 'Thing': "
                                             r".*test_object_registration\.Thing already is\."):
            reg.register_built_in(kind, other)
    finally:
        reg._BUILT_IN.pop(kind, None)
    assert reg.built_in_objects(kind) == {}


def test_serialization_by_kind():
    import kerasx  # noqa: F401  (each package registers its functions when imported)
    assert reg.serialization("loss").get("mse").__name__ == "mean_squared_error"
    assert reg.serialization("optimizer").deserialize({"class_name": "ADAM", "config": {}}).name == "Adam"
    with pytest.raises(RuntimeError, match="No package has registered how to .de.serialize widget objects"):
        reg.serialization("widget")


def test_serialize_with_function_names():
    import kerasx
    loss = kerasx.losses.LossFunctionWrapper(kerasx.losses.mse, name="m")
    out = reg.serialize_with_function_names(loss)
    assert out["class_name"] == "LossFunctionWrapper" and out["config"]["fn"] == "mean_squared_error"
