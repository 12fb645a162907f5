"""Initial states and constants of recurrent layers, in both of tf.keras's forms (keywords, or one list
after the sequence), in the functional API, in saved configs (tf.keras's layout) and with a custom cell
that reads constants; and the errors."""
import json

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers, ops

from tests.backends.test_kernels_rnn import lstm_step, ref_rnn

RNG = np.random.default_rng(5)
X = RNG.standard_normal((3, 5, 4)).astype("float32")
H0 = RNG.standard_normal((3, 2)).astype("float32")
C0 = RNG.standard_normal((3, 2)).astype("float32")
K = RNG.standard_normal((3, 6)).astype("float32")  # a constant: one (6,) vector per sequence


def _lstm_reference(layer, x, h0, c0):
    kernel, recurrent, bias = [w.astype("float64") for w in layer.get_weights()]
    out, states = ref_rnn(lstm_step(kernel, recurrent, bias), x.astype("float64"),
                          [h0.astype("float64"), c0.astype("float64")])
    return out, states


# ---------------------------------------------------------------- the list form
def test_list_form_equals_the_keyword_form_and_the_reference(backend):
    layer = layers.LSTM(2, return_sequences=True)
    listed = layer([X, H0, C0]).numpy()
    keyword = layer(X, initial_state=[H0, C0]).numpy()
    np.testing.assert_array_equal(listed, keyword)
    want, _ = _lstm_reference(layer, X, H0, C0)
    np.testing.assert_allclose(listed, want, rtol=1e-4, atol=1e-5)


def _seq2seq():
    """The Keras blog's encoder-decoder: the encoder's last states start the decoder."""
    enc_in = keras.Input((5, 4), name="encoder_inputs")
    _, h, c = layers.LSTM(2, return_state=True, name="encoder")(enc_in)
    dec_in = keras.Input((6, 3), name="decoder_inputs")
    seq = layers.LSTM(2, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    out = layers.Dense(3, activation="softmax", name="dense")(seq)
    return keras.Model([enc_in, dec_in], out)


DEC_X = RNG.standard_normal((3, 6, 3)).astype("float32")


def test_functional_states_are_inbound_tensors_in_tf_keras_layout(backend):
    model = _seq2seq()
    config = json.loads(model.to_json())["config"]
    decoder = next(entry for entry in config["layers"] if entry["name"] == "decoder")
    assert decoder["inbound_nodes"] == [[["decoder_inputs", 0, 0, {}], ["encoder", 0, 1, {}],
                                         ["encoder", 0, 2, {}]]]


def test_seq2seq_model_matches_the_reference_and_survives_config_and_h5(backend, tmp_path):
    model = _seq2seq()
    got = model.predict([X, DEC_X], verbose=0)
    encoder, decoder, dense = (model.get_layer(n) for n in ("encoder", "decoder", "dense"))
    zeros = np.zeros((3, 2), "float32")
    _, (h, c) = _lstm_reference(encoder, X, zeros, zeros)
    seq, _ = _lstm_reference(decoder, DEC_X, h, c)
    kernel, bias = dense.get_weights()
    logits = seq @ kernel + bias
    want = np.exp(logits - logits.max(-1, keepdims=True))
    want /= want.sum(-1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)

    rebuilt = keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict([X, DEC_X], verbose=0), got, rtol=1e-6)
    path = str(tmp_path / "seq2seq.h5")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict([X, DEC_X], verbose=0), got, rtol=1e-6)


def test_seq2seq_trains_the_encoder_through_the_states(backend):
    model = _seq2seq()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.get_layer("encoder").get_weights()[0].copy()
    model.train_on_batch([X, DEC_X], RNG.integers(0, 3, (3, 6)))
    assert not np.allclose(model.get_layer("encoder").get_weights()[0], before)


def test_a_tf_keras_config_with_listed_states_loads(backend):
    # As tf.keras 2.x writes a layer called on (x, initial_state=[h, c]): three inbound tensors.
    config = {"class_name": "Functional", "config": {
        "name": "model", "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 5, 4], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "x"}},
            {"class_name": "InputLayer", "name": "h", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 2], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "h"}},
            {"class_name": "InputLayer", "name": "c", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 2], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "c"}},
            {"class_name": "LSTM", "name": "lstm",
             "config": {"name": "lstm", "trainable": True, "dtype": "float32", "return_sequences": True,
                        "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
                        "time_major": False, "units": 2},
             "inbound_nodes": [[["x", 0, 0, {}], ["h", 0, 0, {}], ["c", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0], ["h", 0, 0], ["c", 0, 0]],
        "output_layers": [["lstm", 0, 0]]}, "keras_version": "2.13.1", "backend": "tensorflow"}
    model = keras.models.model_from_json(json.dumps(config))
    lstm = model.get_layer("lstm")
    want, _ = _lstm_reference(lstm, X, H0, C0)
    np.testing.assert_allclose(model.predict([X, H0, C0], verbose=0), want, rtol=1e-4, atol=1e-5)


def test_conv_lstm_takes_listed_states(backend):
    x = RNG.standard_normal((2, 3, 5, 5, 2)).astype("float32")
    h, c = (RNG.standard_normal((2, 3, 3, 4)).astype("float32") for _ in range(2))
    layer = layers.ConvLSTM2D(4, 3)
    np.testing.assert_array_equal(layer([x, h, c]).numpy(), layer(x, initial_state=[h, c]).numpy())


# ---------------------------------------------------------------- Bidirectional
def test_bidirectional_splits_listed_states_between_its_directions(backend):
    layer = layers.Bidirectional(layers.LSTM(2, return_sequences=True))
    states = [H0, C0, C0, H0]
    listed = layer([X] + states).numpy()
    np.testing.assert_array_equal(listed, layer(X, initial_state=states).numpy())
    forward, _ = _lstm_reference(layer.forward_layer, X, H0, C0)
    backward, _ = _lstm_reference(layer.backward_layer, X[:, ::-1], C0, H0)
    np.testing.assert_allclose(listed, np.concatenate([forward, backward[:, ::-1]], -1), rtol=1e-4, atol=1e-5)


def test_bidirectional_with_symbolic_states_round_trips(backend):
    x, h, c = keras.Input((5, 4)), keras.Input((2,)), keras.Input((2,))
    model = keras.Model([x, h, c], layers.Bidirectional(layers.LSTM(2))(x, initial_state=[h, c, h, c]))
    rebuilt = keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict([X, H0, C0], verbose=0), model.predict([X, H0, C0], verbose=0),
                               rtol=1e-6)


# ---------------------------------------------------------------- constants
class ConstantCell(layers.Layer):
    """h' = tanh(x W + h U + k V): a cell that reads one constant, as tf.keras's docs describe."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.build_shapes = None

    def build(self, input_shape):
        self.build_shapes = input_shape
        step_shape, constant_shape = input_shape
        self.w = self.add_weight(name="w", shape=(step_shape[-1], self.units))
        self.u = self.add_weight(name="u", shape=(self.units, self.units))
        self.v = self.add_weight(name="v", shape=(constant_shape[-1], self.units))

    def call(self, inputs, states, constants):
        z = ops.matmul(inputs, self.w) + ops.matmul(states[0], self.u) + ops.matmul(constants[0], self.v)
        h = ops.tanh(z)
        return h, [h]

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def _constant_reference(cell, x, k):
    w, u, v = (a.astype("float64") for a in cell.get_weights())
    h = np.zeros((x.shape[0], cell.units))
    outs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w + h @ u + k @ v)
        outs.append(h)
    return np.stack(outs, 1)


@pytest.mark.parametrize("form", ["keyword", "list"])
def test_constants_reach_the_cell_at_every_step(backend, form):
    layer = layers.RNN(ConstantCell(2), return_sequences=True)
    if form == "keyword":
        out = layer(X, constants=[K])
    else:
        # The list form counts the constants off its end by `num_constants`, as a loaded config sets it.
        config = dict(layer.get_config(), num_constants=1)
        layer = layers.RNN.from_config(config, custom_objects={"ConstantCell": ConstantCell})
        out = layer([X, K])
    assert [tuple(s) for s in layer.cell.build_shapes] == [(3, 4), (3, 6)]
    np.testing.assert_allclose(out.numpy(), _constant_reference(layer.cell, X, K), rtol=1e-4, atol=1e-5)


def test_symbolic_constants_config_round_trip(backend):
    x, k = keras.Input((5, 4)), keras.Input((6,))
    model = keras.Model([x, k], layers.RNN(ConstantCell(2), name="rnn")(x, constants=[k]))
    config = json.loads(model.to_json())["config"]
    rnn = next(entry for entry in config["layers"] if entry["name"] == "rnn")
    assert rnn["config"]["num_constants"] == 1
    got = model.predict([X, K], verbose=0)
    np.testing.assert_allclose(got, _constant_reference(model.get_layer("rnn").cell, X, K)[:, -1],
                               rtol=1e-4, atol=1e-5)
    rebuilt = keras.models.model_from_json(model.to_json(), custom_objects={"ConstantCell": ConstantCell})
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict([X, K], verbose=0), got, rtol=1e-6)


def test_bidirectional_passes_constants_to_both_directions(backend):
    layer = layers.Bidirectional(layers.RNN(ConstantCell(2)), merge_mode="sum")
    out = layer(X, constants=[K]).numpy()
    forward = _constant_reference(layer.forward_layer.cell, X, K)[:, -1]
    backward = _constant_reference(layer.backward_layer.cell, X[:, ::-1], K)[:, -1]
    np.testing.assert_allclose(out, forward + backward, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- errors
def test_states_in_the_list_and_as_keywords_at_once():
    with pytest.raises(ValueError, match=r'Layer "lstm_twice" \(LSTM\) was called on a list of inputs and '
                                         r"also given `initial_state` or `constants`"):
        layers.LSTM(2, name="lstm_twice")([X, H0, C0], initial_state=[H0, C0])


def test_mixed_symbolic_and_concrete_states():
    x, h = keras.Input((5, 4)), keras.Input((2,))
    with pytest.raises(ValueError, match=r'Layer "lstm_mixed" \(LSTM\): the initial state or constants of a '
                                         r"recurrent layer cannot mix Keras tensors and other tensors"):
        layers.LSTM(2, name="lstm_mixed")(x, initial_state=[h, C0])


def test_a_listed_state_too_many(backend):
    with pytest.raises(ValueError, match=r'Layer "lstm_three" \(LSTM\) expects 2 initial state\(s\) '
                                         r".*but it received 3 initial state tensor\(s\)"):
        layers.LSTM(2, name="lstm_three")([X, H0, C0, C0])


def test_built_in_cells_take_no_constants(backend):
    layer = layers.LSTM(2, name="lstm_const")
    with pytest.raises(ValueError, match=r'Layer "lstm_const" \(LSTM\) was given constants, but its cell '
                                         r"LSTMCell does not support constants"):
        layer(X, constants=[K])
    assert not layer.built  # refused before building anything


def test_too_few_tensors_for_num_constants():
    config = dict(layers.RNN(ConstantCell(2), name="rnn_short").get_config(), num_constants=2)
    layer = layers.RNN.from_config(config, custom_objects={"ConstantCell": ConstantCell})
    with pytest.raises(ValueError, match=r'Layer "rnn_short" \(RNN\) takes 2 constant\(s\) \(num_constants=2\) '
                                         r"after its sequence, but it was called on a list of 2 tensor\(s\)"):
        layer([X, K])


def test_bidirectional_needs_an_even_number_of_states(backend):
    layer = layers.Bidirectional(layers.LSTM(2), name="bi_odd")
    with pytest.raises(ValueError, match=r'Layer "bi_odd" \(Bidirectional\) expects an even number of initial '
                                         r"states \(forward states, then backward states\), received 3"):
        layer(X, initial_state=[H0, C0, H0])
    assert not layer.built


def test_the_sequence_mask_travels_with_listed_states(backend):
    ids = np.array([[3, 1, 0, 0, 0], [2, 4, 1, 3, 2], [1, 0, 0, 0, 0]])
    tokens, h, c = keras.Input((5,), dtype="int32"), keras.Input((2,)), keras.Input((2,))
    embedding = layers.Embedding(5, 4, mask_zero=True)
    lstm = layers.LSTM(2, return_sequences=True)
    model = keras.Model([tokens, h, c], lstm([embedding(tokens), h, c]))
    got = model.predict([ids, H0, C0], verbose=0)
    x = embedding.get_weights()[0][ids]
    kernel, recurrent, bias = [w.astype("float64") for w in lstm.get_weights()]
    want, _ = ref_rnn(lstm_step(kernel, recurrent, bias), x.astype("float64"),
                      [H0.astype("float64"), C0.astype("float64")], mask=ids != 0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
