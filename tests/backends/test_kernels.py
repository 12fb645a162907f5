"""Every kernel of `backends.base.Backend` on every available backend, against a NumPy formula written
here: shape, dtype (float32 stays float32) and values. Tolerances follow CUPY.md: rtol 1e-4 for
elementwise kernels, 1e-3 for reductions and GEMM (a GPU may sum in another order)."""
import glob
import importlib
import os

import numpy as np
import pytest

from backends.base import Backend
from backends.cupy_backend import CupyBackend
from backends.numpy_backend import NumpyBackend
from backends.strict_backend import StrictBackend
from tests.backends.kernel_test_utils import COVERED, RED, check, covers, dev, host, rand, strict_floats


# ---------------------------------------------------------------- the interface is complete
def test_every_kernel_is_covered():
    # The family files (test_kernels_conv.py, ...) register their kernels when imported.
    here = os.path.dirname(os.path.abspath(__file__))
    for path in glob.glob(os.path.join(here, "test_kernels_*.py")):
        importlib.import_module(f"tests.backends.{os.path.basename(path)[:-3]}")
    missing = sorted(Backend.__abstractmethods__ - COVERED)
    assert not missing, f"kernels of backends.base.Backend without a test in this file: {missing}"


@pytest.mark.parametrize("cls", [NumpyBackend, CupyBackend, StrictBackend], ids=["numpy", "cupy", "strict"])
def test_backend_classes_are_concrete(cls):
    # Inspecting the class needs neither CuPy nor a device.
    assert Backend.__abstractmethods__
    assert not cls.__abstractmethods__, f"{cls.__name__} leaves abstract: {sorted(cls.__abstractmethods__)}"


# ---------------------------------------------------------------- arrays and device
@covers("asarray", "to_numpy", "is_array", "dtype_name")
def test_asarray_round_trip(backend):
    x = rand(2, 3)
    a = backend.asarray(x)
    assert backend.is_array(a) and not backend.is_array(x.tolist()) and not backend.is_array(1.0)
    check(backend, a, x, rtol=0, atol=0)
    check(backend, backend.asarray(x.tolist(), dtype="float32"), x, rtol=0, atol=0)
    assert backend.dtype_name(backend.asarray(x, dtype="float64")) == "float64"
    assert backend.dtype_name(backend.asarray(np.arange(3))) == "int64"


@covers("zeros", "ones", "full")
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_constant_arrays(backend, dtype):
    check(backend, backend.zeros((2, 3), dtype), np.zeros((2, 3)), dtype=dtype)
    check(backend, backend.ones((4,), dtype), np.ones(4), dtype=dtype)
    check(backend, backend.full((2, 2), 7, dtype), np.full((2, 2), 7), dtype=dtype)
    check(backend, backend.zeros((), dtype), np.zeros(()), dtype=dtype)


@covers("cast", "copy", "copy_")
def test_cast_and_copies(backend):
    x = backend.asarray(rand(3, 4))
    assert backend.cast(x, "float32") is x
    check(backend, backend.cast(x, "float64"), host(backend, x), dtype="float64")
    check(backend, backend.cast(backend.asarray(np.array([1.7, -1.7])), "int32"), [1, -1], dtype="int32")

    c = backend.copy(x)
    assert c is not x
    backend.copy_(c, 0.0)
    assert host(backend, x).any() and not host(backend, c).any()

    dst = backend.zeros((3, 4), "float32")
    backend.copy_(dst, backend.asarray(np.arange(4, dtype="float64")))  # broadcast and cast into dst
    check(backend, dst, np.tile(np.arange(4), (3, 1)))


@covers("synchronize")
def test_synchronize_returns(backend):
    backend.add(backend.ones((2,), "float32"), 1.0)
    assert backend.synchronize() is None


# ---------------------------------------------------------------- random
@covers("seed", "uniform")
def test_uniform(backend):
    backend.seed(1)
    u = backend.uniform((200, 100), -1.0, 3.0, "float32")
    assert backend.dtype_name(u) == "float32" and tuple(u.shape) == (200, 100)
    h = host(backend, u)
    assert h.min() >= -1.0 and h.max() < 3.0
    assert abs(h.mean() - 1.0) < 0.05 and abs(h.var() - 16 / 12) < 0.05
    assert backend.dtype_name(backend.uniform((3,), 0.0, 1.0, "float64")) == "float64"


@covers("generator")
def test_seeded_generators(backend):
    a, b = backend.generator(5), backend.generator(5)
    backend.seed(0)
    u = host(backend, backend.uniform((50,), 2.0, 4.0, "float32", generator=a))
    backend.uniform((10,), 0.0, 1.0, "float32")  # the backend's own generator is apart
    np.testing.assert_array_equal(host(backend, backend.uniform((50,), 2.0, 4.0, "float32", generator=b)), u)
    assert u.min() >= 2.0 and u.max() < 4.0
    assert not np.array_equal(host(backend, backend.uniform((50,), 2.0, 4.0, "float32", generator=a)), u)


@covers("normal")
def test_normal(backend):
    backend.seed(2)
    h = host(backend, backend.normal((20000,), 2.0, 0.5, "float32"))
    assert h.dtype == np.float32 and h.shape == (20000,)
    assert abs(h.mean() - 2.0) < 0.02 and abs(h.std() - 0.5) < 0.02


@covers("bernoulli")
def test_bernoulli(backend):
    h = host(backend, backend.bernoulli((20000,), 0.3, "float32"))
    assert h.dtype == np.float32
    assert set(np.unique(h)) <= {0.0, 1.0}
    assert abs(h.mean() - 0.3) < 0.02


@pytest.mark.parametrize("draw", [
    lambda b: b.uniform((5, 4), 0.0, 1.0, "float32"),
    lambda b: b.normal((5, 4), 0.0, 1.0, "float32"),
    lambda b: b.bernoulli((5, 4), 0.5, "float32"),
], ids=["uniform", "normal", "bernoulli"])
def test_seed_reproduces_and_different_seeds_differ(backend, draw):
    backend.seed(7)
    first = host(backend, draw(backend))
    backend.seed(7)
    np.testing.assert_array_equal(host(backend, draw(backend)), first)
    backend.seed(8)
    assert not np.array_equal(host(backend, draw(backend)), first)


# ---------------------------------------------------------------- elementwise, unary
def _sigmoid_ref(x):
    x = x.astype("float64")
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


UNARY = {
    "negative": (np.negative, rand(3, 4)),
    "exp": (np.exp, rand(3, 4)),
    "log": (np.log, rand(3, 4, low=0.1, high=3.0)),
    "sqrt": (np.sqrt, rand(3, 4, low=0.0, high=3.0)),
    "square": (np.square, rand(3, 4)),
    "abs": (np.abs, rand(3, 4)),
    "sign": (np.sign, np.array([-2.0, 0.0, 3.0], "float32")),
    "tanh": (np.tanh, rand(3, 4)),
    "sin": (np.sin, rand(3, 4, low=-7, high=7)),
    "cos": (np.cos, rand(3, 4, low=-7, high=7)),
    "sigmoid": (_sigmoid_ref, rand(3, 4, low=-8, high=8)),
    "relu": (lambda x: np.maximum(x, 0), rand(3, 4)),
}


@covers(*UNARY)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(backend, name):
    ref, x = UNARY[name]
    check(backend, getattr(backend, name)(dev(backend, x)), ref(x))


def test_unary_keeps_float64(backend):
    x = rand(4).astype("float64")
    check(backend, backend.exp(dev(backend, x)), np.exp(x), dtype="float64")


def test_sigmoid_is_stable_at_large_magnitudes(backend):
    x = np.array([-100.0, -30.0, 0.0, 30.0, 100.0], "float32")
    with strict_floats():
        out = host(backend, backend.sigmoid(dev(backend, x)))
    assert out.dtype == np.float32 and np.all(np.isfinite(out))
    assert out[-1] == 1.0 and out[2] == 0.5 and 0.0 <= out[0] < 1e-40
    np.testing.assert_allclose(out, _sigmoid_ref(x), rtol=1e-5, atol=1e-44)


@covers("erf")
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-14), ("float32", 1e-6)])
def test_erf_matches_math_erf_over_a_grid(backend, dtype, rtol):
    # NumPy has no erf: the kernel's own series / continued fraction, against the C library's.
    import math
    x = np.concatenate([np.linspace(-7.0, 7.0, 20001), np.linspace(-1e-3, 1e-3, 101), [0.0, 2.0, -2.0]])
    ref = np.array([math.erf(v) for v in x.astype(dtype).astype("float64")])
    with strict_floats():
        out = host(backend, backend.erf(dev(backend, x.astype(dtype))))
    assert out.dtype == dtype
    rel = np.abs(out.astype("float64") - ref) / np.maximum(np.abs(ref), np.finfo(dtype).tiny)
    assert rel.max() <= rtol, f"worst relative error {rel.max():.3g} at x={x[rel.argmax()]}"
    assert out[x == 0.0].tolist() == [0.0] * int((x == 0.0).sum())


@covers("relu_grad")
def test_relu_grad(backend):
    g, y = rand(3, 4, seed=1), np.maximum(rand(3, 4, seed=2), 0)
    check(backend, backend.relu_grad(dev(backend, g), dev(backend, y)), np.where(y > 0, g, 0))


# ---------------------------------------------------------------- elementwise, binary
BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "maximum": np.maximum, "minimum": np.minimum,
}


@covers(*BINARY)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_broadcasts(backend, name):
    a, b = rand(3, 1, seed=1), rand(1, 4, seed=2) + 3.0  # b away from 0 for divide
    check(backend, getattr(backend, name)(dev(backend, a), dev(backend, b)), BINARY[name](a, b))
    # A Python float is a weak scalar: float32 stays float32.
    check(backend, getattr(backend, name)(dev(backend, a), 2.5), BINARY[name](a, np.float32(2.5)))


@covers("power")
def test_power(backend):
    a, b = rand(3, 4, low=0.5, high=2.0), rand(3, 4)
    check(backend, backend.power(dev(backend, a), dev(backend, b)), np.power(a, b))
    check(backend, backend.power(dev(backend, a), 3.0), a ** 3)


@covers("floor_divide")
def test_floor_divide_rounds_toward_minus_infinity(backend):
    a = np.array([[7.0, -7.0, 7.5, -0.5]], "float32")
    b = np.array([[2.0], [-2.0]], "float32")
    check(backend, backend.floor_divide(dev(backend, a), dev(backend, b)), np.floor_divide(a, b))
    check(backend, backend.floor_divide(dev(backend, a), 2.0), np.array([[3.0, -4.0, 3.0, -1.0]]))
    ints = np.array([7, -7, 6], "int64")
    out = backend.floor_divide(dev(backend, ints), 2)
    check(backend, out, np.array([3, -4, 3]), dtype="int64")


@covers("compare")
@pytest.mark.parametrize("op, ref", [("==", np.equal), ("!=", np.not_equal), ("<", np.less),
                                     ("<=", np.less_equal), (">", np.greater), (">=", np.greater_equal)])
def test_compare(backend, op, ref):
    a, b = np.array([[1.0], [2.0], [3.0]], "float32"), np.array([2.0, 3.0], "float32")
    check(backend, backend.compare(op, dev(backend, a), dev(backend, b)), ref(a, b), dtype="bool")


def test_compare_rejects_unknown_operator(backend):
    with pytest.raises(ValueError, match=r"compare: unknown operator '<>'; expected one of"):
        backend.compare("<>", dev(backend, rand(2)), dev(backend, rand(2)))


@covers("logical")
def test_logical(backend):
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    da, db = dev(backend, a), dev(backend, b)
    check(backend, backend.logical("and", da, db), a & b, dtype="bool")
    check(backend, backend.logical("or", da, db), a | b, dtype="bool")
    check(backend, backend.logical("xor", da, db), a ^ b, dtype="bool")
    check(backend, backend.logical("not", da), ~a, dtype="bool")
    message = "logical: unknown operator 'nand'; expected 'and', 'or', 'xor' or 'not'"
    with pytest.raises(ValueError, match=message):
        backend.logical("nand", da, db)


@covers("where", "clip")
def test_where_and_clip(backend):
    cond, a, b = rand(3, 4) > 0, rand(3, 4, seed=1), rand(1, 4, seed=2)
    check(backend, backend.where(dev(backend, cond), dev(backend, a), dev(backend, b)), np.where(cond, a, b))
    check(backend, backend.where(dev(backend, cond), dev(backend, a), 0.0), np.where(cond, a, 0))
    check(backend, backend.clip(dev(backend, a), -0.5, 0.5), np.clip(a, -0.5, 0.5))


# ---------------------------------------------------------------- reductions
@covers("sum", "mean", "max", "min")
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(backend, name, axis, keepdims):
    x = rand(2, 3, 4)
    out = getattr(backend, name)(dev(backend, x), axis=axis, keepdims=keepdims)
    check(backend, out, getattr(np, name)(x.astype("float64"), axis=axis, keepdims=keepdims), rtol=RED)


@covers("argmax", "argmin")
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_arg_reductions(backend, axis):
    x = rand(3, 4, 5)
    check(backend, backend.argmax(dev(backend, x), axis=axis), np.argmax(x, axis=axis), dtype="int64")
    check(backend, backend.argmin(dev(backend, x), axis=axis), np.argmin(x, axis=axis), dtype="int64")


@covers("sum_to_shape")
@pytest.mark.parametrize("src, dst, axes", [
    ((2, 3, 4), (3, 1), (0, 2)), ((2, 3, 4), (1, 4), (0, 1)), ((2, 3, 4), (4,), (0, 1)),
    ((5,), (), (0,)), ((3, 4), (3, 1), (1,)), ((2, 1, 4), (1, 1, 4), (0,)),
])
def test_sum_to_shape(backend, src, dst, axes):
    x = rand(*src)
    ref = x.astype("float64").sum(axis=axes).reshape(dst)
    check(backend, backend.sum_to_shape(dev(backend, x), dst), ref, rtol=RED)


def test_sum_to_shape_is_identity_on_equal_shapes(backend):
    x = dev(backend, rand(3, 4))
    assert backend.sum_to_shape(x, (3, 4)) is x


# ---------------------------------------------------------------- linear algebra
@covers("matmul")
@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                    ((2, 3, 4), (1, 4, 5)), ((2, 2, 3, 4), (4, 2))])
def test_matmul(backend, sa, sb):
    a, b = rand(*sa, seed=1), rand(*sb, seed=2)
    check(backend, backend.matmul(dev(backend, a), dev(backend, b)),
          np.matmul(a.astype("float64"), b.astype("float64")), rtol=RED, atol=1e-5)


@covers("dense")
@pytest.mark.parametrize("sx", [(6, 4), (2, 3, 4)])
@pytest.mark.parametrize("relu", [False, True])
def test_dense(backend, sx, relu):
    x, kernel, bias = rand(*sx, seed=1), rand(4, 5, seed=2), rand(5, seed=3)
    ref = x.astype("float64") @ kernel.astype("float64") + bias
    if relu:
        ref = np.maximum(ref, 0.0)
    xd = dev(backend, x)
    check(backend, backend.dense(xd, dev(backend, kernel), dev(backend, bias), relu), ref, rtol=RED,
          atol=1e-5)
    check(backend, xd, x, rtol=0, atol=0)  # the in-place work touches only the fresh output


# ---------------------------------------------------------------- shape and indexing
@covers("reshape", "transpose", "broadcast_to", "concatenate", "stack")
def test_shape_kernels(backend):
    x, y = rand(2, 3, 4, seed=1), rand(2, 3, 4, seed=2)
    dx, dy = dev(backend, x), dev(backend, y)
    check(backend, backend.reshape(dx, (6, -1)), x.reshape(6, -1), rtol=0, atol=0)
    check(backend, backend.transpose(dx, (2, 0, 1)), x.transpose(2, 0, 1), rtol=0, atol=0)
    check(backend, backend.broadcast_to(dev(backend, rand(3, 1)), (2, 3, 5)),
          np.broadcast_to(rand(3, 1), (2, 3, 5)), rtol=0, atol=0)
    check(backend, backend.concatenate([dx, dy], axis=1), np.concatenate([x, y], 1), rtol=0, atol=0)
    check(backend, backend.concatenate([dx, dy], axis=-1), np.concatenate([x, y], -1), rtol=0, atol=0)
    check(backend, backend.stack([dx, dy], axis=0), np.stack([x, y], 0), rtol=0, atol=0)
    check(backend, backend.stack([dx, dy], axis=-1), np.stack([x, y], -1), rtol=0, atol=0)


@covers("getitem")
@pytest.mark.parametrize("key", [
    1, (slice(None), 2), (Ellipsis, None, slice(1, 3)), (np.array([2, 0, 2]),),
    (slice(None), np.array([True, False, True])), (-1, slice(None, None, -1)),
], ids=["int", "tuple", "ellipsis-newaxis", "int-array", "bool-array", "negative-step"])
def test_getitem(backend, key):
    x = rand(3, 3, 4)
    dkey = tuple(dev(backend, k) if isinstance(k, np.ndarray) else k for k in key) \
        if isinstance(key, tuple) else key
    check(backend, backend.getitem(dev(backend, x), dkey), x[key], rtol=0, atol=0)


@covers("scatter_add")
def test_scatter_add_basic_key(backend):
    g = rand(3, 2)
    ref = np.zeros((3, 4), "float32")
    ref[:, 1:3] = g
    check(backend, backend.scatter_add((3, 4), (slice(None), slice(1, 3)), dev(backend, g), "float32"), ref)


def test_scatter_add_accumulates_repeated_indices(backend):
    idx, g = np.array([0, 2, 0, 0]), rand(4, 3)
    ref = np.zeros((3, 3), "float32")
    for i, row in zip(idx, g):
        ref[i] += row
    out = backend.scatter_add((3, 3), (dev(backend, idx),), dev(backend, g), "float32")
    check(backend, out, ref)
    pairs = (dev(backend, np.array([1, 1, 0])), dev(backend, np.array([2, 2, 0])))
    check(backend, backend.scatter_add((2, 3), pairs, dev(backend, np.ones(3, "float32")), "float32"),
          [[1, 0, 0], [0, 0, 2]])


@covers("take", "take_grad")
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_take_and_its_gradient(backend, axis):
    x, idx = rand(3, 4, 5), np.array([1, 0, 1, 2])
    out = backend.take(dev(backend, x), dev(backend, idx), axis)
    check(backend, out, np.take(x, idx, axis=axis), rtol=0, atol=0)
    g = rand(*np.take(x, idx, axis=axis).shape, seed=3)
    ref = np.zeros_like(x)
    for j, i in enumerate(idx):  # the slices taken twice get both gradients
        dst = [slice(None)] * 3
        src = [slice(None)] * 3
        dst[axis], src[axis] = i, j
        ref[tuple(dst)] += g[tuple(src)]
    check(backend, backend.take_grad(dev(backend, g), dev(backend, idx), axis, x.shape), ref)


@covers("pad")
def test_pad(backend):
    x = rand(2, 3)
    widths = ((1, 0), (2, 1))
    check(backend, backend.pad(dev(backend, x), widths), np.pad(x, widths), rtol=0, atol=0)
    check(backend, backend.pad(dev(backend, x), widths, value=-1.5),
          np.pad(x, widths, constant_values=-1.5), rtol=0, atol=0)


@covers("one_hot")
def test_one_hot(backend):
    idx = np.array([[0, 3, 1], [2, -1, 4]])  # -1 and 4 (>= depth) give all-zero rows, as tf.one_hot
    ref = np.zeros((2, 3, 4), "float32")
    for pos in np.ndindex(idx.shape):
        if 0 <= idx[pos] < 4:
            ref[pos + (idx[pos],)] = 1
    check(backend, backend.one_hot(dev(backend, idx), 4, "float32"), ref, rtol=0, atol=0)
    assert backend.dtype_name(backend.one_hot(dev(backend, idx), 4, "int32")) == "int32"


# ---------------------------------------------------------------- coarse neural-network kernels
def _log_softmax_ref(x, axis):
    x = x.astype("float64")
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@covers("softmax", "log_softmax")
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(backend, axis):
    x = rand(3, 4, 5, low=-5, high=5)
    check(backend, backend.log_softmax(dev(backend, x), axis), _log_softmax_ref(x, axis), atol=1e-5)
    out = backend.softmax(dev(backend, x), axis)
    check(backend, out, np.exp(_log_softmax_ref(x, axis)))
    np.testing.assert_allclose(host(backend, out).sum(axis=axis), 1.0, rtol=1e-5)


def test_softmax_is_stable_for_huge_logits(backend):
    x = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]], "float32")
    with strict_floats():
        sm = host(backend, backend.softmax(dev(backend, x)))
        lsm = host(backend, backend.log_softmax(dev(backend, x)))
    np.testing.assert_allclose(sm, [[1, 0, 0], [1 / 3] * 3], rtol=1e-6, atol=0)
    np.testing.assert_allclose(lsm, [[0, -1000, -2000], [-np.log(3)] * 3], rtol=1e-6)


@covers("softmax_grad")
def test_softmax_grad_is_the_jacobian_product(backend):
    x, g = rand(2, 5, seed=1), rand(2, 5, seed=2)
    y = np.exp(_log_softmax_ref(x, -1))
    ref = np.stack([gi @ (np.diag(yi) - np.outer(yi, yi)) for gi, yi in zip(g, y)])
    out = backend.softmax_grad(dev(backend, g), dev(backend, y.astype("float32")), -1)
    check(backend, out, ref, atol=1e-6)


@covers("softmax_cross_entropy", "softmax_cross_entropy_grad")
@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("label_mass", [1.0, 4.5])  # 4.5: random targets whose rows do not sum to 1
def test_softmax_cross_entropy(backend, axis, label_mass):
    logits = rand(4, 3, low=-4, high=4)
    labels = np.random.default_rng(1).dirichlet([1.0] * logits.shape[axis], size=logits.shape[1 + axis])
    labels = (label_mass * (labels if axis == -1 else labels.T)).astype("float32")
    loss, probs = backend.softmax_cross_entropy(dev(backend, logits), dev(backend, labels), axis)
    lsm = _log_softmax_ref(logits, axis)
    check(backend, loss, -(labels * lsm).sum(axis=axis))
    check(backend, probs, np.exp(lsm))
    g = rand(*np.asarray(host(backend, loss)).shape, seed=5)
    out = backend.softmax_cross_entropy_grad(dev(backend, g), probs, dev(backend, labels), axis)
    mass = labels.sum(axis=axis, keepdims=True)
    check(backend, out, np.expand_dims(g, axis) * (mass * np.exp(lsm) - labels), atol=1e-5)


@covers("sparse_softmax_cross_entropy", "sparse_softmax_cross_entropy_grad")
@pytest.mark.parametrize("label_dtype", ["int32", "int64"])
def test_sparse_softmax_cross_entropy(backend, label_dtype):
    logits, labels = rand(2, 3, 5, low=-4, high=4), np.array([[0, 4, 2], [1, 1, 3]], label_dtype)
    loss, probs = backend.sparse_softmax_cross_entropy(dev(backend, logits), dev(backend, labels))
    lsm = _log_softmax_ref(logits, -1)
    check(backend, loss, -np.take_along_axis(lsm, labels[..., None].astype("int64"), -1)[..., 0])
    g = rand(2, 3, seed=4)
    onehot = np.eye(5)[labels]
    out = backend.sparse_softmax_cross_entropy_grad(dev(backend, g), probs, dev(backend, labels))
    check(backend, out, g[..., None] * (np.exp(lsm) - onehot), atol=1e-6)


@covers("sparse_softmax_cross_entropy", "sparse_softmax_cross_entropy_grad")
def test_sparse_softmax_cross_entropy_labels_out_of_range_are_nan(backend):
    # Never another class's value: -1 would wrap to the last class, 5 past the end raise or wrap.
    logits, labels = rand(3, 4, low=-4, high=4), np.array([2, -1, 5], "int64")
    loss, probs = backend.sparse_softmax_cross_entropy(dev(backend, logits), dev(backend, labels))
    out = host(backend, loss)
    np.testing.assert_allclose(out[0], -_log_softmax_ref(logits, -1)[0, 2], rtol=1e-6)
    assert np.isnan(out[1:]).all() and out.dtype == np.float32
    g = host(backend, backend.sparse_softmax_cross_entropy_grad(dev(backend, np.ones(3, "float32")), probs,
                                                                dev(backend, labels)))
    assert np.isfinite(g[0]).all() and np.isnan(g[1:]).all()


# ---------------------------------------------------------------- in-place optimizer updates
# Each runs three steps on float32 device arrays against the tf.keras 2.x formula in float64.
STEPS = 3


def _grads(shape=(4, 3)):
    return [rand(*shape, seed=10 + t) for t in range(STEPS)]


@pytest.fixture(params=["whole", "blocks of 5"])
def update_blocks(request, backend, monkeypatch):
    """Runs an update test once as one block and once cut into blocks of 5 elements (the (4, 3)
    variables then span three blocks, the last one short), as large variables are on the CPU."""
    if request.param != "whole":
        monkeypatch.setattr(backend, "update_block_elements", 5)
    return request.param


def _assert_in_place(backend, arrays, call):
    """Runs `call`, checks it returned None and changed `arrays` in place, keeping their dtype."""
    ids = [id(a) for a in arrays]
    assert call() is None
    assert [id(a) for a in arrays] == ids
    assert all(backend.dtype_name(a) == "float32" for a in arrays)


@covers("sgd_update")
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_update(backend, update_blocks, momentum, nesterov):
    lr, w0 = 0.1, rand(4, 3)
    var = dev(backend, w0)
    vel = dev(backend, np.zeros_like(w0)) if momentum else None
    w, v = w0.astype("float64"), np.zeros(w0.shape)
    for g in _grads():
        arrays = [var] + ([vel] if vel is not None else [])
        _assert_in_place(backend, arrays, lambda: backend.sgd_update(
            var, dev(backend, g), vel, lr, momentum, nesterov))
        if momentum == 0:
            w = w - lr * g
        else:
            v = momentum * v - lr * g
            w = w + (momentum * v - lr * g if nesterov else v)
    check(backend, var, w)
    if vel is not None:
        check(backend, vel, v)


@covers("adam_update")
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_update(backend, update_blocks, amsgrad):
    lr, b1, b2, eps, w0 = 0.01, 0.9, 0.999, 1e-7, rand(4, 3)
    var, m, v = dev(backend, w0), backend.zeros((4, 3), "float32"), backend.zeros((4, 3), "float32")
    vhat = backend.zeros((4, 3), "float32") if amsgrad else None
    w, rm, rv, rvhat = w0.astype("float64"), np.zeros(w0.shape), np.zeros(w0.shape), np.zeros(w0.shape)
    grads = _grads()
    grads[1] = grads[1] * 0.01  # a small second gradient makes v shrink, so AMSGrad's max matters
    for t, g in enumerate(grads, start=1):
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)  # tf.keras folds bias correction into lr_t
        arrays = [var, m, v] + ([vhat] if amsgrad else [])
        _assert_in_place(backend, arrays, lambda: backend.adam_update(
            var, dev(backend, g), m, v, float(lr_t), b1, b2, eps, vhat))
        rm = b1 * rm + (1 - b1) * g
        rv = b2 * rv + (1 - b2) * g ** 2
        rvhat = np.maximum(rvhat, rv)
        w = w - lr_t * rm / (np.sqrt(rvhat if amsgrad else rv) + eps)
    check(backend, var, w)
    check(backend, m, rm)
    check(backend, v, rv)
    if amsgrad:
        check(backend, vhat, rvhat)


@covers("adam_update")
def test_adam_update_of_a_non_contiguous_variable_in_blocks(backend, monkeypatch):
    # A transposed view cannot be cut into flat blocks: it is updated whole, in place, all the same.
    monkeypatch.setattr(backend, "update_block_elements", 5)
    w0, g = rand(3, 4), rand(4, 3, seed=7)
    base = dev(backend, w0.copy())
    var, m, v = base.T, backend.zeros((4, 3), "float32"), backend.zeros((4, 3), "float32")
    backend.adam_update(var, dev(backend, g), m, v, 0.01, 0.9, 0.999, 1e-7)
    rm, rv = 0.1 * g, 0.001 * g ** 2
    check(backend, base, (w0.T - 0.01 * rm / (np.sqrt(rv) + 1e-7)).T)


@covers("adam_update", "weight_decay_update")
@pytest.mark.parametrize("fused", [True, False])
def test_adam_update_with_weight_decay(backend, update_blocks, fused):
    # AdamW: the fused `decay` and the separate weight_decay_update then Adam give tf.keras's rule.
    lr, b1, b2, eps, decay, w0 = 0.01, 0.9, 0.999, 1e-7, 0.02, rand(4, 3)
    var, m, v = dev(backend, w0), backend.zeros((4, 3), "float32"), backend.zeros((4, 3), "float32")
    w, rm, rv = w0.astype("float64"), np.zeros(w0.shape), np.zeros(w0.shape)
    for t, g in enumerate(_grads(), start=1):
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        if fused:
            _assert_in_place(backend, [var, m, v], lambda: backend.adam_update(
                var, dev(backend, g), m, v, float(lr_t), b1, b2, eps, None, decay))
        else:
            _assert_in_place(backend, [var], lambda: backend.weight_decay_update(var, decay))
            backend.adam_update(var, dev(backend, g), m, v, float(lr_t), b1, b2, eps)
        w = w - w * decay
        rm = b1 * rm + (1 - b1) * g
        rv = b2 * rv + (1 - b2) * g ** 2
        w = w - lr_t * rm / (np.sqrt(rv) + eps)
    check(backend, var, w)
    check(backend, m, rm)
    check(backend, v, rv)


@covers("lion_update")
@pytest.mark.parametrize("decay", [0.0, 0.02])
def test_lion_update(backend, update_blocks, decay):
    lr, b1, b2, w0 = 0.01, 0.9, 0.99, rand(4, 3)
    var, m = dev(backend, w0), backend.zeros((4, 3), "float32")
    w, rm = w0.astype("float64"), np.zeros(w0.shape)
    for g in _grads():
        _assert_in_place(backend, [var, m], lambda: backend.lion_update(var, dev(backend, g), m, lr, b1, b2,
                                                                         decay))
        w = w - w * decay
        w = w - lr * np.sign(rm * b1 + g * (1 - b1))
        rm = rm * b2 + g * (1 - b2)
    check(backend, var, w)
    check(backend, m, rm)


@covers("ftrl_update")
@pytest.mark.parametrize("l1, l2, shrinkage, power", [(0.0, 0.0, 0.0, -0.5), (0.05, 0.1, 0.02, -0.5),
                                                      (0.05, 0.1, 0.02, -0.7), (0.0, 0.0, 0.0, 0.0)])
def test_ftrl_update(backend, update_blocks, l1, l2, shrinkage, power):
    lr, w0 = 0.1, rand(4, 3)
    var = dev(backend, w0)
    acc, lin = dev(backend, np.full((4, 3), 0.1, "float32")), backend.zeros((4, 3), "float32")
    w, racc, rlin = w0.astype("float64"), np.full(w0.shape, 0.1), np.zeros(w0.shape)
    for g in _grads():
        _assert_in_place(backend, [var, acc, lin], lambda: backend.ftrl_update(
            var, dev(backend, g), acc, lin, lr, power, l1, l2, shrinkage))
        new_acc = racc + g ** 2
        rlin = rlin + g + 2 * shrinkage * w - (new_acc ** -power - racc ** -power) / lr * w
        w = (np.clip(rlin, -l1, l1) - rlin) / (new_acc ** -power / lr + 2 * l2)
        racc = new_acc
    check(backend, var, w, rtol=RED)
    check(backend, acc, racc)
    check(backend, lin, rlin, rtol=RED)


@covers("adafactor_update")
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (5,)])
def test_adafactor_update(backend, shape):
    eps1, eps2, clip, w0 = 1e-30, 1e-3, 1.0, rand(*shape)
    factored = len(shape) >= 2
    var, v = dev(backend, w0), backend.zeros(shape, "float32")
    r = backend.zeros(shape[:-1] if factored else (), "float32")
    c = backend.zeros(shape[:-2] + shape[-1:] if factored else (), "float32")
    w, rr, rc, rv = w0.astype("float64"), np.zeros(shape[:-1]), np.zeros(shape[:-2] + shape[-1:]), np.zeros(shape)
    for t, g in enumerate(_grads(shape), start=1):
        rho_t, beta_2_t = min(0.1, 1 / np.sqrt(t)), 1 - t ** -0.8
        _assert_in_place(backend, [var, r, c, v], lambda: backend.adafactor_update(
            var, dev(backend, g), r, c, v, rho_t, beta_2_t, eps1, eps2, clip))
        alpha = max(eps2, np.sqrt(np.mean(w ** 2))) * rho_t
        s = g ** 2 + eps1
        if factored:
            rr = beta_2_t * rr + (1 - beta_2_t) * s.mean(-1)
            rc = beta_2_t * rc + (1 - beta_2_t) * s.mean(-2)
            rv = (rr / rr.mean(-1, keepdims=True))[..., None] * rc[..., None, :]
        else:
            rv = beta_2_t * rv + (1 - beta_2_t) * s
        u = g / np.sqrt(rv)
        w = w - alpha * u / max(1.0, np.sqrt(np.mean(u ** 2)) / clip)
    check(backend, var, w, rtol=RED)
    check(backend, v, rv, rtol=RED)
    if factored:
        check(backend, r, rr, rtol=RED)
        check(backend, c, rc, rtol=RED)


@covers("rmsprop_update")
@pytest.mark.parametrize("momentum, centered", [(0.0, False), (0.0, True), (0.5, False), (0.5, True)])
def test_rmsprop_update(backend, update_blocks, momentum, centered):
    lr, rho, eps, w0 = 0.01, 0.9, 1e-7, rand(4, 3)
    var, ms = dev(backend, w0), backend.zeros((4, 3), "float32")
    mom = backend.zeros((4, 3), "float32") if momentum else None
    mg = backend.zeros((4, 3), "float32") if centered else None
    w, rms, rmom, rmg = w0.astype("float64"), np.zeros(w0.shape), np.zeros(w0.shape), np.zeros(w0.shape)
    for g in _grads():
        arrays = [a for a in (var, ms, mom, mg) if a is not None]
        _assert_in_place(backend, arrays, lambda: backend.rmsprop_update(
            var, dev(backend, g), ms, mom, mg, lr, rho, momentum, eps))
        rms = rho * rms + (1 - rho) * g ** 2
        denom = rms
        if centered:
            rmg = rho * rmg + (1 - rho) * g
            denom = rms - rmg ** 2
        if momentum:
            rmom = momentum * rmom + lr * g / np.sqrt(denom + eps)
            w = w - rmom
        else:
            w = w - lr * g / (np.sqrt(denom) + eps)
    check(backend, var, w, rtol=RED)
    check(backend, ms, rms)
    if centered:
        check(backend, mg, rmg)
    if momentum:
        check(backend, mom, rmom, rtol=RED)
