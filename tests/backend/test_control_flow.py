"""K.rnn (against a NumPy loop, with masks, constants, go_backwards), map_fn/foldl/foldr, the learning
phase and in_train_phase/in_test_phase, K.function and K.gradients."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import backend as K
from kerasx import layers, ops

RNG = np.random.default_rng(1)
X = RNG.standard_normal((3, 4, 2)).astype("float32")
W = RNG.standard_normal((2, 5)).astype("float32")
U = RNG.standard_normal((5, 5)).astype("float32")
H0 = np.zeros((3, 5), "float32")
MASK = np.array([[1, 1, 1, 0], [1, 0, 1, 1], [0, 0, 0, 0]], bool)


def step(x_t, states):
    h = K.tanh(ops.add(K.dot(x_t, W), K.dot(states[0], U)))
    return h, [h]


def numpy_rnn(x, mask=None, go_backwards=False, zero_output_for_mask=False):
    h, prev, outs = H0.astype("float64"), np.zeros((3, 5)), []
    order = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    for t in order:
        new = np.tanh(x[:, t] @ W + h @ U)
        if mask is not None:
            keep = mask[:, t][:, None]
            out = np.where(keep, new, 0.0 if zero_output_for_mask else prev)
            h = np.where(keep, new, h)
        else:
            out = h = new
        prev = out
        outs.append(out)
    return outs[-1], np.stack(outs, 1), h


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_rnn_matches_numpy_loop_with_masks(backend, go_backwards, zero_output_for_mask):
    last, outs, states = K.rnn(step, X, [H0], go_backwards=go_backwards, mask=MASK,
                               zero_output_for_mask=zero_output_for_mask)
    e_last, e_outs, e_h = numpy_rnn(X, MASK, go_backwards, zero_output_for_mask)
    np.testing.assert_allclose(last.numpy(), e_last, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs.numpy(), e_outs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0].numpy(), e_h, rtol=1e-5, atol=1e-6)


def test_rnn_unmasked_time_major_constants_and_last_only(backend):
    e_last, e_outs, e_h = numpy_rnn(X)
    last, outs, states = K.rnn(step, np.swapaxes(X, 0, 1), [H0], time_major=True, unroll=True)
    np.testing.assert_allclose(np.swapaxes(outs.numpy(), 0, 1), e_outs, rtol=1e-5, atol=1e-6)
    _, only_last, _ = K.rnn(step, X, [H0], return_all_outputs=False)
    assert only_last.shape == (3, 1, 5)
    np.testing.assert_allclose(only_last.numpy()[:, 0], e_last, rtol=1e-5, atol=1e-6)

    seen = []

    def with_constant(x_t, states):
        seen.append(len(states))
        h, c = states
        return ops.add(h, c), [ops.add(h, c)]

    last, _, _ = K.rnn(with_constant, X[..., :1], [np.zeros((3, 1), "float32")],
                       constants=[np.ones((3, 1), "float32")])
    assert seen == [2] * 4
    np.testing.assert_allclose(last.numpy(), 4.0)


def test_rnn_is_differentiable(backend):
    w, u = W.astype("float64"), U.astype("float64")

    def fn(x, h0):
        def cell(x_t, states):
            h = K.tanh(ops.add(K.dot(x_t, w), K.dot(states[0], u)))
            return h, [h]
        return K.rnn(cell, x, [h0], mask=MASK)[1]
    assert keras.gradcheck(fn, [RNG.standard_normal((3, 4, 2)), RNG.standard_normal((3, 5))])


def test_rnn_errors():
    with pytest.raises(ValueError, match=r"Input should be at least 3D. Received an input of shape \(3, 4\)"):
        K.rnn(step, X[..., 0], [H0])
    with pytest.raises(ValueError, match=r"the mask's shape \(3, 3\) does not match"):
        K.rnn(step, X, [H0], mask=MASK[:, :3])


def test_map_fn_foldl_foldr(backend):
    x = RNG.standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(K.map_fn(lambda r: K.sum(K.square(r)), x).numpy(), (x ** 2).sum(1), rtol=1e-6)
    np.testing.assert_allclose(K.foldl(lambda a, r: ops.add(a, r), x).numpy(), x.sum(0), rtol=1e-6)
    # Right to left: (((x3 * 2) - x2) * 2 - x1) * 2 - x0 starting from 0 differs from left to right.
    fold = K.foldr(lambda a, r: ops.subtract(ops.multiply(a, 2.0), r), x, initializer=K.zeros((3,))).numpy()
    expected = np.zeros(3)
    for r in x[::-1]:
        expected = expected * 2 - r
    np.testing.assert_allclose(fold, expected, rtol=1e-5)
    assert keras.gradcheck(lambda a: K.foldl(lambda acc, r: ops.multiply(acc, r), a), [RNG.standard_normal((3, 2))])
    with pytest.raises(ValueError, match="must have at least one dimension"):
        K.map_fn(lambda r: r, np.float32(1.0))


def test_learning_phase_and_in_train_phase(backend):
    assert K.learning_phase() == 0
    assert K.in_train_phase(lambda: "train", "test") == "test"
    with K.learning_phase_scope(1):
        assert K.learning_phase() == 1
        assert K.in_train_phase(lambda: "train", "test") == "train"
        assert K.in_test_phase("test", "train") == "train"
        # A layer called without `training` follows the global phase, as in tf.keras.
        out = layers.Dropout(0.5)(np.ones((50, 40), "float32")).numpy()
        assert (out == 0).any()
    assert K.learning_phase() == 0
    np.testing.assert_array_equal(layers.Dropout(0.5)(np.ones((5, 4), "float32")).numpy(), 1.0)
    flags = K.constant(np.array([True, False]))
    np.testing.assert_array_equal(K.in_train_phase(K.ones((2,)), K.zeros((2,)), training=flags).numpy(), [1, 0])
    assert K.in_train_phase(1, 2, training=False) == 2
    with pytest.raises(ValueError, match="Expected learning phase to be 0 or 1."):
        with K.learning_phase_scope(2):
            pass
    with pytest.raises(ValueError, match="Expected learning phase to be 0 or 1."):
        K.set_learning_phase("train")
    assert K.learning_phase() == 0


def test_function_runs_a_functional_graph(backend):
    inp = keras.Input((3,))
    hidden = layers.Dense(2, activation="relu")(inp)
    out = layers.Dense(1)(hidden)
    f = K.function([inp], [hidden, out])
    x = RNG.standard_normal((4, 3)).astype("float32")
    h, o = f([x])
    assert isinstance(h, np.ndarray) and h.shape == (4, 2) and o.shape == (4, 1)
    model = keras.Model(inp, out)
    np.testing.assert_allclose(o, model.predict(x, verbose=0), rtol=1e-6)
    single = K.function(inp, out)
    np.testing.assert_allclose(single([x])[0], o, rtol=1e-6)
    with pytest.raises(ValueError, match="`updates` argument is not supported during eager execution"):
        K.function([inp], [out], updates=[(hidden, hidden)])
    with pytest.raises(ValueError, match=r"This function takes 1 input\(s\), received 2"):
        f([x, x])


def test_gradients_raises_tf_error():
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager execution is enabled. "
                                           "Use tf.GradientTape instead."):
        K.gradients(K.ones(()), [K.variable(1.0)])


def test_placeholder_get_uid():
    p = K.placeholder((None, 3))
    assert K.is_placeholder(p) and K.is_keras_tensor(p) and p.shape == (None, 3)
    assert not K.is_keras_tensor(K.ones((2,)))
    assert K.placeholder(ndim=2).shape == (None, None)
    f = K.function([p], [layers.Dense(2, kernel_initializer="ones")(p)])
    np.testing.assert_allclose(f([np.ones((2, 3), "float32")])[0], 3.0)
    with pytest.raises(ValueError, match="placeholder: give `shape` or `ndim`."):
        K.placeholder()
    layers.Dense(1)
    assert K.get_uid("dense") == 3
    K.reset_uids()
    assert K.get_uid("dense") == 1
