"""`kerasx.optimizers.get` / `serialize` / `deserialize`, and every optimizer's config round trip."""
import pytest

from kerasx import optimizers

DEFAULTS = {
    optimizers.SGD: {"name": "SGD", "learning_rate": 0.01, "decay": 0.0, "momentum": 0.0, "nesterov": False},
    optimizers.Adam: {"name": "Adam", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
                      "epsilon": 1e-7, "amsgrad": False},
    optimizers.RMSprop: {"name": "RMSprop", "learning_rate": 0.001, "decay": 0.0, "rho": 0.9, "momentum": 0.0,
                         "epsilon": 1e-7, "centered": False},
    optimizers.Adagrad: {"name": "Adagrad", "learning_rate": 0.001, "decay": 0.0,
                         "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    optimizers.Adadelta: {"name": "Adadelta", "learning_rate": 0.001, "decay": 0.0, "rho": 0.95,
                          "epsilon": 1e-7},
    optimizers.Adamax: {"name": "Adamax", "learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9,
                        "beta_2": 0.999, "epsilon": 1e-7},
    optimizers.Nadam: {"name": "Nadam", "learning_rate": 0.001, "decay": 0.004, "beta_1": 0.9,
                       "beta_2": 0.999, "epsilon": 1e-7},
}
# tf.keras 2.11's optimizers write every argument of its Optimizer base, and no legacy `decay`.
NEW_STYLE_BASE = {"clipnorm": None, "clipvalue": None, "global_clipnorm": None, "weight_decay": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": True,
                  "is_legacy_optimizer": False}
DEFAULTS.update({
    optimizers.AdamW: {**NEW_STYLE_BASE, "name": "AdamW", "learning_rate": 0.001, "weight_decay": 0.004,
                       "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False},
    optimizers.Lion: {**NEW_STYLE_BASE, "name": "Lion", "learning_rate": 0.0001, "beta_1": 0.9, "beta_2": 0.99},
    optimizers.Ftrl: {**NEW_STYLE_BASE, "name": "Ftrl", "learning_rate": 0.001, "learning_rate_power": -0.5,
                      "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
                      "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0,
                      "beta": 0.0},
    optimizers.Adafactor: {**NEW_STYLE_BASE, "name": "Adafactor", "learning_rate": 0.001,
                           "beta_2_decay": -0.8, "epsilon_1": 1e-30, "epsilon_2": 1e-3, "clip_threshold": 1.0, "relative_step": True},
})


@pytest.mark.parametrize("cls", list(DEFAULTS), ids=lambda c: c.__name__)
def test_default_config_and_round_trip(backend, cls):
    opt = cls()
    assert opt.get_config() == DEFAULTS[cls]
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is cls and again.get_config() == DEFAULTS[cls]


def test_round_trip_keeps_changed_values(backend):
    opt = optimizers.SGD(learning_rate=0.3, momentum=0.9, nesterov=True, clipvalue=0.5, name="mysgd")
    config = opt.get_config()
    assert config == {"name": "mysgd", "clipvalue": 0.5, "learning_rate": 0.3, "decay": 0.0, "momentum": 0.9,
                      "nesterov": True}
    assert optimizers.SGD.from_config(config).get_config() == config
    legacy = optimizers.Adam.from_config({"lr": 0.5, "beta_1": 0.8})
    assert legacy.get_config()["learning_rate"] == 0.5


@pytest.mark.parametrize("name, cls", [("sgd", optimizers.SGD), ("SGD", optimizers.SGD),
                                       ("adam", optimizers.Adam), ("Adam", optimizers.Adam),
                                       ("rmsprop", optimizers.RMSprop), ("RMSprop", optimizers.RMSprop),
                                       ("adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
                                       ("adamax", optimizers.Adamax), ("Nadam", optimizers.Nadam),
                                       ("adamw", optimizers.AdamW), ("AdamW", optimizers.AdamW),
                                       ("lion", optimizers.Lion), ("Ftrl", optimizers.Ftrl),
                                       ("adafactor", optimizers.Adafactor)])
def test_get_by_name(backend, name, cls):
    opt = optimizers.get(name)
    assert type(opt) is cls and opt.get_config() == DEFAULTS[cls]


def test_get_instances_and_dicts(backend):
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    from_dict = optimizers.get({"class_name": "adam", "config": {"learning_rate": 0.1}})
    assert isinstance(from_dict, optimizers.Adam) and from_dict.get_config()["learning_rate"] == 0.1


def test_custom_optimizer_by_custom_objects(backend):
    class MySGD(optimizers.SGD):
        pass

    opt = optimizers.deserialize({"class_name": "MySGD", "config": {}}, custom_objects={"MySGD": MySGD})
    assert type(opt) is MySGD


def test_errors():
    with pytest.raises(ValueError, match="Unknown optimizer: 'foo'"):
        optimizers.get("foo")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 1"):
        optimizers.get(1)


def test_tf_keras_2_11_config_with_every_argument_round_trips(backend):
    opt = optimizers.AdamW(learning_rate=0.01, weight_decay=0.1, clipnorm=2.0, ema_momentum=0.9,
                           ema_overwrite_frequency=3, jit_compile=False, name="aw")
    config = opt.get_config()
    assert config == {**DEFAULTS[optimizers.AdamW], "name": "aw", "learning_rate": 0.01, "weight_decay": 0.1,
                      "clipnorm": 2.0, "ema_momentum": 0.9, "ema_overwrite_frequency": 3, "jit_compile": False}
    assert optimizers.AdamW.from_config(config).get_config() == config
    # A legacy optimizer's config gains a 2.11 key only when it is set.
    sgd = optimizers.SGD(weight_decay=0.01, jit_compile=False)
    assert sgd.get_config() == {**DEFAULTS[optimizers.SGD], "weight_decay": 0.01, "jit_compile": False}
    assert optimizers.deserialize(optimizers.serialize(sgd)).get_config() == sgd.get_config()


def test_legacy_and_experimental_namespaces(backend):
    # tf.keras 2.11+ code imports both; kerasx's optimizers are one set of classes for all three names.
    from kerasx.optimizers import experimental, legacy
    for name in ("Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"):
        assert getattr(legacy, name) is getattr(optimizers, name)
    for name in ("Adafactor", "Adam", "AdamW", "Ftrl", "Lion", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"):
        assert getattr(experimental, name) is getattr(optimizers, name)
    opt = legacy.Adam(learning_rate=0.1, decay=0.01)
    assert opt.get_config()["decay"] == 0.01
    assert experimental.AdamW(weight_decay=0.01).get_config()["weight_decay"] == 0.01
