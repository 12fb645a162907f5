"""The focal losses against NumPy formulas written here from Lin et al. (2017) as tf.keras 2.x computes
them; config round trips, names in `compile`, float64 finite differences and the argument errors."""
import warnings

import numpy as np
import pytest

from kerasx import Sequential, layers, losses
from kerasx.autodiff import gradcheck
from kerasx.autodiff.tensor import as_tensor

EPS = 1e-7
RNG = np.random.default_rng(3)
N, C = 6, 4


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_binary_focal(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, label_smoothing=0.0):
    """Per-sample: mean over the last axis of (1 - p_t)^gamma * BCE, with tf.keras's clipped BCE."""
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc + EPS) + (1 - t) * np.log(1 - pc + EPS))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(-1)


def np_categorical_focal(t, p, alpha=0.25, gamma=2.0, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return np.sum(alpha * (1 - p) ** gamma * -t * np.log(p), -1)


T_BIN = RNG.integers(0, 2, (N, 3)).astype("float32")
Z_BIN = RNG.normal(0, 2, (N, 3)).astype("float32")
T_CAT = np.eye(C, dtype="float32")[RNG.integers(0, C, N)]
Z_CAT = RNG.normal(0, 2, (N, C)).astype("float32")


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 0.5}, {"apply_class_balancing": True, "alpha": 0.4},
                                    {"label_smoothing": 0.2, "gamma": 3.0}])
def test_binary_focal_crossentropy_matches_numpy(backend, kwargs):
    p = _sigmoid(Z_BIN.astype("float64"))
    ref = np_binary_focal(T_BIN.astype("float64"), p, **kwargs)
    out = losses.binary_focal_crossentropy(T_BIN, p.astype("float32"), **kwargs).numpy()
    assert out.dtype == np.float32 and out.shape == (N,)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-7)
    logits = losses.binary_focal_crossentropy(T_BIN, Z_BIN, from_logits=True, **kwargs).numpy()
    np.testing.assert_allclose(logits, ref, rtol=1e-4, atol=1e-6)
    cls = losses.BinaryFocalCrossentropy(from_logits=True, **kwargs)
    np.testing.assert_allclose(cls(T_BIN, Z_BIN).numpy(), ref.mean(), rtol=1e-4)


def test_binary_focal_with_gamma_0_is_binary_crossentropy(backend):
    p = _sigmoid(Z_BIN)
    np.testing.assert_allclose(losses.binary_focal_crossentropy(T_BIN, p, gamma=0.0).numpy(),
                               losses.binary_crossentropy(T_BIN, p).numpy(), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 1.0, "gamma": 0.0}, {"gamma": 1.5, "label_smoothing": 0.1}])
def test_categorical_focal_crossentropy_matches_numpy(backend, kwargs):
    p = _softmax(Z_CAT.astype("float64"))
    ref = np_categorical_focal(T_CAT.astype("float64"), p, **kwargs)
    out = losses.categorical_focal_crossentropy(T_CAT, p.astype("float32"), **kwargs).numpy()
    assert out.dtype == np.float32 and out.shape == (N,)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(losses.categorical_focal_crossentropy(T_CAT, Z_CAT, from_logits=True,
                                                                     **kwargs).numpy(), ref, rtol=1e-5, atol=1e-7)
    cls = losses.CategoricalFocalCrossentropy(**kwargs)
    np.testing.assert_allclose(cls(T_CAT, p.astype("float32")).numpy(), ref.mean(), rtol=1e-5)


def test_categorical_focal_axis(backend):
    p = _softmax(Z_CAT.astype("float64"))
    out = losses.categorical_focal_crossentropy(T_CAT.T, p.T.astype("float32"), axis=0).numpy()
    np.testing.assert_allclose(out, np_categorical_focal(T_CAT.astype("float64"), p), rtol=1e-5)


@pytest.mark.parametrize("cls, defaults", [
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0,
                                      "from_logits": False, "label_smoothing": 0.0, "axis": -1,
                                      "reduction": "auto", "name": "binary_focal_crossentropy"}),
    (losses.CategoricalFocalCrossentropy, {"alpha": 0.25, "gamma": 2.0, "from_logits": False,
                                           "label_smoothing": 0.0, "axis": -1, "reduction": "auto",
                                           "name": "categorical_focal_crossentropy"}),
])
def test_focal_configs_hold_tf_keys_and_round_trip(backend, cls, defaults):
    assert cls().get_config() == defaults
    loss = cls(alpha=0.4, gamma=1.0, from_logits=True, reduction="sum", name="focal")
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == loss.get_config()
    t, z = (T_BIN, Z_BIN) if cls is losses.BinaryFocalCrossentropy else (T_CAT, Z_CAT)
    np.testing.assert_allclose(again(t, z).numpy(), loss(t, z).numpy())


@pytest.mark.parametrize("name, fn", [("binary_focal_crossentropy", losses.binary_focal_crossentropy),
                                      ("categorical_focal_crossentropy", losses.categorical_focal_crossentropy)])
def test_focal_names_resolve_and_train_in_compile(backend, name, fn):
    assert losses.get(name) is fn and losses.serialize(fn) == name
    units, activation, y = (3, "sigmoid", T_BIN) if name.startswith("binary") else (C, "softmax", T_CAT)
    model = Sequential([layers.Input((5,)), layers.Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=name)
    x = RNG.normal(size=(N, 5)).astype("float32")
    expected = fn(y, model(x)).numpy().mean()
    history = model.fit(x, y, epochs=2, batch_size=N, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-5)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_binary_focal_finite_differences(backend):
    z, t = RNG.normal(0, 1.5, (4, 3)), RNG.uniform(0, 1, (4, 3))
    for kwargs in ({}, {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5}):
        assert gradcheck(lambda a, y: losses.binary_focal_crossentropy(y, a, from_logits=True, **kwargs), [z, t])
    # Probabilities inside (eps, 1 - eps), where the clip is the identity.
    p = RNG.uniform(0.1, 0.9, (4, 3))
    assert gradcheck(lambda a, y: losses.binary_focal_crossentropy(y, a), [p, t])


def test_categorical_focal_finite_differences(backend):
    z, t = RNG.normal(0, 1.5, (4, C)), RNG.dirichlet([1.0] * C, 4)
    assert gradcheck(lambda a, y: losses.categorical_focal_crossentropy(y, a, from_logits=True, gamma=1.5,
                                                                        label_smoothing=0.1), [z, t])
    p = RNG.uniform(0.1, 0.9, (4, C))
    assert gradcheck(lambda a, y: losses.categorical_focal_crossentropy(y, a), [p, t])


@pytest.mark.parametrize("cls", [losses.BinaryFocalCrossentropy, losses.CategoricalFocalCrossentropy])
def test_bad_focal_arguments_are_refused(cls):
    name = cls().name
    with pytest.raises(ValueError, match=rf"{name}: `gamma` must be a number >= 0 \(the focusing exponent\)\. "
                                         r"Received: gamma=-1\.0"):
        cls(gamma=-1.0)
    with pytest.raises(ValueError, match=rf"{name}: `axis` must be of type `int`\. Received: axis=True"):
        cls(axis=True)


def test_bad_arguments_to_the_functions_are_refused(backend):
    with pytest.raises(ValueError, match=r"binary_focal_crossentropy: `gamma` must be a number >= 0"):
        losses.binary_focal_crossentropy(T_BIN, _sigmoid(Z_BIN), gamma="2")
    with pytest.raises(ValueError, match=r"Shapes \(6, 4\) and \(6, 3\) are incompatible"):
        losses.categorical_focal_crossentropy(T_CAT, Z_CAT[:, :3])


def test_categorical_focal_warns_on_one_class(backend):
    with pytest.warns(SyntaxWarning, match=r"expected y_pred.shape to be \(batch_size, num_classes\) with "
                                           r"num_classes > 1\. Received: y_pred.shape=\(6, 1\)"):
        losses.categorical_focal_crossentropy(np.ones((N, 1)), np.full((N, 1), 0.9, "float32"))


def test_focal_of_a_softmax_output_uses_its_logits_without_a_warning(backend):
    from kerasx import activations
    out = activations.softmax(as_tensor(Z_CAT))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = losses.categorical_focal_crossentropy(T_CAT, out).numpy()
    np.testing.assert_allclose(loss, np_categorical_focal(T_CAT, _softmax(Z_CAT.astype("float64"))), rtol=1e-5)
