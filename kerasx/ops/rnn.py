"""Whole-sequence recurrent primitives: one node per layer call, whose VJP runs the backward kernel.

Positional inputs are ``x, kernel, recurrent_kernel, bias, *initial_states``, then the optional bool
``mask (batch, timesteps)`` and the optional recurrent-dropout mask ``(batch, units)``; the static
``masked``/``dropped`` flags say which of the two follow, so that absent ones are not passed at all.
The public wrappers (`lstm`, `gru`, `simple_rnn`) take them as keywords.
"""
from kerasx.autodiff.primitive import primitive
from kerasx.ops import rnn_composed


def _extras(extra, masked, dropped):
    extra = list(extra)
    mask = extra.pop(0) if masked else None
    rmask = extra.pop(0) if dropped else None
    return mask, rmask


def _tail_grads(masked, dropped, drm):
    """Gradients of the optional inputs: none for the bool mask, the kernel's for the dropout mask."""
    return ((None,) if masked else ()) + ((drm,) if dropped else ())


def _check(name, x, kernel, recurrent_kernel, gates):
    if x.ndim != 3:
        raise ValueError(f"{name}: expected inputs of shape (batch, timesteps, features), received shape "
                         f"{tuple(x.shape)}.")
    units = recurrent_kernel.shape[0]
    if kernel.shape != (x.shape[2], gates * units) or recurrent_kernel.shape != (units, gates * units):
        raise ValueError(f"{name}: kernel {tuple(kernel.shape)} and recurrent_kernel "
                         f"{tuple(recurrent_kernel.shape)} do not fit inputs {tuple(x.shape)}: expected "
                         f"({x.shape[2]}, {gates * units}) and ({units}, {gates * units}).")


# ------------------------------------------------------------------ LSTM
def _lstm_fwd(b, x, kernel, recurrent_kernel, bias, h0, c0, *extra, masked=False, dropped=False,
              go_backwards=False, zero_output_for_mask=False):
    _check("lstm", x, kernel, recurrent_kernel, 4)
    mask, rmask = _extras(extra, masked, dropped)
    out, h, c, cache = b.lstm_forward(x, kernel, recurrent_kernel, bias, h0, c0, mask, rmask,
                                      go_backwards, zero_output_for_mask)
    return (out, h, c), cache


def _lstm_vjp(b, g, cache, needs, masked=False, dropped=False, go_backwards=False,
              zero_output_for_mask=False):
    dx, dk, drk, db, dh0, dc0, drm = b.lstm_backward(g[0], g[1], g[2], cache)
    return (dx, dk, drk, db, dh0, dc0) + _tail_grads(masked, dropped, drm)


def _rnn_sample_inputs(rng, gates, batch=2, steps=3, features=3, units=2, bias_shape=None):
    x = rng.standard_normal((batch, steps, features))
    kernel = rng.standard_normal((features, gates * units)) * 0.5
    recurrent = rng.standard_normal((units, gates * units)) * 0.5
    bias = rng.standard_normal(bias_shape or (gates * units,)) * 0.5
    h0 = rng.standard_normal((batch, units)) * 0.5
    mask = rng.random((batch, steps)) > 0.4
    mask[:, 0] = False  # a leading masked step exercises "previous output" before any real one
    mask[:, 1] = True
    rmask = rng.uniform(0.5, 1.5, (batch, units))
    return x, kernel, recurrent, bias, h0, mask, rmask


def _lstm_samples(rng):
    x, k, rk, bias, h0, mask, rmask = _rnn_sample_inputs(rng, 4)
    c0 = rng.standard_normal(h0.shape) * 0.5
    base = (x, k, rk, bias, h0, c0)
    return [(base, {}),
            (base + (mask,), {"masked": True, "go_backwards": True}),
            (base + (mask, rmask), {"masked": True, "dropped": True, "zero_output_for_mask": True}),
            (base + (rmask,), {"dropped": True})]


lstm_p = primitive("lstm", _lstm_fwd, _lstm_vjp, _lstm_samples, n_outputs=3,
                   diff_vjp=rnn_composed.vjp_by_recomputing(rnn_composed.lstm),
                   doc="A whole LSTM sequence: (outputs (batch, timesteps, units), h, c).")


def lstm(x, kernel, recurrent_kernel, bias, h0, c0, mask=None, recurrent_mask=None, go_backwards=False,
         zero_output_for_mask=False):
    """``(outputs, h, c)`` of an LSTM over the whole sequence `x` (tf.keras gate order i, f, c, o)."""
    extra = tuple(m for m in (mask, recurrent_mask) if m is not None)
    return lstm_p(x, kernel, recurrent_kernel, bias, h0, c0, *extra, masked=mask is not None,
                  dropped=recurrent_mask is not None, go_backwards=go_backwards,
                  zero_output_for_mask=zero_output_for_mask)


# ------------------------------------------------------------------ GRU
def _gru_fwd(b, x, kernel, recurrent_kernel, bias, h0, *extra, masked=False, dropped=False,
             go_backwards=False, zero_output_for_mask=False, reset_after=True):
    _check("gru", x, kernel, recurrent_kernel, 3)
    mask, rmask = _extras(extra, masked, dropped)
    out, h, cache = b.gru_forward(x, kernel, recurrent_kernel, bias, h0, mask, rmask, go_backwards,
                                  zero_output_for_mask, reset_after)
    return (out, h), cache


def _gru_vjp(b, g, cache, needs, masked=False, dropped=False, go_backwards=False,
             zero_output_for_mask=False, reset_after=True):
    dx, dk, drk, db, dh0, drm = b.gru_backward(g[0], g[1], cache)
    return (dx, dk, drk, db, dh0) + _tail_grads(masked, dropped, drm)


def _gru_samples(rng):
    samples = []
    for reset_after in (True, False):
        x, k, rk, bias, h0, mask, rmask = _rnn_sample_inputs(
            rng, 3, bias_shape=(2, 6) if reset_after else (6,))
        base = (x, k, rk, bias, h0)
        samples += [(base, {"reset_after": reset_after}),
                    (base + (mask,), {"masked": True, "go_backwards": True, "reset_after": reset_after}),
                    (base + (mask, rmask), {"masked": True, "dropped": True, "zero_output_for_mask": True,
                                            "reset_after": reset_after})]
    return samples


gru_p = primitive("gru", _gru_fwd, _gru_vjp, _gru_samples, n_outputs=2,
                  diff_vjp=rnn_composed.vjp_by_recomputing(rnn_composed.gru),
                  doc="A whole GRU sequence: (outputs (batch, timesteps, units), h).")


def gru(x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None, go_backwards=False,
        zero_output_for_mask=False, reset_after=True):
    """``(outputs, h)`` of a GRU over the whole sequence `x` (tf.keras gate order z, r, h)."""
    extra = tuple(m for m in (mask, recurrent_mask) if m is not None)
    return gru_p(x, kernel, recurrent_kernel, bias, h0, *extra, masked=mask is not None,
                 dropped=recurrent_mask is not None, go_backwards=go_backwards,
                 zero_output_for_mask=zero_output_for_mask, reset_after=reset_after)


# ------------------------------------------------------------------ SimpleRNN
def _simple_fwd(b, x, kernel, recurrent_kernel, bias, h0, *extra, masked=False, dropped=False,
                go_backwards=False, zero_output_for_mask=False, activation="tanh"):
    _check("simple_rnn", x, kernel, recurrent_kernel, 1)
    mask, rmask = _extras(extra, masked, dropped)
    out, h, cache = b.simple_rnn_forward(x, kernel, recurrent_kernel, bias, h0, mask, rmask,
                                         go_backwards, zero_output_for_mask, activation)
    return (out, h), cache


def _simple_vjp(b, g, cache, needs, masked=False, dropped=False, go_backwards=False,
                zero_output_for_mask=False, activation="tanh"):
    dx, dk, drk, db, dh0, drm = b.simple_rnn_backward(g[0], g[1], cache)
    return (dx, dk, drk, db, dh0) + _tail_grads(masked, dropped, drm)


def _simple_samples(rng):
    samples = []
    for activation in ("tanh", "sigmoid", "linear"):
        x, k, rk, bias, h0, mask, rmask = _rnn_sample_inputs(rng, 1)
        base = (x, k, rk, bias, h0)
        samples += [(base, {"activation": activation}),
                    (base + (mask, rmask), {"masked": True, "dropped": True, "go_backwards": True,
                                            "activation": activation})]
    # relu: inputs and weights positive, so no pre-activation sits near the kink at 0.
    x, k, rk, bias, h0, mask, _ = _rnn_sample_inputs(rng, 1)
    positive = tuple(abs(a) + 0.1 for a in (x, k, rk, bias, h0))
    samples.append((positive + (mask,), {"masked": True, "activation": "relu"}))
    return samples


simple_rnn_p = primitive("simple_rnn", _simple_fwd, _simple_vjp, _simple_samples, n_outputs=2,
                         diff_vjp=rnn_composed.vjp_by_recomputing(rnn_composed.simple_rnn),
                         doc="A whole SimpleRNN sequence: (outputs (batch, timesteps, units), h).")


def simple_rnn(x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None, go_backwards=False,
               zero_output_for_mask=False, activation="tanh"):
    """``(outputs, h)`` of ``h = activation(x @ kernel + h @ recurrent_kernel + bias)`` over `x`."""
    extra = tuple(m for m in (mask, recurrent_mask) if m is not None)
    return simple_rnn_p(x, kernel, recurrent_kernel, bias, h0, *extra, masked=mask is not None,
                        dropped=recurrent_mask is not None, go_backwards=go_backwards,
                        zero_output_for_mask=zero_output_for_mask, activation=activation)
