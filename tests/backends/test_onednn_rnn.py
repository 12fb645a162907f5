"""oneDNN's whole-sequence LSTM and GRU (backends/onednn_rnn.py) against the generic kernels on the same
inputs: outputs, final states and every gradient, forwards and go_backwards, the GRU with and without
reset_after; masked and recurrent-dropout calls and float64 run the generic kernel. Skipped where oneDNN
is not installed."""
import numpy as np
import pytest

from backends.numpy_backend import NumpyBackend
from backends.onednn_backend import OneDNNNumpyBackend
from tests.backends.onednn_host import backends_or_skip, served


def _inputs(n, t, f, u, scale, seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: (rng.standard_normal(s) * scale).astype("float32")  # noqa: E731
    return r(n, t, f), r(f, 4 * u), r(u, 4 * u), r(4 * u), r(n, u), r(n, u)


def _close(got, want):
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("dims", [(4, 5, 3, 6, 0.5), (16, 12, 8, 32, 0.15)], ids=["small", "wider"])
def test_lstm_matches_generic(dims, go_backwards):
    fast, generic = backends_or_skip()
    *shape, scale = dims
    args = _inputs(*shape, scale)
    out = fast.lstm_forward(*args, go_backwards=go_backwards)
    want = generic.lstm_forward(*args, go_backwards=go_backwards)
    _close(out[:3], want[:3])
    rng = np.random.default_rng(1)
    g = [rng.standard_normal(a.shape).astype("float32") for a in want[:3]]
    for _ in range(2):  # the weight gradients are overwritten, not accumulated, from one call to the next
        got = fast.lstm_backward(*g, out[3])
        _close(got[:6], generic.lstm_backward(*g, want[3])[:6])
        assert got[6] is None
    assert served(fast, "lstm_fwd") and served(fast, "lstm_bwd")


def test_two_forwards_before_their_backwards_keep_their_own_workspace():
    fast, generic = backends_or_skip()
    a1, a2 = _inputs(3, 4, 2, 5, 0.5, seed=1), _inputs(3, 4, 2, 5, 0.5, seed=2)
    o1, o2 = fast.lstm_forward(*a1), fast.lstm_forward(*a2)
    g = [np.ones(a.shape, "float32") for a in o1[:3]]
    _close(fast.lstm_backward(*g, o1[3])[:6], generic.lstm_backward(*g, generic.lstm_forward(*a1)[3])[:6])
    _close(fast.lstm_backward(*g, o2[3])[:6], generic.lstm_backward(*g, generic.lstm_forward(*a2)[3])[:6])


def test_masked_dropped_and_float64_calls_run_the_generic_kernel():
    fast, generic = backends_or_skip()
    args = _inputs(3, 4, 2, 5, 0.5)
    mask = np.array([[True, True, False, True]] * 3)
    rmask = np.full((3, 5), 1.25, "float32")
    for kw in ({"mask": mask}, {"recurrent_mask": rmask}):
        out, want = fast.lstm_forward(*args, **kw), generic.lstm_forward(*args, **kw)
        np.testing.assert_array_equal(out[0], want[0])
        g = [np.ones(a.shape, "float32") for a in want[:3]]
        np.testing.assert_array_equal(fast.lstm_backward(*g, out[3])[0], generic.lstm_backward(*g, want[3])[0])
    args64 = [a.astype("float64") for a in args]
    np.testing.assert_array_equal(fast.lstm_forward(*args64)[0], generic.lstm_forward(*args64)[0])
    assert not fast.onednn_implementations()


def _gru_inputs(n, t, f, u, scale, reset_after, seed=0):
    rng = np.random.default_rng(seed)
    r = lambda *s: (rng.standard_normal(s) * scale).astype("float32")  # noqa: E731
    bias = r(2, 3 * u) if reset_after else r(3 * u)
    return r(n, t, f), r(f, 3 * u), r(u, 3 * u), bias, r(n, u)


@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("dims", [(4, 5, 3, 6, 0.5), (16, 12, 8, 32, 0.15)], ids=["small", "wider"])
def test_gru_matches_generic(dims, go_backwards, reset_after):
    fast, generic = backends_or_skip()
    *shape, scale = dims
    args = _gru_inputs(*shape, scale, reset_after)
    kw = {"go_backwards": go_backwards, "reset_after": reset_after}
    out, want = fast.gru_forward(*args, **kw), generic.gru_forward(*args, **kw)
    _close(out[:2], want[:2])
    rng = np.random.default_rng(1)
    g = [rng.standard_normal(a.shape).astype("float32") for a in want[:2]]
    for _ in range(2):  # overwritten, not accumulated
        got = fast.gru_backward(*g, out[2])
        _close(got[:5], generic.gru_backward(*g, want[2])[:5])  # dbias in Keras's (2, 3u) with reset_after
        assert got[5] is None
    cell = "lbr_gru" if reset_after else "gru"
    assert served(fast, f"{cell}_fwd") and served(fast, f"{cell}_bwd")


def test_masked_and_dropped_gru_calls_run_the_generic_kernel():
    fast, generic = backends_or_skip()
    args = _gru_inputs(3, 4, 2, 5, 0.5, True)
    for kw in ({"mask": np.array([[True, False, True, True]] * 3)},
               {"recurrent_mask": np.full((3, 5), 1.25, "float32")}):
        out, want = fast.gru_forward(*args, **kw), generic.gru_forward(*args, **kw)
        np.testing.assert_array_equal(out[0], want[0])
        g = [np.ones(a.shape, "float32") for a in want[:2]]
        np.testing.assert_array_equal(fast.gru_backward(*g, out[2])[3], generic.gru_backward(*g, want[2])[3])
    assert not fast.onednn_implementations()


def test_lstm_gru_and_batch_norm_are_off_by_default():
    backends_or_skip()
    default, generic = OneDNNNumpyBackend(), NumpyBackend()
    args = _inputs(3, 4, 2, 5, 0.5)
    np.testing.assert_array_equal(default.lstm_forward(*args)[0], generic.lstm_forward(*args)[0])
    gru_args = _gru_inputs(3, 4, 2, 5, 0.5, True)
    np.testing.assert_array_equal(default.gru_forward(*gru_args)[0], generic.gru_forward(*gru_args)[0])
    x = args[0]
    np.testing.assert_array_equal(default.batch_norm_train(x, None, None, (2,), 1e-3)[0],
                                  generic.batch_norm_train(x, None, None, (2,), 1e-3)[0])
    assert not default.onednn_implementations()
