"""The whole-sequence recurrences again, one timestep at a time in primitives: the recurrent primitives'
differentiable VJPs (`diff_vjp`, for higher-order gradients) recompute the forward this way and take
its gradient on a tape of their own, inside the outer tapes, so the outer tapes record it all.

Each follows its backend kernel exactly (backends/generic_rnn.py): processing order reversed under
`go_backwards` (outputs stay in processing order, as Keras returns them), the recurrent-dropout mask
scaling the state fed to the recurrent kernel only, a masked step repeating the previous output (zeros
with `zero_output_for_mask`, or at the first step) and keeping the states. Slow (a dozen nodes a step)
and only ever run for a gradient of a gradient; the first-order path is the fused kernels.
"""
from kerasx.autodiff.tape import GradientTape
from kerasx.ops import elementwise as ew
from kerasx.ops import linalg
from kerasx.ops import shape as sh


def _split(extra, masked, dropped):
    extra = list(extra)
    mask = extra.pop(0) if masked else None
    rmask = extra.pop(0) if dropped else None
    return mask, rmask


def _steps(x, go_backwards):
    steps = x.shape[1]
    return [steps - 1 - p for p in range(steps)] if go_backwards else list(range(steps))


def _masked_step(keep, h_new, prev_out, states, new_states, zero_output):
    """Keras's masked step: ``(output, states)``."""
    out = ew.where(keep, h_new, 0.0 if (prev_out is None or zero_output) else prev_out)
    return out, [ew.where(keep, n, s) for n, s in zip(new_states, states)]


def _run(x, mask, go_backwards, zero_output, states, step):
    """Runs `step(x_t, states) -> (h_new, new_states)` over the sequence; ``(outputs, *final_states)``."""
    outs, prev = [], None
    for t in _steps(x, go_backwards):
        h_new, new_states = step(sh.getitem(x, (slice(None), t)), states)
        if mask is None:
            out, states = h_new, new_states
        else:
            keep = sh.reshape(sh.getitem(mask, (slice(None), t)), (x.shape[0], 1))
            out, states = _masked_step(keep, h_new, prev, states, new_states, zero_output)
        outs.append(out)
        prev = out
    return (sh.stack(outs, axis=1),) + tuple(states)


def _recurrent_input(h, rmask):
    return h if rmask is None else ew.multiply(h, rmask)


def lstm(x, kernel, recurrent_kernel, bias, h0, c0, *extra, masked=False, dropped=False, go_backwards=False,
         zero_output_for_mask=False):
    mask, rmask = _split(extra, masked, dropped)
    u = recurrent_kernel.shape[0]

    def step(xt, states):
        h, c = states
        z = ew.add(ew.add(linalg.matmul(xt, kernel), linalg.matmul(_recurrent_input(h, rmask), recurrent_kernel)),
                   bias)
        i = ew.sigmoid(z[:, :u])
        f = ew.sigmoid(z[:, u:2 * u])
        c_new = ew.add(ew.multiply(f, c), ew.multiply(i, ew.tanh(z[:, 2 * u:3 * u])))
        h_new = ew.multiply(ew.sigmoid(z[:, 3 * u:]), ew.tanh(c_new))
        return h_new, [h_new, c_new]

    return _run(x, mask, go_backwards, zero_output_for_mask, [h0, c0], step)


def gru(x, kernel, recurrent_kernel, bias, h0, *extra, masked=False, dropped=False, go_backwards=False,
        zero_output_for_mask=False, reset_after=True):
    mask, rmask = _split(extra, masked, dropped)
    u = recurrent_kernel.shape[0]
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, None)

    def step(xt, states):
        h = states[0]
        h_in = _recurrent_input(h, rmask)
        xz = ew.add(linalg.matmul(xt, kernel), b_in)
        if reset_after:
            rec = ew.add(linalg.matmul(h_in, recurrent_kernel), b_rec)
            zr = ew.sigmoid(ew.add(xz[:, :2 * u], rec[:, :2 * u]))
            cand = ew.tanh(ew.add(xz[:, 2 * u:], ew.multiply(zr[:, u:], rec[:, 2 * u:])))
        else:
            zr = ew.sigmoid(ew.add(xz[:, :2 * u], linalg.matmul(h_in, recurrent_kernel[:, :2 * u])))
            cand = ew.tanh(ew.add(xz[:, 2 * u:], linalg.matmul(ew.multiply(zr[:, u:], h_in),
                                                                 recurrent_kernel[:, 2 * u:])))
        h_new = ew.add(ew.multiply(ew.subtract(h, cand), zr[:, :u]), cand)
        return h_new, [h_new]

    return _run(x, mask, go_backwards, zero_output_for_mask, [h0], step)


_ACTIVATIONS = {"tanh": ew.tanh, "sigmoid": ew.sigmoid, "relu": ew.relu, "linear": lambda z: z}


def simple_rnn(x, kernel, recurrent_kernel, bias, h0, *extra, masked=False, dropped=False, go_backwards=False,
               zero_output_for_mask=False, activation="tanh"):
    mask, rmask = _split(extra, masked, dropped)
    act = _ACTIVATIONS[activation]

    def step(xt, states):
        z = ew.add(ew.add(linalg.matmul(xt, kernel), linalg.matmul(_recurrent_input(states[0], rmask),
                                                                   recurrent_kernel)), bias)
        h_new = act(z)
        return h_new, [h_new]

    return _run(x, mask, go_backwards, zero_output_for_mask, [h0], step)


def vjp_by_recomputing(forward):
    """A `diff_vjp` for a primitive whose forward `forward(*inputs, **params)` is composed above: the
    gradient of the recomputation, on its own tape, with the outer tapes recording."""
    def diff_vjp(cot, xs, outs, needs, **params):
        # One alias per input slot, so that a Tensor passed twice (h0 and c0 alike) gets each slot's own
        # gradient, as the raw VJP gives, rather than their sum in both.
        with GradientTape() as tape:
            aliases = []
            for x, need in zip(xs, needs):
                if need:
                    tape.watch(x)
                    x = ew.cast(x, dtype=x.dtype)
                aliases.append(x)
            recomputed = forward(*aliases, **params)
        wrt = [a for a, need in zip(aliases, needs) if need]
        grads = iter(tape.gradient(list(recomputed), wrt, output_gradients=list(cot),
                                   unconnected_gradients="zero"))
        return tuple(next(grads) if need else None for need in needs)
    return diff_vjp
