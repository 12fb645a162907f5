"""GradientTape with tf.GradientTape's semantics; Tensor and Variable basics the tape relies on."""
import gc
import re
import weakref

import numpy as np
import pytest

from kerasx import ops
from kerasx.autodiff import GradientTape, Tensor, Variable, as_tensor
from kerasx.autodiff.tape import active_tapes


def t(values, dtype="float32"):
    return as_tensor(np.asarray(values, dtype=dtype))


def npy(x):
    return None if x is None else x.numpy()


X = [1.0, -2.0, 3.0]


# ---------------------------------------------------------------- what gets watched
def test_watched_constant_is_differentiated(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_allclose(npy(tape.gradient(y, x)), 2 * np.array(X))


def test_unwatched_constant_gets_none(backend):
    x = t(X)
    with GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_trainable_variables_are_watched_and_non_trainable_ones_are_not(backend):
    w = Variable(np.array(X, "float32"), name="w")
    frozen = Variable(np.array([2.0, 2.0, 2.0], "float32"), trainable=False, name="frozen")
    with GradientTape() as tape:
        y = ops.sum(w * frozen)
    gw, gf = tape.gradient(y, [w, frozen])
    np.testing.assert_allclose(npy(gw), [2.0, 2.0, 2.0])
    assert gf is None
    assert tape.watched_variables() == (w,)


def test_every_variable_an_op_reads_is_watched(backend):
    x = t([[1.0, 2.0]])
    w = Variable(np.ones((2, 3), "float32"), name="w")
    bias = Variable(np.zeros(3, "float32"), name="bias")
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.matmul(x, w) + bias)  # add's first input is already tracked when bias is read
    gw, gb = tape.gradient(y, [w, bias])
    np.testing.assert_allclose(npy(gb), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(npy(gw), [[1.0] * 3, [2.0] * 3])
    assert set(tape.watched_variables()) == {w, bias}


def test_variable_subclasses_are_watched(backend):
    class Slot(Variable):
        __slots__ = ()

    s = Slot(np.array(X, "float32"))
    with GradientTape() as tape:
        y = ops.sum(s * 3.0)
    np.testing.assert_allclose(npy(tape.gradient(y, s)), [3.0, 3.0, 3.0])


def test_watch_accessed_variables_false(backend):
    w = Variable(np.array(X, "float32"))
    v = Variable(np.array(X, "float32"))
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = ops.sum(w * v)
    gw, gv = tape.gradient(y, [w, v])
    assert gw is None
    np.testing.assert_allclose(npy(gv), X)
    assert tape.watched_variables() == (v,)


def test_target_is_its_own_source(backend):
    x, c = t(X), t(X)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
    np.testing.assert_allclose(npy(tape.gradient(x, x)), [1.0, 1.0, 1.0])
    assert tape.gradient(c, c) is None


def test_watch_rejects_non_tensors(backend):
    with GradientTape() as tape:
        message = "GradientTape.watch expects Tensors or Variables, received ndarray"
        with pytest.raises(ValueError, match=message):
            tape.watch(np.ones(3))


# ---------------------------------------------------------------- persistence
def test_non_persistent_tape_gives_one_set_of_gradients(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=re.escape(
            "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)")):
        tape.gradient(y, x)


def test_persistent_tape_gives_many(backend):
    x = t(X)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = ops.sum(y * x)
    np.testing.assert_allclose(npy(tape.gradient(y, x)), 2 * np.array(X))
    np.testing.assert_allclose(npy(tape.gradient(z, x)), 3 * np.array(X) ** 2)
    np.testing.assert_allclose(npy(tape.gradient(y, x)), 2 * np.array(X))


def test_reset_forgets_the_recording(backend):
    x = t(X)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        z = x * x
    assert tape.gradient(y, x) is None
    assert tape.gradient(z, x) is None  # the watch was reset too


# ---------------------------------------------------------------- unconnected, structures, seeds
def test_unconnected_gradients(backend):
    x, z = t(X), t([[1.0, 2.0]])
    with GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = x * 2.0
    assert tape.gradient(y, z) is None
    zero = tape.gradient(y, z, unconnected_gradients="zero")
    assert zero.shape == (1, 2) and zero.dtype == "float32" and not zero.numpy().any()
    with pytest.raises(ValueError, match="unconnected_gradients must be 'none' or 'zero', received 'zeros'"):
        tape.gradient(y, z, unconnected_gradients="zeros")


def test_sources_keep_their_structure(backend):
    a, b, c = t([1.0, 2.0]), t([3.0]), t([[4.0]])
    with GradientTape(persistent=True) as tape:
        tape.watch([a, b, c])
        y = ops.sum(a) * 1.0 + ops.sum(b) * 2.0 + ops.sum(c) * 3.0
    as_list = tape.gradient(y, [a, b])
    as_tuple = tape.gradient(y, (a, b))
    as_dict = tape.gradient(y, {"zeta": a, "alpha": c})
    nested = tape.gradient(y, [a, {"k": (b, c)}])
    assert isinstance(as_list, list) and isinstance(as_tuple, tuple)
    assert set(as_dict) == {"zeta", "alpha"}
    np.testing.assert_allclose(npy(as_dict["zeta"]), [1.0, 1.0])
    np.testing.assert_allclose(npy(as_dict["alpha"]), [[3.0]])
    assert isinstance(nested[1]["k"], tuple)
    np.testing.assert_allclose(npy(nested[1]["k"][0]), [2.0])
    np.testing.assert_allclose(npy(nested[1]["k"][1]), [[3.0]])


def test_output_gradients_seed_the_backward_pass(backend):
    x = t(X)
    seed = np.array([1.0, 10.0, 100.0], "float32")
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=t(seed))
    np.testing.assert_allclose(npy(g), 2 * np.array(X) * seed)


def test_list_of_targets_is_summed(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        targets = [x * 2.0, ops.sum(x * x)]
    np.testing.assert_allclose(npy(tape.gradient(targets, x)), 2.0 + 2 * np.array(X))


def test_gradient_with_respect_to_an_intermediate(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        h = x * 3.0
        y = ops.sum(h * h)
    gh, gx = tape.gradient(y, [h, x])
    np.testing.assert_allclose(npy(gh), 6 * np.array(X))
    np.testing.assert_allclose(npy(gx), 18 * np.array(X))


# ---------------------------------------------------------------- recording boundaries
def test_stop_recording(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            hidden = x * x
        y = x * 2.0 + hidden
    np.testing.assert_allclose(npy(tape.gradient(y, x)), [2.0, 2.0, 2.0])


def test_stop_recording_outside_the_block_raises(backend):
    tape = GradientTape()
    with pytest.raises(RuntimeError, match="Trying to stop recording a tape which is not recording."):
        with tape.stop_recording():
            pass
    assert tape not in active_tapes()


def test_ops_after_the_block_are_not_recorded(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    z = y * 2.0
    assert tape.gradient(z, x) is None


def test_nested_tapes_both_record(backend):
    x = t(X)
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            y = x * x
        z = y * 3.0
    np.testing.assert_allclose(npy(inner.gradient(y, x)), 2 * np.array(X))
    np.testing.assert_allclose(npy(outer.gradient(z, x)), 6 * np.array(X))


def test_stop_gradient_blocks(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.stop_gradient(x * x) + x
    np.testing.assert_allclose(npy(tape.gradient(y, x)), [1.0, 1.0, 1.0])


def _weakref_or_skip(array):
    try:
        return weakref.ref(array)
    except TypeError:
        pytest.skip(f"{type(array).__name__} does not support weak references")


def test_no_tape_means_no_graph(backend):
    """Inference keeps nothing alive: an intermediate dies as soon as the user drops it."""
    idle = GradientTape()  # created but never entered: records nothing
    w = Variable(np.array(X, "float32"))
    h = w * 2.0
    ref = _weakref_or_skip(h.data)
    y = ops.square(h)  # square keeps its input as a residual, if anything recorded it
    del h
    gc.collect()
    assert ref() is None
    assert active_tapes() == [] and idle._nodes == []
    assert y.shape == (3,)


def test_unwatched_ops_inside_a_tape_record_nothing(backend):
    frozen = Variable(np.array(X, "float32"), trainable=False)
    with GradientTape() as tape:
        ops.square(frozen * 2.0)
    assert tape._nodes == []


def test_residuals_are_freed_after_a_non_persistent_gradient(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        h = x * 2.0
        y = ops.square(h)
    ref = _weakref_or_skip(h.data)
    del h
    gc.collect()
    assert ref() is not None  # the tape holds square's residual until the backward pass
    tape.gradient(y, x)
    gc.collect()
    assert ref() is None


# ---------------------------------------------------------------- values the tape produces
def test_broadcasting_is_undone(backend):
    x, y = t(np.ones((3, 1))), t(np.ones((1, 4)))
    with GradientTape() as tape:
        tape.watch([x, y])
        z = x + y * 2.0
    gx, gy = tape.gradient(z, [x, y])
    assert gx.shape == (3, 1) and gy.shape == (1, 4)
    np.testing.assert_allclose(npy(gx), np.full((3, 1), 4.0))
    np.testing.assert_allclose(npy(gy), np.full((1, 4), 6.0))


def test_gradients_accumulate_when_a_tensor_is_used_twice(backend):
    x = t(X)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x + x
    np.testing.assert_allclose(npy(tape.gradient(y, x)), 2 * np.array(X) + 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept_end_to_end(backend, dtype):
    w = Variable(np.ones((4, 3), dtype))
    x = t(np.ones((2, 4)), dtype)
    with GradientTape() as tape:
        y = ops.sum(ops.softmax(ops.matmul(x, w) * 0.5 + 1.0))
    g = tape.gradient(y, w)
    assert y.dtype == dtype and g.dtype == dtype


def test_tensor_converts_to_numpy(backend):
    x = t([[1.5, 2.5]])
    for host in (x.numpy(), np.asarray(x), np.asarray(x, dtype="float64")):
        assert isinstance(host, np.ndarray)
        np.testing.assert_array_equal(host, [[1.5, 2.5]])
    assert np.asarray(x).dtype == np.float32 and np.asarray(x, dtype="float64").dtype == np.float64
    assert x.shape == (1, 2) and x.dtype == "float32" and x.ndim == 2 and float(x[0, 0]) == 1.5


def test_python_floats_do_not_promote(backend):
    x = t(X)
    assert (x * 2.5 + 1.0).dtype == "float32"
    assert as_tensor(2.5).dtype == "float32"


# ---------------------------------------------------------------- Variable
def test_variable_assign_is_in_place(backend):
    v = Variable(np.zeros(3, "float32"), name="v")
    data = v.data
    v.assign(np.array([1.0, 2.0, 3.0]))
    v.assign_add(t([1.0, 1.0, 1.0]))
    v.assign_sub(0.5)
    assert v.data is data and v.dtype == "float32"
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5, 3.5])


def test_variable_snapshot_is_a_copy(backend):
    v = Variable(np.zeros(2, "float32"))
    snap = v.numpy()
    v.assign([1.0, 1.0])
    assert not snap.any()


def test_variable_does_not_alias_its_initial_array(backend):
    init = np.zeros(2, "float32")
    v = Variable(init)
    v.assign_add(1.0)
    assert not init.any()


def test_variable_assign_shape_error(backend):
    v = Variable(np.zeros((2, 3), "float32"), name="kernel")
    with pytest.raises(ValueError, match=re.escape(
            "Cannot assign a value of shape (3, 2) to variable 'kernel' of shape (2, 3).")):
        v.assign(np.ones((3, 2), "float32"))
    assert not v.numpy().any()


def test_tensor_is_a_tensor_of_its_backend(backend):
    x = t(X)
    assert isinstance(x, Tensor) and backend.is_array(x.data)
