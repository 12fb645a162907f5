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
                                       ("adamax", optimizers.Adamax), ("Nadam", optimizers.Nadam)])
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
