"""The `Loss` classes: reductions, sample weights, rank matching, default names and config round trips,
against NumPy formulas written here."""
import numpy as np
import pytest

from kerasx import losses
from kerasx.losses import Reduction

EPS = 1e-7
RNG = np.random.default_rng(1)


def val(t):
    out = t.numpy()
    assert out.dtype == np.float32
    return out


T = RNG.uniform(-1, 1, (4, 3))
P = RNG.uniform(-1, 1, (4, 3)).astype("float32")
PER_SAMPLE = np.mean((P - T) ** 2, -1)


@pytest.mark.parametrize("reduction, ref", [
    ("auto", PER_SAMPLE.mean()), ("sum_over_batch_size", PER_SAMPLE.mean()),
    ("sum", PER_SAMPLE.sum()), ("none", PER_SAMPLE)])
def test_reductions(backend, reduction, ref):
    out = losses.MeanSquaredError(reduction=reduction)(T, P)
    np.testing.assert_allclose(val(out), ref, rtol=1e-5)


@pytest.mark.parametrize("weights", [np.array([1.0, 0.0, 2.0, 0.5]), np.array([[1.0], [0.0], [2.0], [0.5]])])
def test_sample_weight_per_sample(backend, weights):
    w = weights.reshape(-1)
    loss = losses.MeanSquaredError()
    # sum_over_batch_size divides by the number of elements, zero weights included (tf.keras).
    np.testing.assert_allclose(val(loss(T, P, sample_weight=weights)), np.sum(PER_SAMPLE * w) / 4, rtol=1e-5)
    none = losses.MeanSquaredError(reduction="none")(T, P, sample_weight=weights)
    np.testing.assert_allclose(val(none), PER_SAMPLE * w, rtol=1e-5)
    summed = losses.MeanSquaredError(reduction="sum")(T, P, sample_weight=weights)
    np.testing.assert_allclose(val(summed), np.sum(PER_SAMPLE * w), rtol=1e-5)


def test_scalar_sample_weight(backend):
    np.testing.assert_allclose(val(losses.MeanSquaredError()(T, P, sample_weight=3.0)),
                               3 * PER_SAMPLE.mean(), rtol=1e-5)


def test_timestep_sample_weight(backend):
    t, p = RNG.uniform(size=(2, 3, 4)), RNG.uniform(size=(2, 3, 4)).astype("float32")
    w = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]])
    per = np.mean((p - t) ** 2, -1)
    np.testing.assert_allclose(val(losses.MeanSquaredError()(t, p, sample_weight=w)), np.sum(per * w) / 6,
                               rtol=1e-5)


def test_float64_labels_and_weights_keep_float32(backend):
    out = losses.BinaryCrossentropy()(np.ones((4, 1)), np.full((4, 1), 0.7, "float32"),
                                      sample_weight=np.ones(4))
    assert out.dtype == "float32"


def test_squeezes_a_trailing_unit_axis_of_predictions(backend):
    t = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.8], [0.3], [0.6]], "float32")
    ref = np.mean(-(t * np.log(p[:, 0] + EPS) + (1 - t) * np.log(1 - p[:, 0] + EPS)))
    np.testing.assert_allclose(val(losses.BinaryCrossentropy()(t, p)), ref, rtol=1e-5)


@pytest.mark.parametrize("cls, kwargs, name", [
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}, "binary_crossentropy"),
    (losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.2}, "categorical_crossentropy"),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True}, "sparse_categorical_crossentropy"),
    (losses.Huber, {"delta": 0.5}, "huber_loss"),
    (losses.CosineSimilarity, {"axis": 0}, "cosine_similarity"),
])
def test_wrapper_classes_pass_their_arguments(backend, cls, kwargs, name):
    assert cls().name == name
    fn = {"huber_loss": losses.huber}.get(name) or getattr(losses, name)
    if cls is losses.SparseCategoricalCrossentropy:
        t, p = np.array([0.0, 2.0, 1.0, 2.0]), P
    elif cls is losses.CosineSimilarity:
        t, p = T, P
    else:
        t, p = (T > 0).astype("float64"), P
    ref = val(fn(t, p, **kwargs)).mean()
    np.testing.assert_allclose(val(cls(**kwargs)(t, p)), ref, rtol=1e-5)


DEFAULT_NAMES = {
    losses.MeanSquaredError: "mean_squared_error", losses.MeanAbsoluteError: "mean_absolute_error",
    losses.MeanAbsolutePercentageError: "mean_absolute_percentage_error",
    losses.MeanSquaredLogarithmicError: "mean_squared_logarithmic_error",
    losses.BinaryCrossentropy: "binary_crossentropy", losses.CategoricalCrossentropy: "categorical_crossentropy",
    losses.SparseCategoricalCrossentropy: "sparse_categorical_crossentropy", losses.Hinge: "hinge",
    losses.SquaredHinge: "squared_hinge", losses.CategoricalHinge: "categorical_hinge",
    losses.KLDivergence: "kl_divergence", losses.Poisson: "poisson", losses.LogCosh: "log_cosh",
    losses.Huber: "huber_loss", losses.CosineSimilarity: "cosine_similarity",
}


@pytest.mark.parametrize("cls", list(DEFAULT_NAMES), ids=lambda c: c.__name__)
def test_default_names_and_config_round_trip(backend, cls):
    loss = cls()
    assert loss.name == DEFAULT_NAMES[cls]
    config = loss.get_config()
    assert config["reduction"] == "auto" and config["name"] == DEFAULT_NAMES[cls]
    again = cls.from_config(config)
    assert type(again) is cls and again.get_config() == config
    t, p = np.abs(T), np.abs(P) + 0.1
    if cls is losses.SparseCategoricalCrossentropy:
        t = np.array([0, 1, 2, 0])
    elif cls is losses.CategoricalCrossentropy:
        t = np.eye(3)[[0, 1, 2, 0]]
    np.testing.assert_allclose(val(again(t, p)), val(loss(t, p)))


def test_crossentropy_configs_hold_tf_keys(backend):
    assert losses.BinaryCrossentropy().get_config() == {
        "reduction": "auto", "name": "binary_crossentropy", "from_logits": False, "label_smoothing": 0.0,
        "axis": -1}
    assert losses.CategoricalCrossentropy(label_smoothing=0.1).get_config()["label_smoothing"] == 0.1
    assert losses.SparseCategoricalCrossentropy(from_logits=True).get_config() == {
        "reduction": "auto", "name": "sparse_categorical_crossentropy", "from_logits": True}
    assert losses.Huber(delta=2.0).get_config()["delta"] == 2.0


def test_invalid_reduction_is_rejected():
    with pytest.raises(ValueError, match=r"Invalid Reduction Key: mean\. Expected keys are"):
        losses.MeanSquaredError(reduction="mean")
    assert Reduction.all() == ("auto", "none", "sum", "sum_over_batch_size")


def test_incompatible_sample_weight_is_rejected(backend):
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) cannot be broadcast to the "
                                         r"per-sample losses of shape \(4,\)"):
        losses.MeanSquaredError()(T, P, sample_weight=np.ones(3))


def test_custom_loss_subclass(backend):
    class Scaled(losses.Loss):
        def call(self, y_true, y_pred):
            return losses.mean_absolute_error(y_true, y_pred) * 2.0

    np.testing.assert_allclose(val(Scaled(reduction="sum")(T, P)), 2 * np.abs(P - T).mean(-1).sum(), rtol=1e-5)
    assert Scaled(name="s").get_config() == {"reduction": "auto", "name": "s"}


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("bad", [-1, 3])
def test_sparse_crossentropy_class_rejects_labels_out_of_range(backend, from_logits, bad):
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    y_pred = np.full((2, 3), 1 / 3, "float32")
    with pytest.raises(ValueError, match=rf"sparse_categorical_crossentropy received a label value of "
                                         rf"{bad} which is outside the valid range of \[0, 3\)"):
        loss(np.array([[0], [bad]]), y_pred)  # (2, 1): squeezed by the class before the function
    one_hot = np.eye(3, dtype="float32")[[0, 1]]
    with pytest.raises(ValueError, match=r"they look one-hot encoded"):
        loss(one_hot, y_pred)
