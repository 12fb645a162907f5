"""The cells (step by step), `RNN` over built-in and user cells, `StackedRNNCells` and `Bidirectional`,
against step-by-step NumPy references (tests/backends/test_kernels_rnn.py)."""
import numpy as np
import pytest

from kerasx import layers, ops
from kerasx.saving.object_registration import CustomObjectScope

from tests.backends.test_kernels_rnn import gru_step, lstm_step, ref_rnn, simple_step
from tests.layers.layer_test_utils import layer_test
from tests.layers.test_recurrent import MASK, X, reference

RNG = np.random.default_rng(5)


def _f64(weights):
    return [w.astype("float64") for w in weights]


# ---------------------------------------------------------------- cells, one step at a time
@pytest.mark.parametrize("cell_cls, n_states", [(layers.LSTMCell, 2), (layers.GRUCell, 1),
                                                (layers.SimpleRNNCell, 1)])
def test_cell_step(backend, cell_cls, n_states):
    cell = cell_cls(3)
    states = [RNG.standard_normal((3, 3)).astype("float32") for _ in range(n_states)]
    out, new_states = cell(X[:, 0], states)
    w = _f64(cell.get_weights())
    step = {layers.LSTMCell: lambda: lstm_step(*w), layers.GRUCell: lambda: gru_step(*w),
            layers.SimpleRNNCell: lambda: simple_step(*w)}[cell_cls]()
    want_out, want_states = step(X[:, 0].astype("float64"), [s.astype("float64") for s in states])
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-5, atol=1e-6)
    assert len(new_states) == n_states
    for got, want in zip(new_states, want_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    name = {layers.LSTMCell: "lstm_cell", layers.GRUCell: "gru_cell",
            layers.SimpleRNNCell: "simple_rnn_cell"}[cell_cls]
    assert [w.name for w in cell.weights] == [f"{name}/{w}:0" for w in ("kernel", "recurrent_kernel", "bias")]
    rebuilt = cell_cls.from_config(cell.get_config())
    assert rebuilt.get_config() == cell.get_config()
    assert cell.state_size == ([3, 3] if n_states == 2 else 3)


def test_gru_cell_reset_before_has_a_flat_bias(backend):
    cell = layers.GRUCell(2, reset_after=False)
    out, [h] = cell(X[:, 0], [np.zeros((3, 2), "float32")])
    assert cell.bias.shape == (6,)
    step = gru_step(*_f64(cell.get_weights()), reset_after=False)
    want, _ = step(X[:, 0].astype("float64"), [np.zeros((3, 2))])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- RNN over a user cell
class MinimalRNNCell(layers.Layer):
    """The cell of the Keras RNN guide: ``h = x @ kernel + h_tm1 @ recurrent_kernel``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", shape=(input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight("recurrent_kernel", shape=(self.units, self.units),
                                                initializer="orthogonal")
        self.built = True

    def call(self, inputs, states):
        output = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(states[0], self.recurrent_kernel))
        return output, [output]

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


def _minimal_reference(kwargs, mask=None):
    def ref(x, weights):
        k, rk = _f64(weights)
        step = simple_step(k, rk, np.zeros(k.shape[1]), "linear")
        out, states = ref_rnn(step, x.astype("float64"), [np.zeros((x.shape[0], k.shape[1]))], mask,
                              kwargs.get("go_backwards", False))
        return out if kwargs.get("return_sequences") else out[:, -1]
    return ref


@pytest.mark.parametrize("rnn_kwargs", [{}, {"return_sequences": True}, {"go_backwards": True},
                                        {"go_backwards": True, "return_sequences": True}])
def test_rnn_over_a_user_cell(backend, rnn_kwargs):
    with CustomObjectScope({"MinimalRNNCell": MinimalRNNCell}):
        layer, _ = layer_test(layers.RNN, kwargs=dict(cell=MinimalRNNCell(3), **rnn_kwargs), input_data=X,
                              reference_fn=_minimal_reference(rnn_kwargs),
                              expected_weights=[("minimal_rnn_cell/kernel", (4, 3)),
                                                ("minimal_rnn_cell/recurrent_kernel", (3, 3))],
                              rtol=1e-4, atol=1e-5)


def test_rnn_over_a_user_cell_with_mask_and_state(backend):
    layer = layers.RNN(MinimalRNNCell(2), return_sequences=True, return_state=True)
    out, h = layer(X, mask=MASK)
    want = _minimal_reference({"return_sequences": True}, mask=MASK)(X, layer.get_weights())
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    # Rows 0 and 2 end on a kept step: the state is the last output.
    np.testing.assert_allclose(h.numpy()[[0, 2]], want[[0, 2], -1], rtol=1e-4, atol=1e-5)
    # Row 1 ends with two masked steps: its state stays at the last kept step's output.
    np.testing.assert_allclose(h.numpy()[1], want[1, 2], rtol=1e-5, atol=1e-6)  # float32 against float64


@pytest.mark.parametrize("cell_cls, kind", [(layers.LSTMCell, "lstm"), (layers.GRUCell, "gru"),
                                            (layers.SimpleRNNCell, "simple_rnn")])
def test_rnn_over_a_builtin_cell_equals_the_layer(backend, cell_cls, kind):
    kwargs = {"units": 3, "return_sequences": True}
    layer_test(layers.RNN, kwargs={"cell": cell_cls(3), "return_sequences": True}, input_data=X,
               reference_fn=reference(kind, kwargs), rtol=1e-4, atol=1e-5)


def test_stacked_cells(backend):
    layer = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_sequences=True, return_state=True)
    out, h1, c1, h2 = layer(X, mask=MASK)
    w = _f64(layer.get_weights())
    lstm, gru = lstm_step(*w[:3]), gru_step(*w[3:])

    def step(x, states):
        o1, s1 = lstm(x, states[:2])
        o2, s2 = gru(o1, states[2:])
        return o2, s1 + s2
    zeros = [np.zeros((3, 3)), np.zeros((3, 3)), np.zeros((3, 2))]
    want_out, want_states = ref_rnn(step, X.astype("float64"), zeros, MASK)
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-4, atol=1e-5)
    for got, want in zip((h1, c1, h2), want_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)
    assert [w.name for w in layer.weights][::3] == ["rnn/stacked_rnn_cells/lstm_cell/kernel:0",
                                                    "rnn/stacked_rnn_cells/gru_cell/kernel:0"]
    assert layer.cell.state_size == [[3, 3], 2]


def test_stacked_cells_layer_test(backend):
    cells = layers.StackedRNNCells([layers.SimpleRNNCell(3), layers.SimpleRNNCell(2)])

    def ref(x, weights):
        w = _f64(weights)
        first, second = simple_step(*w[:3]), simple_step(*w[3:])

        def step(xt, states):
            o1, s1 = first(xt, states[:1])
            o2, s2 = second(o1, states[1:])
            return o2, s1 + s2
        return ref_rnn(step, x.astype("float64"), [np.zeros((3, 3)), np.zeros((3, 2))])[0][:, -1]
    layer_test(layers.RNN, kwargs={"cell": cells}, input_data=X, reference_fn=ref, rtol=1e-4, atol=1e-5)


def test_rnn_errors():
    with pytest.raises(ValueError, match=r"Argument `cell` should have a `call` method\. Received: cell=3"):
        layers.RNN(3)

    class NoStateSize(layers.Layer):
        def call(self, inputs, states):
            return inputs, states
    with pytest.raises(ValueError, match=r"The RNN cell should have a `state_size` attribute"):
        layers.RNN(NoStateSize())
    with pytest.raises(ValueError, match=r"Every cell of StackedRNNCells should have a `call` method"):
        layers.StackedRNNCells([layers.LSTMCell(2), "lstm"])


# ---------------------------------------------------------------- Bidirectional
def _bidirectional_reference(kind, merge_mode, return_sequences, mask=None):
    def ref(x, weights):
        n = len(weights) // 2
        kwargs = {"units": 2, "return_sequences": True}
        fw = reference(kind, kwargs, mask=mask)(x, weights[:n])
        bw = reference(kind, dict(kwargs, go_backwards=True), mask=mask)(x, weights[n:])
        if mask is not None:
            # Inside Bidirectional, masked steps output zeros in both directions.
            keep = mask[:, :, None]
            fw, bw = np.where(keep, fw, 0.0), np.where(keep[:, ::-1], bw, 0.0)
        if return_sequences:
            bw = bw[:, ::-1]
        else:
            fw, bw = fw[:, -1], bw[:, -1]
        return {"concat": lambda: np.concatenate([fw, bw], -1), "sum": lambda: fw + bw,
                "ave": lambda: (fw + bw) / 2, "mul": lambda: fw * bw}[merge_mode]()
    return ref


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional(backend, merge_mode, return_sequences):
    inner = layers.LSTM(2, return_sequences=return_sequences)
    layer_test(layers.Bidirectional, kwargs={"layer": inner, "merge_mode": merge_mode}, input_data=X,
               reference_fn=_bidirectional_reference("lstm", merge_mode, return_sequences),
               expected_weights=[("forward_lstm/lstm_cell_1/kernel", (4, 8)),
                                 ("forward_lstm/lstm_cell_1/recurrent_kernel", (2, 8)),
                                 ("forward_lstm/lstm_cell_1/bias", (8,)),
                                 ("backward_lstm/lstm_cell_2/kernel", (4, 8)),
                                 ("backward_lstm/lstm_cell_2/recurrent_kernel", (2, 8)),
                                 ("backward_lstm/lstm_cell_2/bias", (8,))],
               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind, cls", [("gru", layers.GRU), ("simple_rnn", layers.SimpleRNN)])
def test_bidirectional_with_mask(backend, kind, cls):
    layer = layers.Bidirectional(cls(2, return_sequences=True))
    out = layer(X, mask=MASK).numpy()
    want = _bidirectional_reference(kind, "concat", True, mask=MASK)(X, layer.get_weights())
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)


def test_bidirectional_merge_none_and_states(backend):
    layer = layers.Bidirectional(layers.LSTM(2, return_state=True), merge_mode=None)
    fw, bw, h_f, c_f, h_b, c_b = layer(X)
    want_fw = reference("lstm", {"units": 2})(X, layer.get_weights()[:3])
    np.testing.assert_allclose(fw.numpy(), want_fw, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_f.numpy(), fw.numpy())
    np.testing.assert_allclose(h_b.numpy(), bw.numpy())
    shapes = layer.compute_output_shape((None, 5, 4))
    assert [tuple(s) for s in shapes] == [(None, 2)] * 6


def test_bidirectional_backward_layer_and_config(backend):
    backward = layers.GRU(2, go_backwards=True, reset_after=False, name="back")
    layer = layers.Bidirectional(layers.GRU(2), backward_layer=backward, merge_mode="sum")
    out = layer(X).numpy()
    w = layer.get_weights()
    fw = reference("gru", {"units": 2})(X, w[:3])
    bw = reference("gru", {"units": 2, "reset_after": False, "go_backwards": True})(X, w[3:])
    np.testing.assert_allclose(out, fw + bw, rtol=1e-4, atol=1e-5)
    config = layer.get_config()
    assert config["backward_layer"]["class_name"] == "GRU" and config["layer"]["config"]["name"] == "gru"
    rebuilt = layers.Bidirectional.from_config(config)
    rebuilt(X)
    rebuilt.set_weights(w)
    np.testing.assert_allclose(rebuilt(X).numpy(), out, rtol=1e-6)


def test_bidirectional_initial_state(backend):
    layer = layers.Bidirectional(layers.SimpleRNN(2), merge_mode="concat")
    h_f, h_b = np.full((3, 2), 0.5, "float32"), np.full((3, 2), -0.5, "float32")
    out = layer(X, initial_state=[h_f, h_b]).numpy()
    w = layer.get_weights()
    fw = reference("simple_rnn", {"units": 2}, initial=[h_f.astype("float64")])(X, w[:3])
    bw = reference("simple_rnn", {"units": 2, "go_backwards": True},
                   initial=[h_b.astype("float64")])(X, w[3:])
    np.testing.assert_allclose(out, np.concatenate([fw, bw], -1), rtol=1e-4, atol=1e-5)


def test_bidirectional_errors():
    with pytest.raises(ValueError, match=r"Please initialize `Bidirectional` layer with a "
                                         r"`tf.keras.layers.Layer` instance\. Received: 3"):
        layers.Bidirectional(3)
    with pytest.raises(ValueError, match=r"Invalid merge mode\. Received: max\. Merge mode should be one of"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match=r"`backward_layer` need to be a `tf.keras.layers.Layer` instance"):
        layers.Bidirectional(layers.LSTM(2), backward_layer="lstm")
    with pytest.raises(ValueError, match=r"Forward layer and backward layer should have different "
                                         r"`go_backwards` value"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match=r"should have the same `return_sequences`"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True,
                                                                        return_sequences=True))
    with pytest.raises(ValueError, match=r'Input 0 of layer "bidirectional" \(Bidirectional\) is '
                                         r"incompatible: expected ndim=3, found ndim=2"):
        layers.Bidirectional(layers.LSTM(2))(X[:, 0])


class _LoopedGRUCell(layers.GRUCell):
    """Overrides `call`: a stack holding it cannot take the fused path, so RNN steps it."""

    def call(self, inputs, states, training=None):
        return super().call(inputs, states, training=training)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_stacked_cells_fused_equals_stepped(backend, go_backwards):
    kwargs = {"return_sequences": True, "return_state": True, "go_backwards": go_backwards}
    fused = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], **kwargs)
    stepped = layers.RNN([layers.LSTMCell(3), _LoopedGRUCell(2)], **kwargs)
    a = fused(X, mask=MASK)
    stepped(X)
    stepped.set_weights(fused.get_weights())
    b = stepped(X, mask=MASK)
    for got, want in zip(a, b):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


class _MinimalRNNCell(layers.AbstractRNNCell):
    """tf.keras's AbstractRNNCell example: h = x K + h_prev R, two states of which one is a running sum."""

    def __init__(self, units, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    @property
    def state_size(self):
        return [self.units, self.units]

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", shape=(input_shape[-1], self.units), initializer="uniform")
        self.recurrent_kernel = self.add_weight("recurrent_kernel", shape=(self.units, self.units),
                                                initializer="uniform")
        self.built = True

    def call(self, inputs, states):
        h = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(states[0], self.recurrent_kernel))
        return h, [h, ops.add(states[1], h)]

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


def test_abstract_rnn_cell_subclass_runs_in_rnn(backend):
    cell = _MinimalRNNCell(3)
    init = cell.get_initial_state(inputs=X[:, 0], batch_size=X.shape[0], dtype="float32")
    assert [tuple(s.shape) for s in init] == [(X.shape[0], 3)] * 2 and all((s.numpy() == 0).all() for s in init)
    rnn = layers.RNN(cell, return_sequences=True, return_state=True)
    seq, h, total = rnn(X)
    k, r = (w.numpy().astype("float64") for w in cell.weights)
    want_h, want_total, outs = np.zeros((X.shape[0], 3)), np.zeros((X.shape[0], 3)), []
    for t in range(X.shape[1]):
        want_h = X[:, t].astype("float64") @ k + want_h @ r
        want_total = want_total + want_h
        outs.append(want_h)
    np.testing.assert_allclose(seq.numpy(), np.stack(outs, 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(total.numpy(), want_total, rtol=1e-5, atol=1e-6)
    with CustomObjectScope({"_MinimalRNNCell": _MinimalRNNCell}):
        again = layers.deserialize(layers.serialize(rnn))
    assert type(again.cell) is _MinimalRNNCell and again.cell.units == 3


def test_abstract_rnn_cell_leaves_its_contract_abstract():
    cell = layers.AbstractRNNCell()
    for what in ("state_size", "output_size"):
        with pytest.raises(NotImplementedError):
            getattr(cell, what)
    with pytest.raises(NotImplementedError):
        cell.call(X[:, 0], [X[:, 0]])
