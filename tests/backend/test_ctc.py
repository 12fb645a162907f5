"""`K.ctc_batch_cost`, `K.ctc_decode` and `K.ctc_label_dense_to_sparse` against an independent brute-force
enumeration of every alignment (tiny cases: T = 4, 3 classes), float64 finite differences, a model
trained on the loss, and the argument errors."""
import itertools
import math

import numpy as np
import pytest

from kerasx import GradientTape, Model, Variable, layers
from kerasx import backend as K
from kerasx.autodiff import gradcheck

EPS = 1e-7
T, C = 4, 3  # the blank is class 2


def _collapse(path, blank):
    return tuple(c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1]))


def brute_force_labelling_probs(probs, n_frames):
    """P(labelling) for every labelling, summing the probability of every alignment of the first
    `n_frames` frames that collapses to it; frames renormalised as tf's CTC ops see log(p + eps)."""
    q = probs[:n_frames] + EPS
    q = q / q.sum(-1, keepdims=True)
    classes = probs.shape[-1]
    out = {}
    for path in itertools.product(range(classes), repeat=n_frames):
        key = _collapse(path, classes - 1)
        out[key] = out.get(key, 0.0) + float(np.prod([q[t, c] for t, c in enumerate(path)]))
    return out


def _probs(shape, seed=0):
    return np.random.default_rng(seed).dirichlet([1.0] * shape[-1], shape[:-1])


LABELS = np.array([[0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
LABEL_LENGTH = np.array([[2], [2], [1], [0], [2]])
INPUT_LENGTH = np.array([[4], [4], [3], [2], [3]])


def test_ctc_batch_cost_matches_brute_force_enumeration(backend):
    probs = _probs((5, T, C))
    out = K.ctc_batch_cost(LABELS, probs.astype("float32"), INPUT_LENGTH, LABEL_LENGTH)
    assert out.dtype == "float32" and tuple(out.shape) == (5, 1)
    ref = [-math.log(brute_force_labelling_probs(probs[i], INPUT_LENGTH[i, 0])[tuple(LABELS[i, :LABEL_LENGTH[i, 0]])])
           for i in range(5)]
    np.testing.assert_allclose(out.numpy()[:, 0], ref, rtol=1e-5)
    f64 = K.ctc_batch_cost(LABELS, probs, INPUT_LENGTH, LABEL_LENGTH)
    assert f64.dtype == "float64"
    np.testing.assert_allclose(f64.numpy()[:, 0], ref, rtol=1e-12)


def test_ctc_batch_cost_of_an_impossible_alignment_is_infinite(backend):
    # "11" needs a blank between its labels: 3 frames, and only 2 are given.
    out = K.ctc_batch_cost(np.array([[1, 1]]), _probs((1, T, C)), np.array([[2]]), np.array([[2]]))
    assert out.numpy()[0, 0] == np.inf


def test_ctc_batch_cost_float64_finite_differences(backend):
    probs = _probs((5, T, C), seed=1) + 0.05
    assert gradcheck(lambda p: K.ctc_batch_cost(LABELS, p, INPUT_LENGTH, LABEL_LENGTH), [probs])


def test_ctc_gradient_is_softmax_minus_occupancy(backend):
    # Through a softmax, d loss / d logits = softmax(z) - gamma (tf's CTC gradient), frames past
    # input_length get none.
    z = np.random.default_rng(2).normal(size=(5, T, C)).astype("float32")
    v = Variable(z)
    with GradientTape() as tape:
        loss = K.sum(K.ctc_batch_cost(LABELS, K.softmax(v), INPUT_LENGTH, LABEL_LENGTH))
    g = tape.gradient(loss, v).numpy()
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g.sum(-1), 0.0, atol=1e-5)  # softmax(z) and the occupancy both sum to 1
    assert np.all(g[2, 3] == 0) and np.all(g[3, 2:] == 0)


def test_a_model_trains_on_the_ctc_loss(backend):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 6, 5)).astype("float32")
    labels = rng.integers(0, 3, (8, 2))
    inputs = layers.Input((6, 5))
    probs = layers.Dense(4, activation="softmax")(inputs)
    model = Model(inputs, probs)
    model.compile(optimizer="adam", loss=lambda y, p: K.ctc_batch_cost(y, p, np.full((8, 1), 6),
                                                                        np.full((8, 1), 2)))
    history = model.fit(x, labels, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_ctc_batch_cost_argument_errors(backend):
    probs = _probs((5, T, C)).astype("float32")
    with pytest.raises(ValueError, match=r"ctc_batch_cost: y_pred must have shape \(samples, time_steps, "
                                         r"num_categories\).*Received: y_pred.shape=\(5, 3\)"):
        K.ctc_batch_cost(LABELS, probs[:, 0], INPUT_LENGTH, LABEL_LENGTH)
    with pytest.raises(ValueError, match=r"input_length must have shape \(5, 1\) or \(5,\), one length per "
                                         r"sample of y_pred's batch of 5\. Received: input_length.shape=\(4, 1\)"):
        K.ctc_batch_cost(LABELS, probs, INPUT_LENGTH[:4], LABEL_LENGTH)
    with pytest.raises(ValueError, match=r"input_length must be at most y_pred's time steps, 4\. Received: "
                                         r"input_length=\[5, 4, 3, 2, 3\]"):
        K.ctc_batch_cost(LABELS, probs, INPUT_LENGTH + [[1], [0], [0], [0], [0]], LABEL_LENGTH)
    with pytest.raises(ValueError, match=r"label_length must be at most y_true's width 2\. Received"):
        K.ctc_batch_cost(LABELS, probs, INPUT_LENGTH, LABEL_LENGTH + 1)
    with pytest.raises(ValueError, match=r"label_length must be non-negative\. Received: label_length="
                                         r"\[-1, 2, 1, 0, 2\]"):
        K.ctc_batch_cost(LABELS, probs, INPUT_LENGTH, LABEL_LENGTH - [[3], [0], [0], [0], [0]])


def test_ctc_batch_cost_refuses_the_blank_or_a_larger_class_as_a_label(backend):
    probs = _probs((5, T, C)).astype("float32")
    bad = LABELS.copy()
    bad[4, 1] = 2
    with pytest.raises(ValueError, match=r"ctc_batch_cost: labels must be class indices in \[0, 2\), the last "
                                         r"of the 3 categories being the blank\. Received: 2 in y_true\[4\] "
                                         r"within its label_length 2"):
        K.ctc_batch_cost(bad, probs, INPUT_LENGTH, LABEL_LENGTH)
    bad[3] = [7, -1]  # padding past label_length 0 is not looked at
    bad[4, 1] = 1
    np.testing.assert_allclose(K.ctc_batch_cost(bad, probs, INPUT_LENGTH, LABEL_LENGTH).numpy(),
                               K.ctc_batch_cost(LABELS, probs, INPUT_LENGTH, LABEL_LENGTH).numpy())


# ---------------------------------------------------------------- decoding
def _greedy_reference(probs, n):
    best = probs[:n].argmax(-1)
    return list(_collapse(tuple(best), probs.shape[-1] - 1)), -np.log(probs[:n].max(-1) + EPS).sum()


def test_greedy_decode(backend):
    probs = _probs((5, T, C), seed=3).astype("float32")
    lengths = INPUT_LENGTH[:, 0]
    decoded, log_prob = K.ctc_decode(probs, lengths)
    assert len(decoded) == 1 and decoded[0].dtype == "int64" and tuple(decoded[0].shape) == (5, T)
    assert tuple(log_prob.shape) == (5, 1)
    for i in range(5):
        seq, neg_sum = _greedy_reference(probs[i].astype("float64"), lengths[i])
        assert decoded[0].numpy()[i].tolist() == seq + [-1] * (T - len(seq))
        np.testing.assert_allclose(log_prob.numpy()[i, 0], neg_sum, rtol=1e-5)


def test_greedy_decode_merges_repeats_and_drops_blanks(backend):
    one_hot = np.eye(3, dtype="float32")[[[0, 0, 2, 0, 1, 1]]] * 0.9 + 0.05
    decoded, _ = K.ctc_decode(one_hot, np.array([6]))
    assert decoded[0].numpy().tolist() == [[0, 0, 1, -1, -1, -1]]


def test_beam_search_finds_the_most_probable_labellings(backend):
    probs = _probs((5, T, C), seed=4)
    lengths = INPUT_LENGTH[:, 0]
    decoded, log_prob = K.ctc_decode(probs.astype("float32"), lengths, greedy=False, beam_width=30, top_paths=3)
    assert len(decoded) == 3 and tuple(log_prob.shape) == (5, 3) and log_prob.dtype == "float32"
    for i in range(5):
        table = brute_force_labelling_probs(probs[i], lengths[i])
        ranked = sorted(table.items(), key=lambda kv: -kv[1])[:3]
        for k, (labelling, p) in enumerate(ranked):
            # tf's merge_repeated=True collapses equal neighbours of each found sequence.
            merged = [c for j, c in enumerate(labelling) if j == 0 or c != labelling[j - 1]]
            assert decoded[k].numpy()[i].tolist() == merged + [-1] * (T - len(merged))
            np.testing.assert_allclose(log_prob.numpy()[i, k], math.log(p), rtol=1e-5)


def test_beam_search_merges_repeated_labels_as_tf(backend):
    # Frames a, blank, a: the best labelling is "aa", which tf's decoder (merge_repeated=True) emits as "a".
    probs = np.eye(3, dtype="float32")[[[0, 2, 0]]] * 0.97 + 0.01
    decoded, _ = K.ctc_decode(probs, np.array([3]), greedy=False, beam_width=5)
    assert decoded[0].numpy().tolist() == [[0, -1, -1]]


def test_ctc_decode_argument_errors(backend):
    probs = _probs((2, T, C)).astype("float32")
    with pytest.raises(ValueError, match=r"ctc_decode: top_paths must be an integer between 1 and beam_width "
                                         r"\(2\)\. Received: top_paths=3"):
        K.ctc_decode(probs, np.array([4, 4]), greedy=False, beam_width=2, top_paths=3)
    with pytest.raises(ValueError, match=r"ctc_decode: beam_width must be a positive integer\. Received: "
                                         r"beam_width=0"):
        K.ctc_decode(probs, np.array([4, 4]), greedy=False, beam_width=0)
    with pytest.raises(ValueError, match=r"input_length must have shape \(2, 1\) or \(2,\)"):
        K.ctc_decode(probs, np.array([4, 4, 4]))


def test_ctc_label_dense_to_sparse(backend):
    labels = np.array([[1, 2, 0], [3, 0, 0], [4, 5, 6]], "int32")
    sparse = K.ctc_label_dense_to_sparse(labels, np.array([2, 1, 3]))
    assert isinstance(sparse, K.SparseLabels)
    assert sparse.indices.dtype == "int64" and sparse.values.dtype == "int32"
    assert sparse.indices.numpy().tolist() == [[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2]]
    assert sparse.values.numpy().tolist() == [1, 2, 3, 4, 5, 6]
    assert sparse.dense_shape.numpy().tolist() == [3, 3]
    empty = K.ctc_label_dense_to_sparse(labels, np.zeros((3, 1)))
    assert tuple(empty.indices.shape) == (0, 2) and tuple(empty.values.shape) == (0,)
    with pytest.raises(ValueError, match=r"label_lengths must be at most the labels' width 3\. Received: "
                                         r"label_lengths=\[4, 1, 3\]"):
        K.ctc_label_dense_to_sparse(labels, np.array([4, 1, 3]))


def test_ctc_batch_cost_takes_device_lengths_without_reading_them(backend):
    # Lengths already on the device (a training step's) are used there: no read-back to the host.
    from kerasx.autodiff.tensor import as_tensor
    probs = _probs((5, T, C)).astype("float32")
    host = K.ctc_batch_cost(LABELS, probs, INPUT_LENGTH, LABEL_LENGTH).numpy()
    args = as_tensor(LABELS), as_tensor(probs), as_tensor(INPUT_LENGTH), as_tensor(LABEL_LENGTH[:, 0])
    with backend.transfers.counting() as moved:
        out = K.ctc_batch_cost(*args)
    assert moved["to_host"] == 0
    np.testing.assert_allclose(out.numpy(), host, rtol=1e-6)
