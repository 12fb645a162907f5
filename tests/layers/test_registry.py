import json

import numpy as np
import pytest

from kerasx import initializers, layers
from kerasx.saving import custom_object_scope, register_keras_serializable
from kerasx.saving.object_registration import get_custom_objects

# A Dense config as tf.keras 2.12 writes it (`model.to_json()`), including the 2.13 "module" keys.
TF_KERAS_DENSE = json.loads("""
{"class_name": "Dense", "config": {"name": "dense_7", "trainable": true, "dtype": "float32",
 "batch_input_shape": [null, 4], "units": 3, "activation": "softmax", "use_bias": true,
 "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                        "config": {"seed": null}, "registered_name": null},
 "bias_initializer": {"class_name": "Zeros", "config": {}},
 "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.001}},
 "bias_regularizer": null, "activity_regularizer": null,
 "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}},
 "bias_constraint": null}}
""")


def test_deserialize_a_tf_keras_config(backend):
    layer = layers.deserialize(TF_KERAS_DENSE)
    assert isinstance(layer, layers.Dense) and layer.name == "dense_7" and layer.units == 3
    assert isinstance(layer.kernel_initializer, initializers.GlorotUniform)
    assert layer.kernel_regularizer.l2 == pytest.approx(0.001)
    assert layer.kernel_constraint.max_value == 3
    y = layer(np.ones((2, 4), "float32")).numpy()
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-6)


def test_layer_classes_lists_the_exported_layers():
    classes = layers.layer_classes()
    for name in ("Dense", "Dropout", "Flatten", "Reshape", "Activation", "Add", "Concatenate",
                 "InputLayer"):
        assert classes[name].__name__ == name


def test_unknown_layer_message():
    with pytest.raises(ValueError, match=r"Unknown layer: 'Foo'\. Please ensure you are using a "
                                         r"`keras.utils.custom_object_scope`"):
        layers.deserialize({"class_name": "Foo", "config": {}})


def test_improper_config_message():
    with pytest.raises(ValueError, match="Improper config format"):
        layers.deserialize({"config": {}})


class Scaled(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layer_by_argument_and_by_scope():
    config = layers.serialize(Scaled(3.0))
    assert config["class_name"] == "Scaled"
    assert layers.deserialize(config, custom_objects={"Scaled": Scaled}).factor == 3.0
    with custom_object_scope({"Scaled": Scaled}):
        assert layers.deserialize(config).factor == 3.0
    with pytest.raises(ValueError, match="Unknown layer: 'Scaled'"):
        layers.deserialize(config)


def test_registered_layer_round_trips():
    registered = register_keras_serializable(package="TestPkg")(type("Doubler", (Scaled,), {}))
    try:
        config = layers.serialize(registered(4.0))
        assert config["class_name"] == "TestPkg>Doubler"
        assert type(layers.deserialize(config)) is registered
    finally:
        get_custom_objects().pop("TestPkg>Doubler")
        from kerasx.saving import object_registration
        object_registration._GLOBAL_CUSTOM_NAMES.pop(registered)


def test_custom_initializer_inside_a_layer_config_resolves_through_the_scope(backend):
    class MyInit(initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return initializers.Constant(0.5)(shape, dtype)

    config = layers.serialize(layers.Dense(2, kernel_initializer=MyInit()))
    assert config["config"]["kernel_initializer"] == {"class_name": "MyInit", "config": {}}
    with custom_object_scope({"MyInit": MyInit}):
        layer = layers.deserialize(config)
    layer(np.ones((1, 3), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[0], np.full((3, 2), 0.5, "float32"))


def test_built_in_layers_and_models_register_where_defined_user_layers_do_not():
    from kerasx.engine.functional import Functional
    from kerasx.engine.model import Model
    from kerasx.engine.sequential import Sequential
    classes = layers.layer_classes()
    assert classes["Sequential"] is Sequential and classes["Functional"] is Functional
    assert classes["Model"] is Model and classes["Layer"] is layers.Layer
    assert "Scaled" not in classes  # defined in this test module: it needs custom_objects, as in tf.keras
    assert not any(name.startswith("_") for name in classes)  # private bases (_Pooling) stay private
    assert "Convolution2D" not in classes  # aliases resolve through their class's name only
