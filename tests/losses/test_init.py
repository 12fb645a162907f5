"""`kerasx.losses.get` / `serialize` / `deserialize`: names, aliases, classes, configs and errors."""
import numpy as np
import pytest

from kerasx import losses


@pytest.mark.parametrize("name, fn", [
    ("mse", losses.mean_squared_error), ("MSE", losses.mean_squared_error),
    ("mae", losses.mean_absolute_error), ("mape", losses.mean_absolute_percentage_error),
    ("msle", losses.mean_squared_logarithmic_error), ("kld", losses.kl_divergence),
    ("binary_crossentropy", losses.binary_crossentropy),
    ("categorical_crossentropy", losses.categorical_crossentropy),
    ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
    ("hinge", losses.hinge), ("logcosh", losses.log_cosh), ("huber_loss", losses.huber),
])
def test_get_names_and_aliases(name, fn):
    assert losses.get(name) is fn


def test_get_class_name_instantiates(backend):
    loss = losses.get("CategoricalCrossentropy")
    assert isinstance(loss, losses.CategoricalCrossentropy) and loss.name == "categorical_crossentropy"


def test_get_passes_callables_and_none_through():
    inst = losses.Huber()
    assert losses.get(inst) is inst
    assert losses.get(losses.poisson) is losses.poisson
    assert losses.get(None) is None


def test_config_dict_round_trip(backend):
    loss = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum", name="bce")
    config = losses.serialize(loss)
    assert config == {"class_name": "BinaryCrossentropy",
                      "config": {"reduction": "sum", "name": "bce", "from_logits": True,
                                 "label_smoothing": 0.1, "axis": -1}}
    again = losses.get(config)
    assert isinstance(again, losses.BinaryCrossentropy) and again.get_config() == loss.get_config()


def test_functions_serialize_to_their_names():
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error


def test_function_wrapper_round_trip(backend):
    loss = losses.LossFunctionWrapper(losses.mean_absolute_error, name="mae_w")
    config = losses.serialize(loss)
    assert config["config"]["fn"] == "mean_absolute_error"
    again = losses.deserialize(config)
    t, p = np.zeros((2, 3)), np.ones((2, 3), "float32")
    assert float(again(t, p)) == pytest.approx(1.0)


def test_custom_objects(backend):
    def my_loss(y_true, y_pred):
        return losses.mse(y_true, y_pred)

    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss


def test_unknown_name_is_rejected():
    with pytest.raises(ValueError, match=r"Unknown loss function: 'foo'"):
        losses.get("foo")
    with pytest.raises(ValueError, match=r"Unknown loss function: 'Nope'"):
        losses.get({"class_name": "Nope", "config": {}})


def test_uninterpretable_identifier_is_rejected():
    with pytest.raises(ValueError, match="Could not interpret loss function identifier: 5"):
        losses.get(5)
