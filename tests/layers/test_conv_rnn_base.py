"""ConvRNN2D and ConvLSTM2DCell (Keras 2.2.5's `keras.layers.convolutional_recurrent`): equal to ConvLSTM2D
on shared weights, against a NumPy step loop, the generic time loop against the fused one, config round
trips, training, h5, and the errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers
from kerasx.layers import convolutional_recurrent
from kerasx.layers.convolutional_recurrent import ConvLSTM2DCell, ConvRNN2D

from tests.layers.conv_test_utils import conv

RNG = np.random.default_rng(11)
X = RNG.standard_normal((2, 3, 5, 4, 2)).astype("float32")   # (batch, time, rows, cols, channels)
MASK = np.array([[True, False, True], [True, True, False]])


class SteppedCell(ConvLSTM2DCell):
    """The same cell without its whole-sequence kernel: RNN's generic loop steps it."""
    _fused_sequence = None


def _pair(cell_kwargs, layer_kwargs, cell_cls=ConvLSTM2DCell):
    ref = layers.ConvLSTM2D(**cell_kwargs, **layer_kwargs)
    rnn = ConvRNN2D(cell_cls(**cell_kwargs), **layer_kwargs)
    x = X if cell_kwargs.get("data_format") != "channels_first" else np.transpose(X, (0, 1, 4, 2, 3))
    ref(x)
    rnn(x)
    rnn.set_weights(ref.get_weights())
    return ref, rnn, x


@pytest.mark.parametrize("cell_kwargs, layer_kwargs", [
    ({"filters": 3, "kernel_size": 3}, {}),
    ({"filters": 2, "kernel_size": (2, 3), "padding": "same", "bias_initializer": "random_uniform"},
     {"return_sequences": True, "go_backwards": True}),
    ({"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first"},
     {"return_sequences": True, "return_state": True}),
])
def test_conv_rnn_2d_equals_conv_lstm_2d(backend, cell_kwargs, layer_kwargs):
    ref, rnn, x = _pair(cell_kwargs, layer_kwargs)
    for got, want in zip([rnn(x)] if not layer_kwargs.get("return_state") else rnn(x),
                         [ref(x)] if not layer_kwargs.get("return_state") else ref(x)):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(rnn(x, mask=MASK).numpy() if not layer_kwargs.get("return_state") else
                                  rnn(x, mask=MASK)[0].numpy(),
                                  ref(x, mask=MASK).numpy() if not layer_kwargs.get("return_state") else
                                  ref(x, mask=MASK)[0].numpy())
    assert rnn.compute_output_shape(x.shape) == ref.compute_output_shape(x.shape)


def _hard_sigmoid(v):
    return np.clip(0.2 * v + 0.5, 0.0, 1.0)


def test_against_numpy(backend):
    """A 'valid' 2x2 ConvLSTM2DCell over three steps: z = conv(x, W) + conv_same(h, U) + b, gates i f c o."""
    rnn = ConvRNN2D(ConvLSTM2DCell(2, 2, bias_initializer="random_normal"), return_sequences=True)
    y = rnn(X).numpy()
    kernel, recurrent, bias = (w.astype("float64") for w in rnn.get_weights())
    f = 2
    h = np.zeros((2, 4, 3, f))
    c = np.zeros_like(h)
    outputs = []
    for t in range(3):
        # 'same' for a 2x2 recurrent kernel pads 0 before and 1 after, as TensorFlow's.
        z = (conv(X[:, t].astype("float64"), kernel, (1, 1), ((0, 0), (0, 0)), (1, 1))
             + conv(h, recurrent, (1, 1), ((0, 1), (0, 1)), (1, 1)) + bias)
        i, fg, g, o = (z[..., k * f:(k + 1) * f] for k in range(4))
        c = _hard_sigmoid(fg) * c + _hard_sigmoid(i) * np.tanh(g)
        h = _hard_sigmoid(o) * np.tanh(c)
        outputs.append(h)
    np.testing.assert_allclose(y, np.stack(outputs, 1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_the_generic_loop_equals_the_fused_cell(backend, go_backwards):
    """A convolutional cell without `_fused_sequence` is stepped by RNN's loop, masks included (the
    step mask broadcasts over images), with the same values and gradients."""
    kwargs = {"filters": 2, "kernel_size": 3, "padding": "same"}
    fused, stepped, x = _pair(kwargs, {"return_sequences": True, "go_backwards": go_backwards}, SteppedCell)
    np.testing.assert_allclose(stepped(x, mask=MASK).numpy(), fused(x, mask=MASK).numpy(), rtol=1e-6, atol=1e-6)
    grads = []
    for layer in (fused, stepped):
        with GradientTape() as tape:
            loss = keras.ops.sum(keras.ops.square(layer(x, mask=MASK)))
        grads.append([g.numpy() for g in tape.gradient(loss, layer.trainable_weights)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


def test_configs_round_trip_and_names(backend):
    cell = ConvLSTM2DCell(3, (3, 2), padding="same", dropout=0.25, recurrent_activation="sigmoid")
    assert cell.name == "conv_lst_m2d_cell"
    config = cell.get_config()
    assert "rank" not in config and config["kernel_size"] == (3, 2) and config["strides"] == (1, 1)
    assert ConvLSTM2DCell.from_config(config).get_config() == config
    rnn = ConvRNN2D(cell, return_sequences=True, stateful=False)
    assert rnn.name == "conv_rn_n2d"
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "ConvLSTM2DCell"
    assert {k: config[k] for k in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")} == \
        {"return_sequences": True, "return_state": False, "go_backwards": False, "stateful": False, "unroll": False}
    clone = ConvRNN2D.from_config(config)
    assert isinstance(clone.cell, ConvLSTM2DCell) and clone.get_config() == config
    assert convolutional_recurrent.ConvLSTM2D is layers.ConvLSTM2D
    # As tf.keras 2.x: neither is a public `keras.layers` name.
    assert not hasattr(layers, "ConvRNN2D") and not hasattr(layers, "ConvLSTM2DCell")


def test_trains_and_round_trips_through_h5(backend, tmp_path):
    model = keras.Sequential([keras.Input(X.shape[1:]),
                              ConvRNN2D(ConvLSTM2DCell(2, 3, padding="same"), return_sequences=False),
                              layers.Flatten(), layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    y = np.array([[1.0], [-1.0]], "float32")
    first = model.train_on_batch(X, y)
    for _ in range(5):
        last = model.train_on_batch(X, y)
    assert last < first
    assert [w.shape for w in model.layers[0].weights] == [(3, 3, 2, 8), (3, 3, 2, 8), (8,)]
    path = tmp_path / "conv_rnn.h5"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[0]) is ConvRNN2D and type(loaded.layers[0].cell) is ConvLSTM2DCell
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_states_and_stateful(backend):
    rnn = ConvRNN2D(ConvLSTM2DCell(2, 3), return_state=True)
    out, h, c = rnn(X)
    assert out.shape == h.shape == c.shape == (2, 3, 2, 2)
    # Starting from the states after X is running on X twice.
    again = rnn(X, initial_state=[h, c])[0]
    twice = rnn(np.concatenate([X, X], axis=1))[0]
    np.testing.assert_allclose(again.numpy(), twice.numpy(), rtol=1e-5, atol=1e-6)
    stateful = ConvRNN2D(ConvLSTM2DCell(2, 3), stateful=True)
    model = keras.Sequential([keras.Input(batch_shape=X.shape), stateful])
    first = model.predict(X, verbose=0)
    second = model.predict(X, verbose=0)
    assert not np.allclose(first, second)
    stateful.reset_states()
    np.testing.assert_allclose(model.predict(X, verbose=0), first, rtol=1e-6)


def test_errors():
    with pytest.raises(TypeError, match="Unrolling is not possible with convolutional RNNs. Received: unroll=True"):
        ConvRNN2D(ConvLSTM2DCell(2, 3), unroll=True)
    with pytest.raises(TypeError, match="It is not possible at the moment to stack convolutional cells"):
        ConvRNN2D([ConvLSTM2DCell(2, 3), ConvLSTM2DCell(2, 3)])
    with pytest.raises(ValueError, match=r"ConvRNN2D needs a convolutional cell, with the attributes \['filters', "
                                         r".*the cell SimpleRNNCell lacks \['filters', 'kernel_size'"):
        ConvRNN2D(layers.SimpleRNNCell(3))
    with pytest.raises(ValueError, match=r"ConvRNN2D needs a 2-D convolutional cell; received ConvLSTMCell with "
                                         r"kernel_size=\(3,\)"):
        ConvRNN2D(convolutional_recurrent.ConvLSTMCell(1, 2, 3))
    with pytest.raises(ValueError, match=r"ConvRNN2D takes batch-major inputs \(batch, time, ...\) only"):
        ConvRNN2D(ConvLSTM2DCell(2, 3), time_major=True)
    with pytest.raises(ValueError, match="Invalid value for argument `filters` of ConvLSTM2DCell. Expected a "
                                         "strictly positive integer. Received filters=0."):
        ConvLSTM2DCell(0, 3)
    rnn = ConvRNN2D(ConvLSTM2DCell(2, 6))
    with pytest.raises(ValueError, match=r'Layer "conv_rn_n2d" \(ConvRNN2D\): inputs of shape \(2, 3, 5, 4, 2\) '
                                         r"are too small for kernel_size \(6, 6\)"):
        rnn(X)
    assert rnn.weights == [] and not rnn.built
    with pytest.raises(ValueError, match=r'Input 0 of layer "conv_rn_n2d" \(ConvRNN2D\) is incompatible'):
        rnn(X[0])
