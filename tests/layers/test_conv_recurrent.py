"""ConvLSTM1D/2D/3D against a step-by-step NumPy reference (direct convolution loops from
tests/layers/conv_test_utils.py), `layer_test`, masks, states, dropout, saving and the errors they raise."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers, ops

from tests.layers.conv_test_utils import conv, tf_padding
from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(5)
X2 = RNG.standard_normal((2, 3, 5, 4, 2)).astype("float32")   # (batch, time, rows, cols, channels)
X1 = RNG.standard_normal((2, 4, 6, 3)).astype("float32")
X3 = RNG.standard_normal((2, 2, 3, 4, 3, 2)).astype("float32")
MASK = np.array([[True, False, True], [False, True, False]])


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def hard_sigmoid(v):
    return np.clip(0.2 * v + 0.5, 0.0, 1.0)


ACTIVATIONS = {"tanh": np.tanh, "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid,
               "relu": lambda v: np.maximum(v, 0.0)}


def np_conv(x, kernel, strides, padding, dilation):
    pads = tf_padding(padding, x.shape[1:-1], kernel.shape[:-2], strides, dilation)
    return conv(x, kernel, strides, pads, dilation)


def reference(kwargs, mask=None, initial=None, masks=None):
    """The layer's output (and states) from its weights, step by step in float64, channels_last.
    `masks`: the (input, recurrent) dropout masks, four each, one per gate, or None."""
    def ref(x, weights):
        x = x.astype("float64")
        rank = x.ndim - 3
        kernel, recurrent = weights[0].astype("float64"), weights[1].astype("float64")
        f = kernel.shape[-1] // 4
        bias = weights[2].astype("float64") if kwargs.get("use_bias", True) else np.zeros(4 * f)

        def tup(key, default):
            v = kwargs.get(key, default)
            return (v,) * rank if isinstance(v, int) else tuple(v)
        strides, dilation = tup("strides", 1), tup("dilation_rate", 1)
        padding = kwargs.get("padding", "valid")
        act = ACTIVATIONS[kwargs.get("activation", "tanh")]
        rec_act = ACTIVATIONS[kwargs.get("recurrent_activation", "hard_sigmoid")]
        dp, rdp = masks if masks is not None else (None, None)

        def gate_pre(step, h):
            z = []
            for k in range(4):
                gk = slice(k * f, (k + 1) * f)
                xi = step if dp is None else step * dp[k]
                hi = h if rdp is None else h * rdp[k]
                z.append(np_conv(xi, kernel[..., gk], strides, padding, dilation) + bias[gk]
                         + np_conv(hi, recurrent[..., gk], (1,) * rank, "same", (1,) * rank))
            return z

        probe = np_conv(x[:, 0], kernel[..., :f], strides, padding, dilation)
        h, c = initial if initial is not None else (np.zeros(probe.shape), np.zeros(probe.shape))
        steps = x.shape[1]
        order = range(steps - 1, -1, -1) if kwargs.get("go_backwards") else range(steps)
        outputs, prev = [], np.zeros(probe.shape)
        for t in order:
            zi, zf, zc, zo = gate_pre(x[:, t], h)
            new_c = rec_act(zf) * c + rec_act(zi) * act(zc)
            new_h = rec_act(zo) * act(new_c)
            if mask is not None:
                keep = mask[:, t].reshape((-1,) + (1,) * (rank + 1))
                new_h, new_c = np.where(keep, new_h, h), np.where(keep, new_c, c)
                out = np.where(keep, new_h, prev)
            else:
                out = new_h
            outputs.append(out)
            prev, h, c = out, new_h, new_c
        y = np.stack(outputs, 1) if kwargs.get("return_sequences") else outputs[-1]
        return (y, [h, c]) if kwargs.get("return_state") else y
    return ref


def expected_weights(rank, channels, kwargs):
    k = kwargs["kernel_size"]
    k = (k,) * rank if isinstance(k, int) else tuple(k)
    f = kwargs["filters"]
    names = [("conv_lstm_cell/kernel", k + (channels, 4 * f)),
             ("conv_lstm_cell/recurrent_kernel", k + (f, 4 * f))]
    if kwargs.get("use_bias", True):
        names.append(("conv_lstm_cell/bias", (4 * f,)))
    return names


CASES = [
    (layers.ConvLSTM2D, X2, {"filters": 3, "kernel_size": 3}),
    (layers.ConvLSTM2D, X2, {"filters": 2, "kernel_size": (2, 3), "padding": "same", "return_sequences": True}),
    (layers.ConvLSTM2D, X2, {"filters": 2, "kernel_size": 3, "padding": "same", "strides": 2,
                             "bias_initializer": "random_uniform"}),
    (layers.ConvLSTM2D, X2, {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "go_backwards": True,
                             "return_sequences": True, "use_bias": False}),
    (layers.ConvLSTM2D, X2, {"filters": 3, "kernel_size": (3, 2), "activation": "relu",
                             "recurrent_activation": "sigmoid", "unit_forget_bias": False,
                             "bias_initializer": "ones"}),
    (layers.ConvLSTM1D, X1, {"filters": 3, "kernel_size": 3, "padding": "same", "return_sequences": True}),
    (layers.ConvLSTM1D, X1, {"filters": 2, "kernel_size": 2, "strides": 2, "go_backwards": True}),
    (layers.ConvLSTM3D, X3, {"filters": 2, "kernel_size": 2, "return_sequences": True}),
]


@pytest.mark.parametrize("cls, x, kwargs", CASES,
                         ids=[f"{c.__name__}-{'-'.join(map(str, kw.values()))}" for c, _, kw in CASES])
def test_conv_lstm_layer(backend, cls, x, kwargs):
    rank = x.ndim - 3
    layer, _ = layer_test(cls, kwargs=kwargs, input_data=x, reference_fn=reference(kwargs),
                          expected_weights=expected_weights(rank, x.shape[-1], kwargs), rtol=1e-4, atol=1e-5)
    assert layer.name == {1: "conv_lst_m1d", 2: "conv_lst_m2d", 3: "conv_lst_m3d"}[rank]


def test_defaults_and_unit_forget_bias(backend):
    layer = layers.ConvLSTM2D(3, 2)
    layer(X2)
    assert layer.recurrent_activation is keras.activations.hard_sigmoid
    assert layer.activation is keras.activations.tanh
    assert layer.filters == 3 and layer.kernel_size == (2, 2) and layer.padding == "valid"
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    config = layer.get_config()
    for key in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major",
                "unit_forget_bias", "recurrent_dropout", "activity_regularizer", "recurrent_initializer"):
        assert key in config
    assert "cell" not in config and config["recurrent_activation"] == "hard_sigmoid"


def test_channels_first_matches_channels_last(backend):
    kwargs = {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True,
              "return_state": True}
    last = layers.ConvLSTM2D(**kwargs)
    first = layers.ConvLSTM2D(data_format="channels_first", **kwargs)
    xf = np.transpose(X2, (0, 1, 4, 2, 3))
    want = last(X2)
    first(xf)
    first.set_weights(last.get_weights())
    got = first(xf)
    np.testing.assert_allclose(got[0].numpy(), np.transpose(want[0].numpy(), (0, 1, 4, 2, 3)), rtol=1e-5,
                               atol=1e-6)
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_allclose(g.numpy(), np.transpose(w.numpy(), (0, 3, 1, 2)), rtol=1e-5, atol=1e-6)
    assert [tuple(s) for s in first.compute_output_shape((None, 3, 2, 5, 4))] == \
        [(None, 3, 2, 5, 4), (None, 2, 5, 4), (None, 2, 5, 4)]
    layer_test(layers.ConvLSTM2D, kwargs={"filters": 2, "kernel_size": 2, "data_format": "channels_first"},
               input_data=xf, rtol=1e-4, atol=1e-5,
               reference_fn=lambda x, w: np.transpose(
                   reference({"filters": 2})(np.transpose(x, (0, 1, 3, 4, 2)), w), (0, 3, 1, 2)))


@pytest.mark.parametrize("go_backwards", [False, True])
def test_mask_carries_states_and_repeats_outputs(backend, go_backwards):
    kwargs = {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True,
              "return_state": True, "go_backwards": go_backwards}
    layer = layers.ConvLSTM2D(**kwargs)
    result = layer(X2, mask=MASK)
    want_out, want_states = reference(kwargs, mask=MASK)(X2, layer.get_weights())
    np.testing.assert_allclose(result[0].numpy(), want_out, rtol=1e-4, atol=1e-5)
    for got, want in zip(result[1:], want_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)
    out = result[0].numpy()
    if go_backwards:
        # Row 0 runs t=2 (kept), t=1 (masked): the masked step repeats the previous output.
        np.testing.assert_array_equal(out[0, 1], out[0, 0])
    else:
        np.testing.assert_array_equal(out[1, 0], 0.0)  # row 1 starts masked: nothing to repeat yet


@pytest.mark.parametrize("go_backwards", [False, True])
def test_recorded_and_unrecorded_calls_agree(backend, go_backwards):
    # Under a tape the input convolution runs per step, otherwise once over the folded sequence.
    kwargs = {"filters": 2, "kernel_size": 3, "strides": 2, "return_sequences": True, "return_state": True,
              "go_backwards": go_backwards}
    layer = layers.ConvLSTM2D(**kwargs)
    x = ops.zeros(X2.shape) + X2
    free = layer(x, mask=MASK)
    with GradientTape() as tape:
        tape.watch(x)
        recorded = layer(x, mask=MASK)
        loss = ops.sum(ops.square(recorded[0]))
    want_out, want_states = reference(kwargs, mask=MASK)(X2, layer.get_weights())
    for got, want in zip(free, [want_out] + want_states):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-5)
    for got, want in zip(recorded, free):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    g = tape.gradient(loss, x).numpy()
    assert g.dtype == np.float32 and np.all(np.isfinite(g)) and np.any(g[:, 0] != 0) and np.any(g[:, 2] != 0)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_float64_gradients_match_finite_differences(backend, go_backwards):
    layer = layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True, return_state=True,
                              go_backwards=go_backwards, dtype="float64", bias_initializer="random_uniform")
    x = 0.5 * RNG.standard_normal((2, 3, 4, 3, 2))
    h0, c0 = 0.3 * RNG.standard_normal((2, 2, 4, 3, 2))
    layer(x)

    def fn(x, h0, c0):
        return layer(x, initial_state=[h0, c0], mask=MASK)
    assert keras.gradcheck(fn, [x, h0, c0])


def test_bidirectional(backend):
    kwargs = {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True}
    layer = layers.Bidirectional(layers.ConvLSTM2D(**kwargs))
    out = layer(X2).numpy()
    forward = reference(kwargs)(X2, layer.forward_layer.get_weights())
    backward = reference(dict(kwargs, go_backwards=True))(X2, layer.backward_layer.get_weights())
    np.testing.assert_allclose(out, np.concatenate([forward, backward[:, ::-1]], axis=-1), rtol=1e-4, atol=1e-5)
    assert tuple(layer.compute_output_shape((None,) + X2.shape[1:])) == (None, 3, 5, 4, 4)


def test_per_pixel_masks_are_refused(backend):
    # Masking gives a (batch, time, rows, cols) mask; a ConvLSTM masks whole timesteps only (tf.keras's
    # K.rnn cannot tile such a mask either), so it is refused with the expected shape.
    masked = layers.Masking(0.0)(X2)
    with pytest.raises(ValueError, match=r'The mask of layer "conv_lst_m2d" \(ConvLSTM2D\) must have shape '
                                         r"\(batch, timesteps\) = \(2, 3\), received shape \(2, 3, 5, 4\)"):
        layers.ConvLSTM2D(2, 3)(masked)


def test_initial_state_and_return_state(backend):
    kwargs = {"filters": 2, "kernel_size": 3, "return_state": True}
    initial = [RNG.standard_normal((2, 3, 2, 2)).astype("float32") for _ in range(2)]
    layer = layers.ConvLSTM2D(**kwargs)
    out, h, c = layer(X2, initial_state=initial)
    want_out, (want_h, want_c) = reference(kwargs, initial=[s.astype("float64") for s in initial])(
        X2, layer.get_weights())
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), out.numpy())  # the output is the h state
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-4, atol=1e-5)
    assert [s.shape for s in layer.get_initial_state(ops.zeros((4,) + X2.shape[1:]))] == [(4, 3, 2, 2)] * 2
    initial_t = [ops.zeros((2, 3, 2, 2)) + 0.5, ops.zeros((2, 3, 2, 2))]
    with GradientTape() as tape:
        tape.watch(initial_t[0])
        loss = ops.sum(layer(X2, initial_state=initial_t)[0])
    g = tape.gradient(loss, initial_t[0]).numpy()
    assert g.dtype == np.float32 and np.all(np.isfinite(g)) and np.any(g != 0)


def test_stateful_continues_from_the_last_batch(backend):
    layer = layers.ConvLSTM2D(2, 3, padding="same", stateful=True, return_sequences=True)
    first = layer(X2[:, :2]).numpy()
    second = layer(X2[:, 2:]).numpy()
    whole = reference({"filters": 2, "padding": "same", "return_sequences": True})(X2, layer.get_weights())
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-4, atol=1e-5)
    layer.reset_states()
    np.testing.assert_allclose(layer(X2[:, :2]).numpy(), first, rtol=1e-6)
    values = [np.full((2, 5, 4, 2), 0.3, "float32")] * 2
    layer.reset_states(values)
    want = reference({"filters": 2, "padding": "same", "return_sequences": True},
                     initial=[v.astype("float64") for v in values])
    np.testing.assert_allclose(layer(X2).numpy(), want(X2, layer.get_weights()), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dropout, recurrent_dropout", [(0.5, 0.0), (0.0, 0.4), (0.3, 0.3)])
def test_dropout_masks_per_gate(backend, dropout, recurrent_dropout):
    kwargs = {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True}
    layer = layers.ConvLSTM2D(dropout=dropout, recurrent_dropout=recurrent_dropout, **kwargs)
    inference = layer(X2).numpy()
    np.testing.assert_allclose(inference, reference(kwargs)(X2, layer.get_weights()), rtol=1e-4, atol=1e-5)
    with GradientTape() as tape:
        out = layer(X2, training=True)
        loss = ops.sum(ops.square(out))
    cell = layer.cell
    # The masks drawn for this call stay on the cell until the next call: the reference reuses them.
    masks = tuple(None if m is None else [v.numpy().astype("float64") for v in m]
                  for m in (cell._dropout_mask, cell._recurrent_dropout_mask))
    assert (masks[0] is not None) == (dropout > 0) and (masks[1] is not None) == (recurrent_dropout > 0)
    assert masks[0] is None or (len(masks[0]) == 4 and not np.array_equal(masks[0][0], masks[0][1]))
    np.testing.assert_allclose(out.numpy(), reference(kwargs, masks=masks)(X2, layer.get_weights()),
                               rtol=1e-4, atol=1e-5)
    assert not np.allclose(out.numpy(), inference, atol=1e-3)
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(g.dtype == "float32" and np.all(np.isfinite(g.numpy())) for g in grads)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cell_step_matches_the_layer(backend, data_format):
    layer = layers.ConvLSTM2D(2, 3, padding="same", return_state=True, data_format=data_format)
    x = X2[:, :1] if data_format == "channels_last" else np.transpose(X2[:, :1], (0, 1, 4, 2, 3))
    out, h, c = layer(x)
    zeros = layer.get_initial_state(x)
    step_h, (h2, c2) = layer.cell.call(x[:, 0], zeros)
    np.testing.assert_allclose(step_h.numpy(), out.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(c2.numpy(), c.numpy(), rtol=1e-6, atol=1e-7)


def test_in_a_model_trains_and_round_trips_through_h5(backend, tmp_path):
    model = keras.Sequential([layers.ConvLSTM2D(3, 3, padding="same", input_shape=X2.shape[1:]),
                              layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = np.array([0, 1])
    first = model.train_on_batch(X2, y)
    for _ in range(4):
        last = model.train_on_batch(X2, y)
    assert np.isfinite(first) and last < first
    assert [w.name for w in model.weights[:3]] == ["conv_lst_m2d/conv_lstm_cell/kernel:0",
                                                   "conv_lst_m2d/conv_lstm_cell/recurrent_kernel:0",
                                                   "conv_lst_m2d/conv_lstm_cell/bias:0"]
    path = str(tmp_path / "conv_lstm.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X2, verbose=0), model.predict(X2, verbose=0), rtol=1e-6)
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]
    assert loaded.layers[0].get_config() == model.layers[0].get_config()


# ---------------------------------------------------------------- errors
def test_wrong_input_rank_and_channels(backend):
    layer = layers.ConvLSTM2D(2, 3)
    with pytest.raises(ValueError, match=r'Input 0 of layer "conv_lst_m2d" \(ConvLSTM2D\) is incompatible: '
                                         r"expected ndim=5, found ndim=4\. Full shape received: \(2, 3, 5, 4\)"):
        layer(X2[..., 0])
    layer(X2)
    with pytest.raises(ValueError, match=r'Input 0 of layer "conv_lst_m2d" \(ConvLSTM2D\) is incompatible: '
                                         r"expected last dimension 2, received input with shape "
                                         r"\(2, 3, 5, 4, 1\)"):
        layer(X2[..., :1])
    first = layers.ConvLSTM1D(2, 3, data_format="channels_first")
    first(np.transpose(X1, (0, 1, 3, 2)))
    with pytest.raises(ValueError, match=r'layer "conv_lst_m1d" \(ConvLSTM1D\) is incompatible: expected '
                                         r"axis 2 3, received input with shape \(2, 4, 2, 6\)"):
        first(np.transpose(X1, (0, 1, 3, 2))[:, :, :2])


def test_inputs_too_small(backend):
    with pytest.raises(ValueError, match=r'Layer "conv_lst_m2d" \(ConvLSTM2D\): inputs of shape '
                                         r"\(2, 3, 5, 4, 2\) are too small for kernel_size \(5, 5\) with padding "
                                         r"'valid': the output would have spatial shape \(1, 0\)"):
        layers.ConvLSTM2D(2, 5)(X2)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Invalid value for argument `filters` of ConvLSTMCell\. Expected a "
                                         r"strictly positive integer\. Received filters=0\."):
        layers.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match=r'The `padding` argument of ConvLSTMCell must be "valid" or "same"\. '
                                         r"Received: causal"):
        layers.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"`strides > 1` not supported in conjunction with `dilation_rate > 1`"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"The `kernel_size` argument must be a tuple of 2 integers\. "
                                         r"Received: \(3, 3, 3\)"):
        layers.ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match=r"invalid value for argument `dropout` of ConvLSTMCell, expected a "
                                         r"float in \[0, 1\), got 1.5"):
        layers.ConvLSTM2D(2, 3, dropout=1.5)
    with pytest.raises(TypeError, match=r"Unrolling is not possible with convolutional RNNs\. "
                                        r"Received: unroll=True"):
        layers.ConvLSTM2D(2, 3, unroll=True)
    with pytest.raises(ValueError, match=r"ConvLSTM3D takes batch-major inputs"):
        layers.ConvLSTM3D(2, 3, time_major=True)


def test_bad_states_and_masks(backend):
    layer = layers.ConvLSTM2D(2, 3)
    with pytest.raises(ValueError, match=r'Layer "conv_lst_m2d" \(ConvLSTM2D\) expects 2 initial state\(s\) '
                                         r"\(cell.state_size=\[2, 2\]\), but it received 1 initial state tensor"):
        layer(X2, initial_state=[np.zeros((2, 3, 2, 2), "float32")])
    with pytest.raises(ValueError, match=r'Initial state 1 of layer "conv_lst_m2d" \(ConvLSTM2D\) is '
                                         r"incompatible: expected shape \(2, 3, 2, 2\), received shape "
                                         r"\(2, 5, 4, 2\)"):
        layer(X2, initial_state=[np.zeros((2, 3, 2, 2), "float32"), np.zeros((2, 5, 4, 2), "float32")])
    with pytest.raises(ValueError, match=r'The mask of layer "conv_lst_m2d" \(ConvLSTM2D\) must have shape '
                                         r"\(batch, timesteps\) = \(2, 3\), received shape \(2, 2\)"):
        layer(X2, mask=MASK[:, :2])
    with pytest.raises(AttributeError, match="Layer must be stateful."):
        layer.reset_states()


def test_stateful_errors(backend):
    with pytest.raises(ValueError, match=r'Layer "conv_lst_m2d" \(ConvLSTM2D\) is stateful, so it needs to '
                                         r"know its batch size and the spatial size of its inputs"):
        layers.ConvLSTM2D(2, 3, stateful=True)(layers.Input(shape=X2.shape[1:]))
    layer = layers.ConvLSTM2D(2, 3, stateful=True)
    layer(X2)
    with pytest.raises(ValueError, match=r'Layer "conv_lst_m2d_1" \(ConvLSTM2D\) is stateful with states of '
                                         r"shape \(2, 3, 2, 2\), but inputs of shape \(1, 3, 5, 4, 2\) need "
                                         r"states of shape \(1, 3, 2, 2\)"):
        layer(X2[:1])
    with pytest.raises(ValueError, match=r'State 0 of layer "conv_lst_m2d_1" \(ConvLSTM2D\) is incompatible: '
                                         r"expected shape \(2, 3, 2, 2\), received shape \(2, 2\)"):
        layer.reset_states([np.zeros((2, 2))] * 2)
