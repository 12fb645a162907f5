"""`keras.utils.serialize_keras_object` / `deserialize_keras_object`: tf.keras 2.13+'s format.

The literal dicts were read off tf_keras 2.21 (`/work/tfref/bin/python`, ``import tf_keras as keras;
from tf_keras.src.saving import serialization_lib as sl; sl.serialize_keras_object(obj)``) for the same
objects; kerasx's must be equal to them."""
import json
import sys
import warnings

import numpy as np
import pytest

import kerasx as keras
from kerasx.saving import object_registration
from kerasx.saving.safe_mode import SafeModeScope
from kerasx.utils import deserialize_keras_object, serialize_keras_object

GLOROT_NONE = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
               "registered_name": None}
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}


@pytest.fixture
def registered():
    """A layer and a function registered under package 'my_pkg', unregistered again afterwards."""
    @keras.utils.register_keras_serializable(package="my_pkg")
    class MyLayer(keras.layers.Layer):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @keras.utils.register_keras_serializable(package="my_pkg")
    def my_fn(x):
        return x

    yield MyLayer, my_fn
    for obj in (MyLayer, my_fn):
        name = object_registration._GLOBAL_CUSTOM_NAMES.pop(obj)
        object_registration._GLOBAL_CUSTOM_OBJECTS.pop(name)


# ---------------------------------------------------------------- the dicts are tf_keras 2.21's
def test_dense_dict_equals_tf_keras():
    layer = keras.layers.Dense(3, activation="relu", name="d")
    # tf_keras 2.21: sl.serialize_keras_object(keras.layers.Dense(3, activation="relu", name="d"))
    assert serialize_keras_object(layer) == {
        "module": "keras.layers", "class_name": "Dense", "registered_name": None,
        "config": {"name": "d", "trainable": True, "dtype": "float32", "units": 3, "activation": "relu",
                   "use_bias": True, "kernel_initializer": GLOROT_NONE, "bias_initializer": ZEROS,
                   "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                   "kernel_constraint": None, "bias_constraint": None}}


def test_small_objects_equal_tf_keras():
    # Each right-hand side read off tf_keras 2.21 for the same constructor call.
    assert serialize_keras_object(keras.initializers.GlorotUniform(seed=1)) == {
        "module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": 1},
        "registered_name": None}
    assert serialize_keras_object(keras.activations.relu) == {
        "module": "builtins", "class_name": "function", "config": "relu", "registered_name": "function"}
    assert serialize_keras_object(keras.losses.mean_squared_error) == {
        "module": "builtins", "class_name": "function", "config": "mean_squared_error",
        "registered_name": "function"}
    assert serialize_keras_object(keras.metrics.Accuracy()) == {
        "module": "keras.metrics", "class_name": "Accuracy", "config": {"name": "accuracy", "dtype": "float32"},
        "registered_name": None}
    assert serialize_keras_object(keras.constraints.MaxNorm(2)) == {
        "module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0},
        "registered_name": None}
    # kerasx's Adam is the OptimizerV2 one: tf_keras 2.21's keras.optimizers.legacy.Adam() gives this.
    assert serialize_keras_object(keras.optimizers.Adam()) == {
        "module": "keras.optimizers.legacy", "class_name": "Adam", "registered_name": None,
        "config": {"name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
                   "epsilon": 1e-07, "amsgrad": False}}
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([1], [0.1, 0.01])
    assert serialize_keras_object(schedule) == {
        "module": "keras.optimizers.schedules", "class_name": "PiecewiseConstantDecay",
        "config": {"boundaries": [1], "values": [0.1, 0.01], "name": None}, "registered_name": None}
    assert serialize_keras_object(keras.layers.ReLU(name="re_lu")) == {
        "module": "keras.layers", "class_name": "ReLU", "registered_name": None,
        "config": {"name": "re_lu", "trainable": True, "dtype": "float32", "max_value": None,
                   "negative_slope": 0.0, "threshold": 0.0}}


def test_registered_objects_equal_tf_keras(registered):
    MyLayer, my_fn = registered
    # tf_keras 2.21, the same classes defined in __main__ (module None) and registered as here.
    assert serialize_keras_object(my_fn) == {
        "module": "builtins", "class_name": "function", "config": "my_pkg>my_fn", "registered_name": "function"}
    config = serialize_keras_object(MyLayer(4, name="ml"))
    assert config == {"module": MyLayer.__module__, "class_name": "MyLayer", "registered_name": "my_pkg>MyLayer",
                      "config": {"name": "ml", "trainable": True, "dtype": "float32", "units": 4}}


def test_plain_values_containers_and_special_entries():
    assert serialize_keras_object([1, "a", (2, 3), {"k": keras.initializers.Zeros()}]) == \
        [1, "a", (2, 3), {"k": ZEROS}]  # tf_keras 2.21 gives the same (tuples stay tuples)
    assert serialize_keras_object(np.array([1.0, 2.0], dtype="float32")) == {
        "class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float32"}}
    assert serialize_keras_object(np.float32(1.5)) == 1.5
    assert serialize_keras_object(b"abc") == {"class_name": "__bytes__", "config": {"value": "abc"}}
    assert serialize_keras_object(np.dtype("int32")) == "int32"
    tensor = keras.ops.ones((1, 2))
    assert serialize_keras_object(tensor) == {
        "class_name": "__tensor__", "config": {"value": [[1.0, 1.0]], "dtype": "float32"}}


def test_sequential_and_nested_layers_are_written_in_the_new_format():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name="a")], name="s")
    config = serialize_keras_object(model)
    assert (config["module"], config["class_name"], config["registered_name"]) == ("keras", "Sequential", None)
    inp, dense = config["config"]["layers"]
    # tf_keras 2.21 writes a Sequential's InputLayer and Dense entries this way.
    assert (inp["module"], inp["class_name"]) == ("keras.layers", "InputLayer")
    assert (dense["module"], dense["class_name"]) == ("keras.layers", "Dense")
    assert dense["config"]["kernel_initializer"] == GLOROT_NONE
    wrapped = serialize_keras_object(keras.layers.TimeDistributed(keras.layers.Dense(2, name="in"), name="td"))
    assert wrapped["config"]["layer"]["module"] == "keras.layers"
    assert wrapped["config"]["layer"]["config"]["bias_initializer"] == ZEROS


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("make", [
    lambda: keras.layers.Dense(3, activation="tanh", kernel_regularizer=keras.regularizers.L2(0.01), name="d"),
    lambda: keras.layers.Conv2D(4, 3, padding="same", name="c"),
    lambda: keras.layers.Bidirectional(keras.layers.LSTM(3), name="bi"),
    lambda: keras.initializers.RandomNormal(stddev=0.3, seed=2),
    lambda: keras.regularizers.L1L2(l1=0.1, l2=0.2),
    lambda: keras.constraints.MinMaxNorm(0.5, 2.0),
    lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
    lambda: keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)),
    lambda: keras.losses.CategoricalCrossentropy(from_logits=True),
    lambda: keras.metrics.AUC(num_thresholds=20),
    lambda: keras.metrics.MeanSquaredError(),
], ids=["dense", "conv", "bidirectional", "initializer", "regularizer", "constraint", "sgd", "adam_schedule",
        "loss", "auc", "metric"])
def test_round_trip_through_json(make):
    obj = make()
    config = json.loads(json.dumps(serialize_keras_object(obj)))
    again = deserialize_keras_object(config)
    assert type(again) is type(obj)
    assert serialize_keras_object(again) == serialize_keras_object(obj)


def test_round_trip_of_functions():
    for fn in (keras.activations.relu, keras.activations.softmax, keras.losses.mean_squared_error,
               keras.metrics.binary_accuracy):
        assert deserialize_keras_object(serialize_keras_object(fn)) is fn


def test_round_trip_of_functional_and_sequential_models(backend):
    inputs = keras.Input((3,), name="x")
    left, right = keras.layers.Dense(2, name="l")(inputs), keras.layers.Dense(2, name="r")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="add")([left, right]), name="m")
    config = json.loads(json.dumps(serialize_keras_object(model)))
    assert config["class_name"] == "Functional" and config["registered_name"] == "Functional"
    again = deserialize_keras_object(config)
    assert [layer.name for layer in again.layers] == ["x", "l", "r", "add"]
    x = np.ones((2, 3), dtype="float32")
    assert again.predict(x, verbose=0).shape == (2, 2)
    seq = deserialize_keras_object(serialize_keras_object(keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])))
    assert isinstance(seq, keras.Sequential) and seq.predict(x, verbose=0).shape == (2, 2)


def test_round_trip_of_registered_and_custom_objects(registered):
    MyLayer, my_fn = registered
    layer = deserialize_keras_object(serialize_keras_object(MyLayer(5, name="ml")))
    assert type(layer) is MyLayer and layer.units == 5 and layer.name == "ml"
    assert deserialize_keras_object(serialize_keras_object(my_fn)) is my_fn

    class Unregistered(keras.layers.Layer):
        pass

    config = serialize_keras_object(Unregistered(name="u"))
    assert config["registered_name"] == "Unregistered"
    assert type(deserialize_keras_object(config, custom_objects={"Unregistered": Unregistered})) is Unregistered
    with keras.utils.custom_object_scope({"Unregistered": Unregistered}):
        assert type(deserialize_keras_object(config)) is Unregistered


def test_registered_initializer_inside_a_layer(registered):
    @keras.utils.register_keras_serializable(package="my_pkg")
    class Halves(keras.initializers.Initializer):
        def __call__(self, shape, dtype=None):
            return keras.initializers.Constant(0.5)(shape, dtype)

        def get_config(self):
            return {}

    try:
        config = serialize_keras_object(keras.layers.Dense(2, kernel_initializer=Halves(), name="d"))
        assert config["config"]["kernel_initializer"]["registered_name"] == "my_pkg>Halves"
        layer = deserialize_keras_object(json.loads(json.dumps(config)))
        assert type(layer.kernel_initializer) is Halves
    finally:
        object_registration._GLOBAL_CUSTOM_OBJECTS.pop(object_registration._GLOBAL_CUSTOM_NAMES.pop(Halves))


def test_special_entries_round_trip():
    value = {"a": b"bytes", "b": [1, 2.5, None], "c": np.arange(3, dtype="int64")}
    again = deserialize_keras_object(serialize_keras_object(value))
    assert again["a"] == b"bytes" and again["b"] == [1, 2.5, None]
    assert again["c"].dtype == np.int64 and again["c"].tolist() == [0, 1, 2]
    tensor = deserialize_keras_object(serialize_keras_object(keras.ops.ones((2,))))
    assert isinstance(tensor, keras.Tensor) and tensor.dtype == "float32" and tensor.numpy().tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- safe mode and errors
def test_lambdas_are_refused_unless_safe_mode_is_off():
    with pytest.warns(UserWarning, match="includes a `lambda`"):
        config = serialize_keras_object(lambda x: x * 3)
    assert config["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="deserialization of a `lambda` object"):
        deserialize_keras_object(config)
    assert deserialize_keras_object(config, safe_mode=False)(2) == 6
    with SafeModeScope(True), pytest.raises(ValueError, match="`lambda` object"):
        deserialize_keras_object(config, safe_mode=False)  # an active scope decides, as in tf.keras


def test_lambda_layer_follows_safe_mode():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = serialize_keras_object(keras.layers.Lambda(lambda x: x + 1, name="lam"))
    with pytest.raises(ValueError, match="`Lambda` layer"):
        deserialize_keras_object(config)
    layer = deserialize_keras_object(config, safe_mode=False)
    assert float(layer(keras.ops.ones((1,))).numpy()[0]) == 2.0


def test_errors_name_what_was_not_found():
    with pytest.raises(TypeError, match="Could not locate class 'Nope'.*register_keras_serializable"):
        deserialize_keras_object({"module": "keras.layers", "class_name": "Nope", "config": {},
                                  "registered_name": None})
    with pytest.raises(TypeError, match="Could not locate function 'nope_fn'"):
        deserialize_keras_object({"module": "builtins", "class_name": "function", "config": "nope_fn",
                                  "registered_name": "function"})
    with pytest.raises(TypeError, match="parent module no_such_mod cannot be imported"):
        deserialize_keras_object({"module": "no_such_mod", "class_name": "X", "config": {},
                                  "registered_name": None})
    with pytest.raises(TypeError, match="Could not parse config"):
        deserialize_keras_object(3 + 4j)
    with pytest.raises(TypeError, match="Cannot serialize object .* must implement the `get_config"):
        serialize_keras_object(object())
    with pytest.raises(ValueError, match=r"not supported: \['bogus'\]"):
        deserialize_keras_object({}, bogus=1)


def test_loading_never_imports_a_module_named_in_a_config(tmp_path, monkeypatch):
    (tmp_path / "kerasx_side_effect.py").write_text("import sys\nsys.side_effect_ran = True\nclass X:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = {"module": "kerasx_side_effect", "class_name": "X", "config": {}, "registered_name": None}
    with pytest.raises(TypeError, match="parent module kerasx_side_effect cannot be imported"):
        deserialize_keras_object(config)
    assert "kerasx_side_effect" not in sys.modules and not hasattr(sys, "side_effect_ran")


def test_keras2_callers_module_objects_and_legacy_dicts():
    module = {"GlorotUniform": keras.initializers.GlorotUniform, "relu": keras.activations.relu}
    assert deserialize_keras_object("relu", module_objects=module) is keras.activations.relu
    assert isinstance(deserialize_keras_object("GlorotUniform", module_objects=module),
                      keras.initializers.GlorotUniform)
    # the Keras 2 deserializer reads tf.keras 2.13+'s function entries and registered names
    assert keras.utils.legacy.deserialize_keras_object(
        serialize_keras_object(keras.activations.relu),
        module_objects={"relu": keras.activations.relu}) is keras.activations.relu


# tf_keras 2.21's `sl.serialize_keras_object(m)` for ``x = keras.Input((3,), name="x");
# m = keras.Model(x, keras.layers.Dense(2, name="d")(x), name="m")`` compiled with
# ``keras.optimizers.legacy.SGD(0.1)``, loss "mse", metrics ["mae"]: build and compile configs included.
TF_KERAS_COMPILED_MODEL = {
    "module": "tf_keras.src.engine.functional", "class_name": "Functional", "registered_name": "Functional",
    "config": {"name": "m", "trainable": True, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None, "name": "x",
         "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
                    "name": "x", "optional": False}, "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None, "name": "d",
         "config": {"name": "d", "trainable": True, "dtype": "float32", "units": 2, "activation": "linear",
                    "use_bias": True, "kernel_initializer": GLOROT_NONE, "bias_initializer": ZEROS,
                    "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                    "kernel_constraint": None, "bias_constraint": None},
         "build_config": {"input_shape": [None, 3]}, "inbound_nodes": [[["x", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]},
    "build_config": {"input_shape": [None, 3]},
    "compile_config": {
        "optimizer": {"module": "keras.optimizers.legacy", "class_name": "SGD", "registered_name": None,
                      "config": {"name": "SGD", "learning_rate": 0.1, "decay": 0.0, "momentum": 0.0,
                                 "nesterov": False}},
        "loss": "mse", "metrics": ["mae"], "loss_weights": None, "weighted_metrics": None, "run_eagerly": None,
        "steps_per_execution": None, "jit_compile": None}}


def test_a_compiled_tf_keras_model_dict_loads_built_and_compiled(backend):
    model = deserialize_keras_object(TF_KERAS_COMPILED_MODEL)
    assert [layer.name for layer in model.layers] == ["x", "d"]
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.optimizer.get_config()["learning_rate"] == 0.1
    history = model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    # tf_keras 2.21's dict of a Dense built for (None, 4): the layer comes back built.
    dense = deserialize_keras_object({"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                                      "config": {"name": "dd", "units": 2}, "build_config": {"input_shape": [None, 4]}})
    assert dense.built and tuple(dense.kernel.shape) == (4, 2)


def test_a_compiled_model_writes_tf_keras_compile_config_and_comes_back_compiled(backend):
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(2, name="d")(x), name="m")
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    config = serialize_keras_object(model)
    assert config["compile_config"] == TF_KERAS_COMPILED_MODEL["compile_config"]
    again = deserialize_keras_object(json.loads(json.dumps(config)))
    assert again.optimizer.get_config() == model.optimizer.get_config() and again.loss == "mse"
    history = again.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    assert "compile_config" not in serialize_keras_object(keras.Model(x, model.outputs[0]))  # not compiled
