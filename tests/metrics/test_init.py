"""`kerasx.metrics.get` / `serialize` / `deserialize`, and `compile`'s resolution of metric names by the
outputs' shapes (tf.keras's MetricsContainer rule)."""
import numpy as np
import pytest

from kerasx import losses, metrics


@pytest.mark.parametrize("name, fn", [
    ("accuracy", metrics.accuracy), ("acc", metrics.accuracy), ("mse", metrics.mean_squared_error),
    ("mae", metrics.mean_absolute_error), ("binary_accuracy", metrics.binary_accuracy),
    ("categorical_accuracy", metrics.categorical_accuracy),
    ("sparse_categorical_accuracy", metrics.sparse_categorical_accuracy),
    ("top_k_categorical_accuracy", metrics.top_k_categorical_accuracy),
    ("binary_crossentropy", losses.binary_crossentropy),
])
def test_get_names(name, fn):
    assert metrics.get(name) is fn


def test_get_class_names_and_instances(backend):
    assert isinstance(metrics.get("Precision"), metrics.Precision)
    m = metrics.BinaryAccuracy()
    assert metrics.get(m) is m
    again = metrics.get(metrics.serialize(metrics.BinaryAccuracy(threshold=0.7, name="ba")))
    assert isinstance(again, metrics.BinaryAccuracy) and again.get_config()["threshold"] == 0.7


def test_wrapper_serializes_its_function_by_name(backend):
    m = metrics.MeanMetricWrapper(metrics.categorical_accuracy, name="acc")
    config = metrics.serialize(m)
    assert config == {"class_name": "MeanMetricWrapper",
                      "config": {"name": "acc", "dtype": "float32", "fn": "categorical_accuracy"}}
    again = metrics.deserialize(config)
    assert again._fn is metrics.categorical_accuracy and again.name == "acc"


def test_errors():
    with pytest.raises(ValueError, match=r"Unknown metric function: 'foo'"):
        metrics.get("foo")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 3"):
        metrics.get(3)
    with pytest.raises(ValueError, match=r"resolve_accuracy expects one of .* received 'mse'"):
        metrics.resolve_accuracy("mse", (2, 1), (2, 1))


@pytest.mark.parametrize("y_true, y_pred, acc, ce", [
    ((8, 1), (8, 1), "binary_accuracy", "binary_crossentropy"),
    ((8,), (8, 1), "binary_accuracy", "binary_crossentropy"),
    ((8,), (8, 3), "sparse_categorical_accuracy", "sparse_categorical_crossentropy"),
    ((8, 1), (8, 3), "sparse_categorical_accuracy", "sparse_categorical_crossentropy"),
    ((8, 5, 1), (8, 5, 3), "sparse_categorical_accuracy", "sparse_categorical_crossentropy"),
    ((8, 3), (8, 3), "categorical_accuracy", "categorical_crossentropy"),
    ((8,), (8,), "categorical_accuracy", "categorical_crossentropy"),
])
@pytest.mark.parametrize("acc_name", ["accuracy", "acc", "Accuracy"])
def test_resolve_accuracy_rule(backend, y_true, y_pred, acc, ce, acc_name):
    m = metrics.resolve_accuracy(acc_name, y_true, y_pred)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == acc_name
    assert m._fn.__name__ == acc
    for ce_name in ("crossentropy", "ce"):
        c = metrics.resolve(ce_name, y_true, y_pred)
        assert c.name == ce_name and c._fn.__name__ == ce


def test_resolved_accuracy_computes(backend):
    m = metrics.resolve("acc", (4,), (4, 3))
    m.update_state(np.array([0.0, 2.0, 1.0, 1.0]), np.eye(3, dtype="float32")[[0, 2, 2, 1]])
    assert float(m.result().numpy()) == pytest.approx(0.75)


def test_resolve_other_entries(backend):
    assert metrics.resolve(None, (2,), (2,)) is None
    mse = metrics.resolve("mse", (2, 1), (2, 1))
    assert mse.name == "mse" and mse._fn is metrics.mean_squared_error

    def my_metric(y_true, y_pred):
        return metrics.mae(y_true, y_pred)

    assert metrics.resolve(my_metric, (2, 1), (2, 1)).name == "my_metric"
    inst = metrics.Recall()
    assert metrics.resolve(inst, (2, 1), (2, 1)) is inst
    as_loss = metrics.resolve(losses.MeanSquaredError(), (2, 1), (2, 1))
    assert as_loss.name == "mean_squared_error"
