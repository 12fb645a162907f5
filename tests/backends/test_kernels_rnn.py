"""The whole-sequence recurrent kernels on every available backend, against step-by-step NumPy references
written here (Keras's `backend.rnn` masking rule, tf.keras gate layouts); the backward kernels against
central differences of the same references, in float64."""
import numpy as np
import pytest

from tests.backends import cuda_host
from tests.backends.kernel_test_utils import RED, check, covers, dev, host


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0), "sigmoid": sigmoid,
               "linear": lambda v: v}


# ---------------------------------------------------------------- NumPy references (shared with layer tests)
def ref_rnn(step, x, states, mask=None, go_backwards=False, zero_output=False):
    """Keras's `backend.rnn`: ``step(x_t, states) -> (output, new_states)`` over the timesteps of `x`.
    Returns ``(outputs (B, T, U) in processing order, final_states)``."""
    steps = x.shape[1]
    outputs, prev = [], None
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):
        out, new = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t][:, None]
            fallback = np.zeros_like(out) if prev is None or zero_output else prev
            out = np.where(keep, out, fallback)
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
        outputs.append(out)
        prev, states = out, new
    return np.stack(outputs, axis=1), states


def lstm_step(kernel, recurrent, bias, rmask=None, act=np.tanh, rec_act=sigmoid):
    u = recurrent.shape[0]

    def step(x, states):
        h, c = states
        z = x @ kernel + (h if rmask is None else h * rmask) @ recurrent + bias
        i, f, o = rec_act(z[:, :u]), rec_act(z[:, u:2 * u]), rec_act(z[:, 3 * u:])
        c = f * c + i * act(z[:, 2 * u:3 * u])
        h = o * act(c)
        return h, [h, c]
    return step


def gru_step(kernel, recurrent, bias, reset_after=True, rmask=None):
    u = recurrent.shape[0]

    def step(x, states):
        h = states[0]
        hd = h if rmask is None else h * rmask
        mx = x @ kernel + (bias[0] if reset_after else bias)
        if reset_after:
            inner = hd @ recurrent + bias[1]
        else:
            inner = hd @ recurrent[:, :2 * u]
        z = sigmoid(mx[:, :u] + inner[:, :u])
        r = sigmoid(mx[:, u:2 * u] + inner[:, u:2 * u])
        if reset_after:
            rh = r * inner[:, 2 * u:]
        else:
            rh = (r * hd) @ recurrent[:, 2 * u:]
        hh = np.tanh(mx[:, 2 * u:] + rh)
        h = z * h + (1 - z) * hh
        return h, [h]
    return step


def simple_step(kernel, recurrent, bias, activation="tanh", rmask=None):
    act = ACTIVATIONS[activation]

    def step(x, states):
        h = states[0]
        h = act(x @ kernel + (h if rmask is None else h * rmask) @ recurrent + bias)
        return h, [h]
    return step


# ---------------------------------------------------------------- cases
def _inputs(rng, gates, batch=3, steps=4, features=3, units=2, bias_shape=None, dtype="float64"):
    def r(*shape, scale=0.6):
        return (rng.standard_normal(shape) * scale).astype(dtype)
    mask = rng.random((batch, steps)) > 0.4
    mask[0, 0], mask[1, :] = False, True
    return dict(x=r(batch, steps, features, scale=1.0), kernel=r(features, gates * units),
                recurrent=r(units, gates * units), bias=r(*(bias_shape or (gates * units,))),
                h0=r(batch, units), c0=r(batch, units), mask=mask,
                rmask=rng.uniform(0.5, 1.5, (batch, units)).astype(dtype))


OPTIONS = [dict(), dict(masked=True), dict(masked=True, go_backwards=True),
           dict(masked=True, zero_output=True, dropped=True), dict(go_backwards=True, dropped=True)]


def _ids(opts):
    return "-".join(k for k in opts) or "plain"


def _run(kind, backend, a, opts, dtype, **extra):
    mask = dev(backend, a["mask"]) if opts.get("masked") else None
    rmask = dev(backend, a["rmask"].astype(dtype)) if opts.get("dropped") else None
    args = [dev(backend, a[k].astype(dtype)) for k in ("x", "kernel", "recurrent", "bias", "h0")]
    if kind == "lstm":
        args.append(dev(backend, a["c0"].astype(dtype)))
    fn = getattr(backend, f"{kind}_forward")
    return fn(*args, mask, rmask, opts.get("go_backwards", False), opts.get("zero_output", False), **extra)


def _reference(kind, a, opts, **extra):
    rmask = a["rmask"] if opts.get("dropped") else None
    if kind == "lstm":
        step, states = lstm_step(a["kernel"], a["recurrent"], a["bias"], rmask), [a["h0"], a["c0"]]
    elif kind == "gru":
        step, states = gru_step(a["kernel"], a["recurrent"], a["bias"], rmask=rmask, **extra), [a["h0"]]
    else:
        step, states = simple_step(a["kernel"], a["recurrent"], a["bias"], rmask=rmask, **extra), [a["h0"]]
    return ref_rnn(step, a["x"], states, a["mask"] if opts.get("masked") else None,
                   opts.get("go_backwards", False), opts.get("zero_output", False))


KINDS = [("lstm", 4, None, {}), ("gru", 3, (2, 6), {"reset_after": True}),
         ("gru", 3, None, {"reset_after": False}), ("simple_rnn", 1, None, {"activation": "tanh"}),
         ("simple_rnn", 1, None, {"activation": "relu"}), ("simple_rnn", 1, None, {"activation": "sigmoid"}),
         ("simple_rnn", 1, None, {"activation": "linear"})]
KIND_IDS = ["lstm", "gru_reset_after", "gru_reset_before", "simple_tanh", "simple_relu", "simple_sigmoid",
            "simple_linear"]


@covers("lstm_forward", "gru_forward", "simple_rnn_forward")
@pytest.mark.parametrize("kind, gates, bias_shape, extra", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("opts", OPTIONS, ids=_ids)
def test_recurrent_forward(backend, kind, gates, bias_shape, extra, opts):
    a = _inputs(np.random.default_rng(3), gates, bias_shape=bias_shape)
    result = _run(kind, backend, a, opts, "float32", **extra)
    outputs, states = result[0], result[1:-1]
    ref_out, ref_states = _reference(kind, a, opts, **extra)
    check(backend, outputs, ref_out, rtol=RED, atol=1e-5)
    for got, want in zip(states, ref_states):
        check(backend, got, want, rtol=RED, atol=1e-5)


def _loss_cotangents(rng, a, kind):
    shape = a["x"].shape[:2] + (a["h0"].shape[1],)
    n_states = 2 if kind == "lstm" else 1
    return rng.standard_normal(shape), [rng.standard_normal(a["h0"].shape) for _ in range(n_states)]


def _numeric_grad(f, arr, eps=1e-6):
    g = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        orig = arr[idx]
        arr[idx] = orig + eps
        up = f()
        arr[idx] = orig - eps
        down = f()
        arr[idx] = orig
        g[idx] = (up - down) / (2 * eps)
    return g


@covers("lstm_backward", "gru_backward", "simple_rnn_backward")
@pytest.mark.parametrize("kind, gates, bias_shape, extra", KINDS[:4], ids=KIND_IDS[:4])
@pytest.mark.parametrize("opts", OPTIONS[2:], ids=_ids)
def test_recurrent_backward_matches_finite_differences(backend, kind, gates, bias_shape, extra, opts):
    rng = np.random.default_rng(5)
    a = _inputs(rng, gates, batch=2, steps=3, features=2, bias_shape=bias_shape)
    g_out, g_states = _loss_cotangents(rng, a, kind)
    cache = _run(kind, backend, a, opts, "float64", **extra)[-1]
    back = getattr(backend, f"{kind}_backward")
    grads = back(dev(backend, g_out), *[dev(backend, g) for g in g_states], cache)

    def loss():
        out, states = _reference(kind, a, opts, **extra)
        return float(np.sum(out * g_out) + sum(np.sum(s * g) for s, g in zip(states, g_states)))

    names = ["x", "kernel", "recurrent", "bias", "h0"] + (["c0"] if kind == "lstm" else [])
    for name, got in zip(names, grads):
        check(backend, got, _numeric_grad(loss, a[name]), rtol=1e-5, atol=1e-7, dtype="float64")
    drm = grads[-1]
    if opts.get("dropped"):
        check(backend, drm, _numeric_grad(loss, a["rmask"]), rtol=1e-5, atol=1e-7, dtype="float64")
    else:
        assert drm is None


def test_lstm_kernels_keep_float32(backend):
    a = _inputs(np.random.default_rng(0), 4)
    out, h, c, cache = _run("lstm", backend, a, dict(masked=True, dropped=True), "float32")
    assert {backend.dtype_name(t) for t in (out, h, c)} == {"float32"}
    grads = backend.lstm_backward(backend.zeros(out.shape, "float32"), h, c, cache)
    assert {backend.dtype_name(g) for g in grads} == {"float32"}


def test_lstm_forward_leaves_its_inputs_unchanged(backend):
    a = _inputs(np.random.default_rng(1), 4)
    names = ("x", "kernel", "recurrent", "bias", "h0", "c0")
    arrays = {k: dev(backend, a[k].astype("float32")) for k in names}
    before = {k: host(backend, v).copy() for k, v in arrays.items()}
    out, h, c, cache = backend.lstm_forward(*arrays.values(), None, None, False, False)
    backend.lstm_backward(backend.ones(out.shape, "float32"), h, c, cache)
    for k, v in arrays.items():
        np.testing.assert_array_equal(host(backend, v), before[k])


def test_simple_rnn_rejects_an_unknown_activation(backend):
    a = _inputs(np.random.default_rng(0), 1)
    with pytest.raises(ValueError, match="simple_rnn: unknown activation 'softmax'"):
        _run("simple_rnn", backend, a, {}, "float32", activation="softmax")


# ---------------------------------------------------------------- the CuPy LSTM overrides
def _host_rnn_backend(libs):
    """The CuPy override code over NumPy, its CUDA kernels built for the host (tests/backends/cuda_host.py):
    the same Python orchestration and the same kernel arithmetic, run without a GPU."""
    from backends.cupy_rnn import CupyRecurrentKernels
    from backends.numpy_backend import NumpyBackend

    class HostCudaRNN(CupyRecurrentKernels, NumpyBackend):
        def _rnn_function(self, source, name, dtype):
            return cuda_host.launcher(libs[source], f"{name}_{'f32' if dtype == np.float32 else 'f64'}")
    return HostCudaRNN()


@pytest.fixture(scope="module")
def host_rnn(tmp_path_factory):
    from backends import cupy_rnn
    sources = (cupy_rnn._LSTM_SOURCE, cupy_rnn._GRU_SOURCE)
    return _host_rnn_backend({s: cuda_host.build(tmp_path_factory, s) for s in sources})


def _lstm_case(seed, go_backwards):
    rng = np.random.default_rng(seed)
    a = _inputs(rng, 4, batch=3, steps=5, features=3, units=4)
    args = [a[k] for k in ("x", "kernel", "recurrent", "bias", "h0", "c0")]
    cot = [rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]
    return args, cot, a["mask"]


def _assert_override_matches_generic(b, kind, args, options, cot, rtol, atol):
    """`b`'s `<kind>_forward`/`_backward` (the CuPy override) against the generic kernels on the same
    inputs: outputs and states, then the gradients, each backward reading either forward's cache (same
    layout, activated gates in z). `atol` is ``(forward, backward)``."""
    from backends.generic import XPBackend
    forward, backward = f"{kind}_forward", f"{kind}_backward"
    fast = getattr(b, forward)(*args, *options)
    generic = getattr(XPBackend, forward)(b, *args, *options)
    for got, want in zip(fast[:-1], generic[:-1]):
        np.testing.assert_allclose(b.to_numpy(got), b.to_numpy(want), rtol=rtol, atol=atol[0])
    want = getattr(XPBackend, backward)(b, *cot, generic[-1])
    for cache in (fast[-1], generic[-1]):
        got = getattr(b, backward)(*cot, cache)
        assert got[-1] is None and want[-1] is None
        for g, w in zip(got[:-1], want[:-1]):
            np.testing.assert_allclose(b.to_numpy(g), b.to_numpy(w), rtol=rtol, atol=atol[1])


LSTM_MODES = [dict(), dict(go_backwards=True), dict(masked=True), dict(masked=True, go_backwards=True),
              dict(masked=True, zero_output=True)]


def _lstm_options(mode, mask):
    return (mask if mode.get("masked") else None, None, mode.get("go_backwards", False),
            mode.get("zero_output", False))


@pytest.mark.parametrize("mode", LSTM_MODES, ids=_ids)
def test_cuda_lstm_steps_match_the_generic_kernels_on_the_host(host_rnn, mode):
    args, cot, mask = _lstm_case(7, mode.get("go_backwards", False))
    _assert_override_matches_generic(host_rnn, "lstm", args, _lstm_options(mode, mask), cot, rtol=1e-11,
                                     atol=(1e-12, 1e-12))


def test_cuda_lstm_falls_back_for_recurrent_dropout_and_mixed_dtypes(host_rnn):
    from backends.generic import XPBackend
    rng = np.random.default_rng(2)
    a = _inputs(rng, 4, batch=3, steps=4, features=3, units=2)
    args = [a[k] for k in ("x", "kernel", "recurrent", "bias", "h0", "c0")]
    dropped = host_rnn.lstm_forward(*args, a["mask"], a["rmask"])
    generic = XPBackend.lstm_forward(host_rnn, *args, a["mask"], a["rmask"])
    np.testing.assert_array_equal(dropped[0], generic[0])
    assert not host_rnn._rnn_fast_path([a["x"], a["kernel"].astype("float32")], None, None)
    assert not host_rnn._rnn_fast_path([a["x"].astype("float16")], None, None)


def test_cupy_lstm_overrides_match_generic():
    b = cuda_host.cupy_backend_or_skip()
    for dtype, rtol in (("float64", 1e-10), ("float32", RED)):
        for mode in LSTM_MODES:
            args, cot, mask = _lstm_case(9, mode.get("go_backwards", False))
            args = [b.asarray(v.astype(dtype)) for v in args]
            cot = [b.asarray(v.astype(dtype)) for v in cot]
            options = _lstm_options(mode, b.asarray(mask))
            _assert_override_matches_generic(b, "lstm", args, options, cot, rtol=rtol, atol=(1e-5, 1e-4))


def test_every_cupy_rnn_override_has_a_parity_case():
    # Inspecting the class needs neither CuPy nor a device; the two tests above cover these overrides.
    from backends.cupy_rnn import CupyRecurrentKernels
    overrides = sorted(k for k, v in vars(CupyRecurrentKernels).items() if not k.startswith("_") and callable(v))
    assert overrides == ["gru_backward", "gru_forward", "lstm_backward", "lstm_forward"], overrides


def _gru_case(seed):
    rng = np.random.default_rng(seed)
    a = _inputs(rng, 3, batch=3, steps=5, features=3, units=4, bias_shape=(2, 12))
    args = [a[k] for k in ("x", "kernel", "recurrent", "bias", "h0")]
    return args, [rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 4))]


@pytest.mark.parametrize("go_backwards", [False, True])
def test_cuda_gru_steps_match_the_generic_kernels_on_the_host(host_rnn, go_backwards):
    args, cot = _gru_case(8)
    _assert_override_matches_generic(host_rnn, "gru", args, (None, None, go_backwards), cot, rtol=1e-11,
                                     atol=(1e-12, 1e-12))


def test_cuda_gru_fast_path_only_with_reset_after(host_rnn):
    from backends.generic import XPBackend
    rng = np.random.default_rng(4)
    a = _inputs(rng, 3, batch=2, steps=3, features=3, units=2)
    args = [a[k] for k in ("x", "kernel", "recurrent", "bias", "h0")]
    got = host_rnn.gru_forward(*args, None, None, False, False, False)
    want = XPBackend.gru_forward(host_rnn, *args, None, None, False, False, False)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[2][-1] is False  # the generic kernel's cache: reset_after=False


def test_cupy_gru_overrides_match_generic():
    b = cuda_host.cupy_backend_or_skip()
    for dtype, rtol in (("float64", 1e-10), ("float32", RED)):
        args, cot = _gru_case(10)
        args = [b.asarray(v.astype(dtype)) for v in args]
        cot = [b.asarray(v.astype(dtype)) for v in cot]
        _assert_override_matches_generic(b, "gru", args, (None, None, True), cot, rtol=rtol, atol=(1e-5, 1e-4))
