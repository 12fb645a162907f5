"""Functional metrics against NumPy formulas written here."""
import numpy as np
import pytest

import kerasx as keras
from kerasx.metrics import functions as F


def val(t):
    out = np.asarray(t.numpy())
    assert out.dtype == np.float32
    return out


RNG = np.random.default_rng(2)
P = RNG.uniform(size=(6, 4)).astype("float32")
LABELS = np.array([0, 1, 2, 3, 1, 0])
ONEHOT = np.eye(4)[LABELS]


def test_accuracy_is_elementwise_equality(backend):
    np.testing.assert_array_equal(val(F.accuracy([[1.0, 2.0], [3.0, 4.0]], np.array([[1, 0], [3, 4]]))),
                                  [[1, 0], [1, 1]])


def test_accuracy_rejects_mismatched_shapes(backend):
    with pytest.raises(ValueError, match=r"Shapes \(2,\) and \(3,\) are incompatible"):
        F.accuracy([1.0, 2.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_binary_accuracy(backend, threshold):
    t = (RNG.uniform(size=(6, 4)) > 0.5).astype("float64")
    ref = np.mean(t == (P > threshold), -1)
    np.testing.assert_allclose(val(F.binary_accuracy(t, P, threshold=threshold)), ref)


def test_categorical_accuracy(backend):
    np.testing.assert_array_equal(val(F.categorical_accuracy(ONEHOT, P)), LABELS == P.argmax(-1))


@pytest.mark.parametrize("shape", ["flat", "column"])
def test_sparse_categorical_accuracy(backend, shape):
    t = LABELS.astype("float32") if shape == "flat" else LABELS[:, None].astype("float32")
    out = val(F.sparse_categorical_accuracy(t, P))
    assert out.shape == (6,)
    np.testing.assert_array_equal(out, LABELS == P.argmax(-1))


def np_in_top_k(pred, target, k):
    return np.array([np.sum(row > row[t]) < k for row, t in zip(pred, target)])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracies(backend, k):
    ref = np_in_top_k(P, LABELS, k)
    np.testing.assert_array_equal(val(F.top_k_categorical_accuracy(ONEHOT, P, k=k)), ref)
    np.testing.assert_array_equal(val(F.sparse_top_k_categorical_accuracy(LABELS, P, k=k)), ref)


def test_sparse_top_k_keeps_the_label_shape(backend):
    out = F.sparse_top_k_categorical_accuracy(LABELS[:, None], P, k=2)
    assert out.shape == (6, 1)
    seq = F.sparse_top_k_categorical_accuracy(LABELS.reshape(2, 3), P.reshape(2, 3, 4), k=2)
    np.testing.assert_array_equal(val(seq).reshape(-1), np_in_top_k(P, LABELS, 2))


def test_in_top_k_counts_ties_as_inside(backend):
    # tf.math.in_top_k: classes tied with the k-th value are all in the top k.
    pred = np.array([[0.5, 0.5, 0.5, 0.1]], "float32")
    np.testing.assert_array_equal(F.in_top_k(pred, np.array([2]), 1).numpy(), [True])
    np.testing.assert_array_equal(F.in_top_k(pred, np.array([3]), 3).numpy(), [False])


def test_cosine_similarity_metric_is_positive(backend):
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    b = np.array([[2.0, 0.0], [-1.0, -1.0]], "float32")
    np.testing.assert_allclose(val(F.cosine_similarity(a, b)), [1.0, -1.0], rtol=1e-6)


def test_aliases():
    assert F.acc is F.ACC is F.accuracy
    assert F.mse is F.mean_squared_error and F.bce is F.binary_crossentropy


def test_sparse_accuracies_count_labels_out_of_range_as_misses(backend):
    # As tf.math.in_top_k and tf's equality: no error and no other class's hit, even with k >= classes.
    labels, preds = np.array([0, -1, 3, 2]), np.full((4, 3), 1 / 3, "float32")
    top_k = F.sparse_top_k_categorical_accuracy(labels, preds, k=5)
    np.testing.assert_array_equal(val(top_k), [1, 0, 0, 1])
    argmax_hits = F.sparse_categorical_accuracy(labels, np.eye(3, dtype="float32")[[0, 2, 2, 2]])
    np.testing.assert_array_equal(val(argmax_hits), [1, 0, 0, 1])


def test_focal_crossentropies_are_metrics_by_name_as_in_tf_keras(backend):
    """tf.keras's `metrics` module re-exports the focal losses; by name in `compile` they log the mean of
    the loss function over the epoch."""
    assert keras.metrics.binary_focal_crossentropy is keras.losses.binary_focal_crossentropy
    assert keras.metrics.categorical_focal_crossentropy is keras.losses.categorical_focal_crossentropy
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile("sgd", "binary_crossentropy", metrics=["binary_focal_crossentropy"])
    logged = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)["binary_focal_crossentropy"]
    p = np.clip(model.predict(x, verbose=0), 1e-7, 1 - 1e-7)
    p_t = y * p + (1 - y) * (1 - p)
    expected = np.mean((1 - p_t) ** 2 * -np.log(p_t))  # gamma 2, no class balancing
    np.testing.assert_allclose(logged, expected, rtol=1e-5)
