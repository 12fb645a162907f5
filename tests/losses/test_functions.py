"""Each functional loss against a NumPy formula written here (tf.keras 2.x's definitions), in float32."""
import numpy as np
import pytest

from kerasx import GradientTape, Variable
from kerasx.losses import functions as F

EPS = 1e-7
RNG = np.random.default_rng(0)
N, C = 5, 4


def val(t):
    out = t.numpy()
    assert out.dtype == np.float32, f"expected float32, got {out.dtype}"
    return out


def probs(shape, seed=0):
    p = np.random.default_rng(seed).uniform(0.05, 1.0, shape)
    return (p / p.sum(-1, keepdims=True)).astype("float32")


def onehot(labels, depth=C):
    return np.eye(depth, dtype="float64")[labels]


def log_softmax(x, axis=-1):
    s = x - x.max(axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis, keepdims=True))


# ---------------------------------------------------------------- regression losses
Y_TRUE = RNG.uniform(-1, 2, (N, C))       # float64 on purpose: must not make the loss float64
Y_PRED = RNG.uniform(-1, 2, (N, C)).astype("float32")

REGRESSION = {
    "mean_squared_error": lambda t, p: np.mean((p - t) ** 2, -1),
    "mean_absolute_error": lambda t, p: np.mean(np.abs(p - t), -1),
    "mean_absolute_percentage_error":
        lambda t, p: 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), -1),
    "mean_squared_logarithmic_error":
        lambda t, p: np.mean((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1),
    "poisson": lambda t, p: np.mean(p - t * np.log(p + EPS), -1),
    "log_cosh": lambda t, p: np.mean(np.log(np.cosh(p - t)), -1),
    "categorical_hinge":
        lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0),
}


@pytest.mark.parametrize("name", sorted(REGRESSION))
def test_regression_losses(backend, name):
    t, p = Y_TRUE, Y_PRED
    if name in ("poisson", "mean_squared_logarithmic_error"):
        t, p = np.abs(t), np.abs(p) + 0.1
    out = getattr(F, name)(t, p)
    assert out.shape == (N,)
    np.testing.assert_allclose(val(out), REGRESSION[name](t, p.astype("float64")), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("delta", [1.0, 0.5])
def test_huber(backend, delta):
    err = Y_PRED.astype("float64") - Y_TRUE
    ref = np.mean(np.where(np.abs(err) <= delta, 0.5 * err ** 2, delta * np.abs(err) - 0.5 * delta ** 2), -1)
    np.testing.assert_allclose(val(F.huber(Y_TRUE, Y_PRED, delta=delta)), ref, rtol=1e-5)


def test_huber_computes_in_floatx_even_for_float64_inputs(backend):
    assert F.huber(Y_TRUE, Y_PRED.astype("float64")).dtype == "float32"


def test_log_cosh_does_not_overflow(backend):
    out = val(F.log_cosh(np.zeros((1, 2)), np.array([[100.0, -100.0]], "float32")))
    np.testing.assert_allclose(out, [100 - np.log(2)], rtol=1e-6)


@pytest.mark.parametrize("axis", [-1, 0])
def test_cosine_similarity_loss(backend, axis):
    def norm(x):
        return x / np.sqrt(np.maximum((x ** 2).sum(axis, keepdims=True), 1e-12))
    ref = -np.sum(norm(Y_TRUE) * norm(Y_PRED.astype("float64")), axis)
    np.testing.assert_allclose(val(F.cosine_similarity(Y_TRUE, Y_PRED, axis=axis)), ref, rtol=1e-5)


def test_kl_divergence(backend):
    t, p = probs((N, C), 1).astype("float64"), probs((N, C), 2)
    t[0, 0] = 0.0  # clipped to epsilon, not a log(0)
    tc, pc = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    np.testing.assert_allclose(val(F.kld(t, p)), np.sum(tc * np.log(tc / pc), -1), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn", [F.hinge, F.squared_hinge])
@pytest.mark.parametrize("labels", ["01", "pm1"])
def test_hinges_convert_binary_labels(backend, fn, labels):
    t = RNG.integers(0, 2, (N, C)).astype("float64")
    signed = 2 * t - 1
    given = t if labels == "01" else signed
    margin = np.maximum(1 - signed * Y_PRED, 0)
    ref = np.mean(margin if fn is F.hinge else margin ** 2, -1)
    np.testing.assert_allclose(val(fn(given, Y_PRED)), ref, rtol=1e-5)


def test_hinge_keeps_non_binary_labels(backend):
    t = np.array([[0.5, -1.0, 2.0]])
    p = np.array([[0.3, 0.2, -0.1]], "float32")
    np.testing.assert_allclose(val(F.hinge(t, p)), np.mean(np.maximum(1 - t * p, 0), -1), rtol=1e-6)


# ---------------------------------------------------------------- cross-entropies
def np_bce(t, p):
    p = np.clip(p.astype("float64"), EPS, 1 - EPS)
    return -np.mean(t * np.log(p + EPS) + (1 - t) * np.log(1 - p + EPS), -1)


def np_bce_logits(t, x):
    x = x.astype("float64")
    return np.mean(np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x))), -1)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_binary_crossentropy(backend, from_logits, smoothing):
    t = RNG.integers(0, 2, (N, 3)).astype("float64")
    x = RNG.normal(0, 3, (N, 3)).astype("float32")
    p = 1 / (1 + np.exp(-x.astype("float64")))
    ts = t * (1 - smoothing) + 0.5 * smoothing
    ref = np_bce_logits(ts, x) if from_logits else np_bce(ts, p.astype("float32"))
    out = F.binary_crossentropy(t, x if from_logits else p.astype("float32"), from_logits=from_logits,
                                label_smoothing=smoothing)
    np.testing.assert_allclose(val(out), ref, rtol=1e-5, atol=1e-6)


def test_elementwise_binary_crossentropy_is_keras_backend_form(backend):
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    p = np.array([[0.8, 0.3], [0.6, 0.9]], "float32")
    ref = -(t * np.log(p + EPS) + (1 - t) * np.log(1 - p + EPS))
    out = F.elementwise_binary_crossentropy(t, p)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(val(out), ref, rtol=1e-5)


def test_binary_crossentropy_clips_saturated_probabilities(backend):
    out = val(F.binary_crossentropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]], "float32")))
    assert np.isfinite(out).all() and out[0] > 10


def test_binary_crossentropy_logits_is_stable_for_large_logits(backend):
    out = val(F.binary_crossentropy(np.array([[1.0, 0.0]]), np.array([[-200.0, 200.0]], "float32"),
                                    from_logits=True))
    np.testing.assert_allclose(out, [200.0], rtol=1e-6)


def np_cce(t, p, axis=-1):
    p = p.astype("float64")
    p = p / p.sum(axis, keepdims=True)
    return -np.sum(t * np.log(np.clip(p, EPS, 1 - EPS)), axis)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_categorical_crossentropy(backend, from_logits, smoothing):
    t = onehot(RNG.integers(0, C, N))
    x = RNG.normal(0, 2, (N, C)).astype("float32")
    p = probs((N, C), 3) * 2.0  # unnormalised on purpose: Keras rescales to sum 1
    ts = t * (1 - smoothing) + smoothing / C
    ref = -np.sum(ts * log_softmax(x.astype("float64")), -1) if from_logits else np_cce(ts, p)
    out = F.categorical_crossentropy(t, x if from_logits else p, from_logits=from_logits,
                                     label_smoothing=smoothing)
    np.testing.assert_allclose(val(out), ref, rtol=1e-5)


@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_crossentropy_axis(backend, from_logits):
    t = onehot(RNG.integers(0, C, N))
    p = probs((N, C), 4)
    out = F.categorical_crossentropy(t.T, p.T, from_logits=from_logits, axis=0)
    ref = F.categorical_crossentropy(t, p, from_logits=from_logits)
    np.testing.assert_allclose(val(out), val(ref), rtol=1e-6)


def test_categorical_crossentropy_rejects_mismatched_shapes(backend):
    with pytest.raises(ValueError, match=r"Shapes \(5, 4\) and \(5, 3\) are incompatible"):
        F.categorical_crossentropy(np.zeros((5, 4)), np.ones((5, 3), "float32"))


def np_scce(labels, p, from_logits):
    lp = log_softmax(p.astype("float64")) if from_logits else np.log(np.clip(p.astype("float64"), EPS, 1 - EPS))
    lp = log_softmax(lp)  # tf feeds the clipped log-probabilities to the fused softmax op
    return -np.take_along_axis(lp, labels[..., None], -1)[..., 0]


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_sparse_categorical_crossentropy(backend, from_logits, label_shape):
    labels = RNG.integers(0, C, N)
    y = labels.astype("float32")  # float labels, as they often arrive; cast to int inside
    if label_shape == "column":
        y = y[:, None]
    p = RNG.normal(0, 2, (N, C)).astype("float32") if from_logits else probs((N, C), 5)
    out = F.sparse_categorical_crossentropy(y, p, from_logits=from_logits)
    assert out.shape == (N,)
    np.testing.assert_allclose(val(out), np_scce(labels, p, from_logits), rtol=1e-5)


def test_sparse_categorical_crossentropy_sequences_and_axis(backend):
    labels = RNG.integers(0, C, (2, 3))
    p = probs((2, 3, C), 6)
    out = F.sparse_categorical_crossentropy(labels, p)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(val(out), np_scce(labels, p, False), rtol=1e-5)
    moved = F.sparse_categorical_crossentropy(labels, np.moveaxis(p, -1, 1).copy(), axis=1)
    np.testing.assert_allclose(val(moved), val(out), rtol=1e-6)


def test_sparse_categorical_crossentropy_rejects_mismatched_labels(backend):
    with pytest.raises(ValueError, match=r"labels.shape=\(3,\) and logits.shape=\(5, 4\)"):
        F.sparse_categorical_crossentropy(np.zeros(3), probs((5, 4)))


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("labels, bad", [([0, 2, -1], "-1"), ([0, 5, 1], "5"),
                                         (np.array([[0.0], [3.0], [2.0]], "float32"), "3")])
def test_sparse_categorical_crossentropy_rejects_labels_out_of_range(backend, from_logits, labels, bad):
    message = (f"sparse_categorical_crossentropy received a label value of {bad} which is outside the "
               r"valid range of \[0, 3\): labels must be class indices for predictions with 3 classes.")
    with pytest.raises(ValueError, match=message):
        F.sparse_categorical_crossentropy(labels, probs((3, 3)), from_logits=from_logits)


def test_sparse_categorical_crossentropy_truncates_labels_as_it_casts_them(backend):
    # tf casts the labels to int64 first: 2.7 is class 2, -0.5 is class 0; neither is out of range.
    out = F.sparse_categorical_crossentropy(np.array([2.7, -0.5]), probs((2, 3)))
    ref = F.sparse_categorical_crossentropy(np.array([2, 0]), probs((2, 3)))
    np.testing.assert_allclose(val(out), val(ref))


def test_sparse_labels_of_unknown_range_give_nan_not_another_class(backend):
    # Device labels made outside the data adapter carry no host-measured range; reading one back each
    # step would sync the device, so the kernel marks them NaN instead, as tf's GPU kernel does.
    from kerasx.autodiff.tensor import as_tensor
    labels = as_tensor(np.array([0, -1, 3]))
    assert labels._keras_host_range is None
    v = Variable(np.zeros((3, 3), "float32"))
    with GradientTape() as tape:
        out = F.sparse_categorical_crossentropy(labels, v, from_logits=True)
    np.testing.assert_allclose(val(out), [np.log(3), np.nan, np.nan], rtol=1e-6)
    grad = tape.gradient(out, v).numpy()
    np.testing.assert_allclose(grad[0], [-2 / 3, 1 / 3, 1 / 3], rtol=1e-6)
    assert np.isnan(grad[1:]).all()


@pytest.mark.parametrize("from_logits", [False, True])
def test_one_hot_labels_to_the_sparse_loss_say_so(backend, from_logits):
    message = (r"sparse_categorical_crossentropy expects integer class indices as labels, of shape \(5,\) "
               r"or \(5, 1\), but received labels of shape \(5, 4\), the shape of the predictions: they "
               r"look one-hot encoded. Use categorical_crossentropy for one-hot labels, or pass the class "
               r"indices \(their argmax\).")
    with pytest.raises(ValueError, match=message):
        F.sparse_categorical_crossentropy(onehot(RNG.integers(0, C, N)), probs((N, C)),
                                          from_logits=from_logits)


def test_crossentropy_gradient_from_logits(backend):
    # d/dx mean(BCE(x)) = (sigmoid(x) - t) / n: the fused path gives tf's gradient.
    t = np.array([[1.0, 0.0, 1.0]])
    x = Variable(np.array([[0.3, -1.2, 2.0]], "float32"))
    with GradientTape() as tape:
        loss = F.binary_crossentropy(t, x, from_logits=True)
    g = tape.gradient(loss, x).numpy()
    ref = (1 / (1 + np.exp(-x.numpy().astype("float64"))) - t) / 3
    np.testing.assert_allclose(g, ref, rtol=1e-5)


# ---------------------------------------------------------------- labels of any mass
# Random targets (the guide's `np.random.random((1000, 10))`) have rows summing to about 5, and binary
# targets may leave [0, 1]; the gradient must still be the gradient of the loss that is reported.
def _mass_labels(shape, seed, low=0.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, shape)


def _softmax_output(z):
    from kerasx import activations
    return activations.softmax(z)


def _sigmoid_output(z):
    from kerasx import activations
    return activations.sigmoid(z)


@pytest.mark.parametrize("route", ["from_logits", "softmax_output"])
def test_categorical_crossentropy_gradient_for_labels_not_summing_to_one(backend, route):
    z, y = RNG.normal(0, 2, (N, C)).astype("float32"), _mass_labels((N, C), 1, 0.5, 2.0).astype("float32")
    assert np.all(np.abs(y.sum(-1) - 1) > 0.1)
    v = Variable(z)
    with GradientTape() as tape:
        if route == "from_logits":
            loss = F.categorical_crossentropy(y, v, from_logits=True)
        else:
            loss = F.categorical_crossentropy(y, _softmax_output(v))
        total = loss * np.arange(1, N + 1, dtype="float32")  # a cotangent that differs per row
    lsm = log_softmax(z.astype("float64"))
    np.testing.assert_allclose(val(loss), -np.sum(y * lsm, -1), rtol=1e-5)
    # d/dz of -sum(y log softmax(z)) = sum(y) softmax(z) - y, not softmax(z) - y.
    ref = np.arange(1, N + 1)[:, None] * (y.sum(-1, keepdims=True) * np.exp(lsm) - y)
    np.testing.assert_allclose(tape.gradient(total, v).numpy(), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("route", ["from_logits", "softmax_output"])
def test_categorical_crossentropy_finite_differences_for_labels_not_summing_to_one(backend, route):
    from kerasx.autodiff import gradcheck
    z, y = RNG.normal(0, 2, (N, C)), _mass_labels((N, C), 2, 0.0, 2.0)
    if route == "from_logits":
        assert gradcheck(lambda a, t: F.categorical_crossentropy(t, a, from_logits=True), [z, y])
    else:
        assert gradcheck(lambda a, t: F.categorical_crossentropy(t, _softmax_output(a)), [z, y])


@pytest.mark.parametrize("route", ["from_logits", "sigmoid_output"])
def test_binary_crossentropy_for_labels_outside_zero_one(backend, route):
    from kerasx.autodiff import gradcheck
    z, t = RNG.normal(0, 2, (N, 3)), _mass_labels((N, 3), 3, -0.5, 1.5)
    assert (t < 0).any() and (t > 1).any()

    def loss_of(a, target):
        if route == "from_logits":
            return F.binary_crossentropy(target, a, from_logits=True)
        return F.binary_crossentropy(target, _sigmoid_output(a))

    assert gradcheck(loss_of, [z, t])
    v = Variable(z.astype("float32"))
    with GradientTape() as tape:
        loss = loss_of(v, t.astype("float32"))
    np.testing.assert_allclose(val(loss), np_bce_logits(t, z), rtol=1e-5)
    ref = (1 / (1 + np.exp(-z)) - t) / 3  # d/dz mean(BCE) for any target t
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), ref, rtol=1e-4, atol=1e-6)


def test_aliases():
    assert F.mse is F.MSE is F.mean_squared_error
    assert F.mae is F.mean_absolute_error and F.mape is F.mean_absolute_percentage_error
    assert F.msle is F.mean_squared_logarithmic_error
    assert F.kld is F.kullback_leibler_divergence is F.kl_divergence
    assert F.logcosh is F.log_cosh and F.huber_loss is F.huber


# ---------------------------------------------------------------- the logits behind an activation
def _np_log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def test_crossentropy_of_a_softmax_output_uses_its_logits(backend):
    # Saturated logits: the clipped-probability formula would give -log(1e-7) = 16.1; tf.keras 2.x (and
    # kerasx) take the softmax's own logits and give the exact 40.
    from kerasx import activations
    logits = np.array([[40.0, 0.0, 0.0], [1.0, 2.0, 3.0]], "float32")
    probs = activations.softmax(logits)
    labels = np.array([1, 2])
    expected = -_np_log_softmax(logits.astype("float64"))[[0, 1], labels]
    np.testing.assert_allclose(F.sparse_categorical_crossentropy(labels, probs).numpy(), expected,
                               rtol=1e-5)
    one_hot = np.eye(3, dtype="float32")[labels]
    np.testing.assert_allclose(F.categorical_crossentropy(one_hot, probs).numpy(), expected, rtol=1e-5)
    # The same probabilities as a plain array have no logits behind them: clipped as before.
    clipped = F.sparse_categorical_crossentropy(labels, probs.numpy()).numpy()
    np.testing.assert_allclose(clipped[0], -np.log(1e-7), rtol=1e-4)


def test_gradient_flows_to_the_logits_behind_a_softmax(backend):
    from kerasx import activations
    v = Variable(np.array([[0.5, -1.0, 2.0]], "float32"))
    with GradientTape() as tape:
        loss = F.sparse_categorical_crossentropy(np.array([0]), activations.softmax(v))
    p = np.exp(_np_log_softmax(v.numpy().astype("float64")))
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), p - np.eye(3)[[0]], rtol=1e-5, atol=1e-6)


def test_binary_crossentropy_of_a_sigmoid_output_uses_its_logits(backend):
    from kerasx import activations
    z = np.array([[30.0, -2.0]], "float32")
    target = np.array([[0.0, 1.0]], "float32")
    expected = np.mean(np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z))), axis=-1)
    np.testing.assert_allclose(F.binary_crossentropy(target, activations.sigmoid(z)).numpy(), expected,
                               rtol=1e-5)


def test_from_logits_on_a_softmax_output_warns_as_tf_keras(backend):
    from kerasx import activations
    probs = activations.softmax(np.array([[1.0, 2.0]], "float32"))
    with pytest.warns(UserWarning, match="received `from_logits=True`, but the `output` argument was "
                                         "produced by a Softmax activation"):
        F.sparse_categorical_crossentropy(np.array([1]), probs, from_logits=True)
