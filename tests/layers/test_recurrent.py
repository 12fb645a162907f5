"""SimpleRNN, LSTM and GRU against step-by-step NumPy references (tests/backends/test_kernels_rnn.py),
`layer_test`, masks, states, dropout and the errors they raise."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers, ops

from tests.backends.test_kernels_rnn import (gru_step, lstm_step, ref_rnn, sigmoid, simple_step)
from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(11)
X = RNG.standard_normal((3, 5, 4)).astype("float32")
MASK = np.array([[True] * 5, [True, True, True, False, False], [False, True, True, False, True]])


def hard_sigmoid(v):
    return np.clip(0.2 * v + 0.5, 0.0, 1.0)


def _step_for(kind, weights, kwargs):
    units = kwargs.get("units")
    bias = weights[2] if kwargs.get("use_bias", True) else None
    if kind == "lstm":
        rec_act = hard_sigmoid if kwargs.get("recurrent_activation") == "hard_sigmoid" else sigmoid
        zeros = np.zeros(4 * units)
        return lstm_step(weights[0], weights[1], zeros if bias is None else bias, rec_act=rec_act), 2
    if kind == "gru":
        reset_after = kwargs.get("reset_after", True)
        if bias is None:
            bias = np.zeros((2, 3 * units) if reset_after else 3 * units)
        return gru_step(weights[0], weights[1], bias, reset_after=reset_after), 1
    activation = kwargs.get("activation", "tanh")
    return simple_step(weights[0], weights[1], np.zeros(units) if bias is None else bias, activation), 1


def reference(kind, kwargs, mask=None, initial=None):
    """The layer's output (and states) from its weights, step by step in float64."""
    def ref(x, weights):
        step, n = _step_for(kind, [w.astype("float64") for w in weights], kwargs)
        states = initial or [np.zeros((x.shape[0], kwargs["units"]))] * n
        out, final = ref_rnn(step, x.astype("float64"), states, mask, kwargs.get("go_backwards", False))
        y = out if kwargs.get("return_sequences") else out[:, -1]
        return (y, final) if kwargs.get("return_state") else y
    return ref


LAYERS = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}
GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}
CELL = {"lstm": "lstm_cell", "gru": "gru_cell", "simple_rnn": "simple_rnn_cell"}


def _expected_weights(kind, kwargs, features=4):
    u, g = kwargs["units"], GATES[kind]
    names = [(f"{CELL[kind]}/kernel", (features, g * u)), (f"{CELL[kind]}/recurrent_kernel", (u, g * u))]
    if kwargs.get("use_bias", True):
        shape = (2, 3 * u) if kind == "gru" and kwargs.get("reset_after", True) else (g * u,)
        names.append((f"{CELL[kind]}/bias", shape))
    return names


CASES = [
    ("lstm", {"units": 3}),
    ("lstm", {"units": 2, "return_sequences": True, "bias_initializer": "glorot_uniform"}),
    ("lstm", {"units": 3, "go_backwards": True, "return_sequences": True, "unit_forget_bias": False}),
    ("lstm", {"units": 2, "use_bias": False}),
    # Not the fused kernel's activations: the generic loop over LSTMCell.call runs instead.
    ("lstm", {"units": 2, "recurrent_activation": "hard_sigmoid", "return_sequences": True}),
    ("gru", {"units": 3}),
    ("gru", {"units": 2, "reset_after": False, "return_sequences": True, "bias_initializer": "ones"}),
    ("gru", {"units": 3, "go_backwards": True, "use_bias": False}),
    ("gru", {"units": 2, "reset_after": False, "go_backwards": True, "return_sequences": True}),
    ("simple_rnn", {"units": 3}),
    ("simple_rnn", {"units": 2, "activation": "relu", "return_sequences": True, "bias_initializer": "ones"}),
    ("simple_rnn", {"units": 3, "activation": "sigmoid", "go_backwards": True, "use_bias": False}),
]


@pytest.mark.parametrize("kind, kwargs", CASES,
                         ids=[f"{k}-{'-'.join(map(str, kw.values()))}" for k, kw in CASES])
def test_recurrent_layer(backend, kind, kwargs):
    layer_test(LAYERS[kind], kwargs=kwargs, input_data=X, reference_fn=reference(kind, kwargs),
               expected_weights=_expected_weights(kind, kwargs), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_explicit_mask_carries_states_and_repeats_outputs(backend, kind, go_backwards):
    kwargs = {"units": 3, "return_sequences": True, "return_state": True, "go_backwards": go_backwards}
    layer = LAYERS[kind](**kwargs)
    result = layer(X, mask=MASK)
    want_out, want_states = reference(kind, kwargs, mask=MASK)(X, layer.get_weights())
    np.testing.assert_allclose(result[0].numpy(), want_out, rtol=1e-4, atol=1e-5)
    for got, want in zip(result[1:], want_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)
    out = result[0].numpy()
    if go_backwards:
        # Row 2 is processed from t=4 (kept) to t=3 (masked): the masked step repeats the last output.
        np.testing.assert_array_equal(out[2, 1], out[2, 0])
    else:
        # Row 2 starts masked: no output yet to repeat, so zeros.
        np.testing.assert_array_equal(out[2, 0], 0.0)


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn"])
def test_return_state_and_initial_state(backend, kind):
    n = 2 if kind == "lstm" else 1
    initial = [RNG.standard_normal((3, 2)).astype("float32") for _ in range(n)]
    kwargs = {"units": 2, "return_state": True}
    layer = LAYERS[kind](**kwargs)
    result = layer(X, initial_state=initial)
    assert len(result) == 1 + n
    want_out, want_states = reference(kind, kwargs, initial=[s.astype("float64") for s in initial])(
        X, layer.get_weights())
    np.testing.assert_allclose(result[0].numpy(), want_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(result[1].numpy(), result[0].numpy())  # the output is the h state
    for got, want in zip(result[1:], want_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)
    assert [tuple(s) for s in layer.compute_output_shape((None, 5, 4))] == [(None, 2)] * (1 + n)


def test_lstm_gradients_reach_the_initial_state(backend):
    layer = layers.LSTM(2)
    h0 = ops.zeros((3, 2)) + 0.5
    with GradientTape() as tape:
        tape.watch(h0)
        loss = ops.sum(layer(X, initial_state=[h0, ops.zeros((3, 2))]))
    g = tape.gradient(loss, h0).numpy()
    assert g.dtype == np.float32 and np.all(np.isfinite(g)) and np.any(g != 0)


def test_lstm_bias_starts_with_unit_forget_bias(backend):
    layer = layers.LSTM(3)
    layer(X)
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    assert layer.units == 3 and layer.unit_forget_bias
    assert layer.recurrent_activation is keras.activations.sigmoid


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn"])
def test_time_major(backend, kind):
    layer = LAYERS[kind](2, time_major=True, return_sequences=True)
    out = layer(np.transpose(X, (1, 0, 2))).numpy()
    want = reference(kind, {"units": 2, "return_sequences": True})(X, layer.get_weights())
    np.testing.assert_allclose(out, np.transpose(want, (1, 0, 2)), rtol=1e-4, atol=1e-5)
    assert tuple(layer.compute_output_shape((5, None, 4))) == (5, None, 2)


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn"])
def test_stateful_continues_from_the_last_batch(backend, kind):
    layer = LAYERS[kind](2, stateful=True, return_sequences=True)
    first = layer(X[:, :3]).numpy()
    second = layer(X[:, 3:]).numpy()
    whole = reference(kind, {"units": 2, "return_sequences": True})(X, layer.get_weights())
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-4, atol=1e-5)
    layer.reset_states()
    np.testing.assert_allclose(layer(X[:, :3]).numpy(), first, rtol=1e-6)
    values = [np.full((3, 2), 0.3, "float32")] * len(layer.states)
    layer.reset_states(values)
    want = reference(kind, {"units": 2, "return_sequences": True},
                     initial=[v.astype("float64") for v in values])
    np.testing.assert_allclose(layer(X).numpy(), want(X, layer.get_weights()), rtol=1e-4, atol=1e-5)


class _LoopedLSTMCell(layers.LSTMCell):
    """Overrides `call`, so RNN runs the generic per-step loop instead of the fused kernel."""

    def call(self, inputs, states, training=None):
        return super().call(inputs, states, training=training)


@pytest.mark.parametrize("dropout, recurrent_dropout", [(0.5, 0.0), (0.0, 0.4), (0.3, 0.3)])
def test_lstm_dropout_fused_equals_looped_with_the_same_masks(backend, dropout, recurrent_dropout):
    fused = layers.LSTM(3, dropout=dropout, recurrent_dropout=recurrent_dropout, return_sequences=True)
    looped = layers.RNN(_LoopedLSTMCell(3, dropout=dropout, recurrent_dropout=recurrent_dropout),
                        return_sequences=True)
    fused(X)
    looped(X)
    looped.set_weights(fused.get_weights())
    # Both draw the input mask, then the recurrent mask, from the same generator state.
    backend.seed(3)
    a = fused(X, training=True).numpy()
    backend.seed(3)
    b = looped(X, training=True).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    inference = reference("lstm", {"units": 3, "return_sequences": True})(X, fused.get_weights())
    assert not np.allclose(a, inference, atol=1e-3)
    np.testing.assert_allclose(fused(X, training=False).numpy(), inference, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["gru", "simple_rnn"])
def test_dropout_changes_training_output_only(backend, kind):
    layer = LAYERS[kind](3, dropout=0.5, recurrent_dropout=0.5)
    inference = layer(X).numpy()
    np.testing.assert_allclose(inference, reference(kind, {"units": 3})(X, layer.get_weights()),
                               rtol=1e-4, atol=1e-5)
    with GradientTape() as tape:
        out = layer(X, training=True)
        loss = ops.sum(ops.square(out))
    assert not np.allclose(out.numpy(), inference, atol=1e-3)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(np.all(np.isfinite(g.numpy())) for g in grads)


def test_lstm_in_a_model_trains(backend):
    model = keras.Sequential([layers.LSTM(4, input_shape=(5, 4)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = np.array([0, 1, 1])
    first = model.train_on_batch(X, y)
    for _ in range(5):
        last = model.train_on_batch(X, y)
    assert np.isfinite(first) and last < first
    assert model.predict(X, verbose=0).shape == (3, 2)
    assert [w.name for w in model.weights[:3]] == [
        "lstm/lstm_cell/kernel:0", "lstm/lstm_cell/recurrent_kernel:0", "lstm/lstm_cell/bias:0"]


def test_embedding_mask_zero_feeds_the_lstm(backend):
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [0, 0, 5, 9, 1]])
    embedding = layers.Embedding(10, 4, mask_zero=True)
    lstm = layers.LSTM(3, return_sequences=True)
    model = keras.Sequential([embedding, lstm])
    out = model.predict(ids, verbose=0)
    vectors = embedding(ids).numpy()
    want = reference("lstm", {"units": 3, "return_sequences": True}, mask=ids != 0)
    want = want(vectors, lstm.get_weights())
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)


def test_symbolic_initial_state(backend):
    x_in = layers.Input(shape=(5, 4))
    h_in, c_in = layers.Input(shape=(2,)), layers.Input(shape=(2,))
    lstm = layers.LSTM(2)
    model = keras.Model([x_in, h_in, c_in], lstm(x_in, initial_state=[h_in, c_in]))
    h0, c0 = np.full((3, 2), 0.2, "float32"), np.full((3, 2), -0.1, "float32")
    out = model.predict([X, h0, c0], verbose=0)
    want = reference("lstm", {"units": 2}, initial=[h0.astype("float64"), c0.astype("float64")])
    np.testing.assert_allclose(out, want(X, lstm.get_weights()), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn"])
def test_wrong_input_rank_and_features(backend, kind):
    layer = LAYERS[kind](2)
    cls = type(layer).__name__
    with pytest.raises(ValueError, match=rf'Input 0 of layer "{kind}" \({cls}\) is incompatible: expected '
                                         r"ndim=3, found ndim=2\. Full shape received: \(3, 4\)"):
        layer(X[:, 0])
    layer(X)
    with pytest.raises(ValueError, match=rf'Input 0 of layer "{kind}" \({cls}\) is incompatible: expected '
                                         r"last dimension 4, received input with shape \(3, 5, 2\)"):
        layer(X[:, :, :2])


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"invalid value for argument `units`, expected a positive integer, "
                                         r"got 0 \(layer LSTMCell\)"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match=r"invalid value for argument `dropout` of GRUCell, expected a float "
                                         r"in \[0, 1\), got 1.5"):
        layers.GRU(2, dropout=1.5)
    with pytest.raises(ValueError, match=r"`recurrent_dropout` of SimpleRNNCell"):
        layers.SimpleRNN(2, recurrent_dropout=-0.1)


def test_bad_states_and_masks(backend):
    layer = layers.LSTM(2)
    with pytest.raises(ValueError, match=r'Layer "lstm" \(LSTM\) expects 2 initial state\(s\) '
                                         r"\(cell.state_size=\[2, 2\]\), but it received 1 initial state"):
        layer(X, initial_state=[np.zeros((3, 2), "float32")])
    with pytest.raises(ValueError, match=r'Initial state 1 of layer "lstm" \(LSTM\) is incompatible: '
                                         r"expected shape \(3, 2\), received shape \(3, 5\)"):
        layer(X, initial_state=[np.zeros((3, 2), "float32"), np.zeros((3, 5), "float32")])
    with pytest.raises(ValueError, match=r'The mask of layer "lstm" \(LSTM\) must have shape '
                                         r"\(batch, timesteps\) = \(3, 5\), received shape \(3, 4\)"):
        layer(X, mask=MASK[:, :4])
    with pytest.raises(AttributeError, match="Layer must be stateful."):
        layer.reset_states()


def test_stateful_errors(backend):
    with pytest.raises(ValueError, match=r'Layer "lstm" \(LSTM\) is stateful, so it needs to know its batch '
                                         r"size"):
        layers.LSTM(2, stateful=True)(layers.Input(shape=(5, 4)))
    layer = layers.GRU(2, stateful=True)
    layer(X)
    with pytest.raises(ValueError, match=r'Layer "gru" \(GRU\) is stateful with batch size 3, but it '
                                         r"received a batch of 2"):
        layer(X[:2])
    with pytest.raises(ValueError, match=r'Layer "gru" \(GRU\) expects 1 state\(s\) \(cell.state_size=2\), '
                                         r"but it received 2 state tensor\(s\)"):
        layer.reset_states([np.zeros((3, 2))] * 2)


def test_h5_round_trip_keeps_recurrent_weights(backend, tmp_path):
    model = keras.Sequential([layers.Bidirectional(layers.LSTM(3, return_sequences=True), input_shape=(5, 4)),
                              layers.GRU(2, reset_after=False, return_sequences=True), layers.SimpleRNN(2)])
    path = str(tmp_path / "rnn.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]


def test_lstm_op_checks_shapes(backend):
    x, kernel = np.zeros((2, 3, 4), "float32"), np.zeros((4, 8), "float32")
    recurrent, zeros = np.zeros((3, 12), "float32"), np.zeros((2, 3), "float32")
    with pytest.raises(ValueError, match=r"lstm: kernel \(4, 8\) and recurrent_kernel \(3, 12\) do not fit "
                                         r"inputs \(2, 3, 4\): expected \(4, 12\) and \(3, 12\)"):
        ops.lstm(x, kernel, recurrent, np.zeros(12, "float32"), zeros, zeros)
    with pytest.raises(ValueError, match=r"gru: expected inputs of shape \(batch, timesteps, features\), "
                                         r"received shape \(2, 4\)"):
        ops.gru(x[:, 0], kernel, recurrent, np.zeros(12, "float32"), zeros)


def test_masking_layer_feeds_the_gru(backend):
    x = X.copy()
    x[0, 3:] = 0.0
    x[2, :2] = 0.0
    gru = layers.GRU(3, return_sequences=True)
    model = keras.Sequential([layers.Masking(0.0, input_shape=(5, 4)), gru])
    want = reference("gru", {"units": 3, "return_sequences": True}, mask=np.any(x != 0, axis=-1))
    np.testing.assert_allclose(model.predict(x, verbose=0), want(x, gru.get_weights()), rtol=1e-4, atol=1e-5)


def test_get_initial_state(backend):
    layer = layers.LSTM(3)
    states = layer.get_initial_state(ops.zeros((2, 5, 4)))
    assert [s.shape for s in states] == [(2, 3), (2, 3)] and all(s.dtype == "float32" for s in states)
