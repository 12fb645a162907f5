import numpy as np
import pytest

from kerasx import GradientTape, layers, ops
from kerasx.autodiff.tensor import as_tensor

RNG = np.random.default_rng(3)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


CASES = [
    (layers.Add, layers.add, lambda xs: xs[0] + xs[1] + xs[2]),
    (layers.Multiply, layers.multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (layers.Average, layers.average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    (layers.Maximum, layers.maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (layers.Minimum, layers.minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
]


@pytest.mark.parametrize("cls, fn, ref", CASES)
def test_elementwise_merges_match_numpy(backend, cls, fn, ref):
    xs = [_x(2, 3, 4) for _ in range(3)]
    layer = cls()
    y = layer(xs)
    assert y.dtype == "float32"
    np.testing.assert_allclose(y.numpy(), ref(xs), rtol=1e-6)
    assert layer.compute_output_shape([x.shape for x in xs]) == (2, 3, 4)
    np.testing.assert_allclose(fn(xs).numpy(), ref(xs), rtol=1e-6)
    rebuilt = layers.deserialize(layers.serialize(layer))
    assert type(rebuilt) is cls and rebuilt.get_config() == layer.get_config()


@pytest.mark.parametrize("cls, fn, ref", CASES)
def test_elementwise_merges_pass_gradients(backend, cls, fn, ref):
    xs = [as_tensor(_x(2, 3)) for _ in range(3)]
    with GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        total = ops.sum(cls()(xs))
    grads = tape.gradient(total, xs)
    assert all(np.all(np.isfinite(g.numpy())) for g in grads)
    assert sum(float(np.abs(g.numpy()).sum()) for g in grads) > 0


def test_subtract(backend):
    a, b = _x(2, 3), _x(2, 3)
    np.testing.assert_allclose(layers.subtract([a, b]).numpy(), a - b)


def test_subtract_needs_exactly_two_inputs(backend):
    with pytest.raises(ValueError, match="A `Subtract` layer should be called on exactly 2 inputs"):
        layers.Subtract()([_x(2, 3), _x(2, 3), _x(2, 3)])


def test_merge_broadcasts_lower_rank_inputs_at_axis_1(backend):
    a, b = _x(2, 3, 4), _x(2, 4)
    y = layers.Add()([a, b])
    np.testing.assert_allclose(y.numpy(), a + b[:, None, :], rtol=1e-6)
    assert layers.Add().compute_output_shape([(2, 3, 4), (2, 1, 4)]) == (2, 3, 4)


def test_merge_needs_a_list(backend):
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs"):
        layers.Add()(_x(2, 3))


def test_merge_incompatible_shapes(backend):
    with pytest.raises(ValueError, match=r"Inputs have incompatible shapes. Received shapes \(3,\) and \(4,\)"):
        layers.Add()([_x(2, 3), _x(2, 4)])


def test_merge_different_batch_sizes(backend):
    with pytest.raises(ValueError, match="Cannot merge tensors with different batch sizes"):
        layers.Add()([_x(2, 3), _x(5, 3)])


def test_merge_symbolic_shapes():
    a, b = layers.Input(shape=(3, 4)), layers.Input(shape=(3, 4))
    assert layers.add([a, b]).shape == (None, 3, 4)
    assert layers.concatenate([a, b], axis=1).shape == (None, 6, 4)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_concatenate(backend, axis):
    a, b = _x(2, 3, 4), _x(2, 3, 4)
    layer = layers.Concatenate(axis=axis)
    y = layer([a, b])
    np.testing.assert_allclose(y.numpy(), np.concatenate([a, b], axis=axis))
    assert layer.compute_output_shape([a.shape, b.shape]) == y.shape
    assert layer.get_config()["axis"] == axis
    assert layers.deserialize(layers.serialize(layer)).axis == axis


def test_concatenate_mismatched_shapes(backend):
    with pytest.raises(ValueError, match="A `Concatenate` layer requires inputs with matching shapes except "
                                         "for the concatenation axis"):
        layers.Concatenate()([_x(2, 3, 4), _x(2, 5, 4)])


def test_concatenate_needs_a_list(backend):
    with pytest.raises(ValueError, match="A `Concatenate` layer should be called on a list of at least 1 "
                                         "input"):
        layers.Concatenate()(_x(2, 3))


def test_merge_masks(backend):
    m1 = as_tensor(np.array([[True, False, True]]))
    m2 = as_tensor(np.array([[True, True, False]]))
    x = [_x(1, 3, 2), _x(1, 3, 2)]
    out = layers.Add().compute_mask(x, [m1, m2]).numpy()
    np.testing.assert_array_equal(out, [[True, False, False]])
    assert layers.Add().compute_mask(x, [None, None]) is None
    joined = layers.Concatenate().compute_mask([as_tensor(v) for v in x], [m1, None]).numpy()
    np.testing.assert_array_equal(joined, [[True, False, True]])


# ------------------------------------------------------------------ Dot
def _np_batch_dot(x, y, axes, normalize=False):
    """Per-sample tensordot written with loops over the batch, then tf.keras's output layout."""
    a0, a1 = axes
    if normalize:
        x = x / np.sqrt(np.maximum(np.sum(x * x, axis=a0, keepdims=True), 1e-12))
        y = y / np.sqrt(np.maximum(np.sum(y * y, axis=a1, keepdims=True), 1e-12))
    out = np.stack([np.tensordot(x[i], y[i], axes=(a0 - 1, a1 - 1)) for i in range(x.shape[0])])
    return out.reshape(out.shape[0], 1) if out.ndim == 1 else out


@pytest.mark.parametrize("shapes, axes, pair", [
    (((4, 3), (4, 3)), 1, (1, 1)),
    (((2, 3, 4), (2, 5, 4)), -1, (2, 2)),
    (((2, 3, 4), (2, 3, 5)), 1, (1, 1)),
    (((2, 3, 4), (2, 4)), (2, 1), (2, 1)),
    (((2, 4), (2, 4, 3)), [1, 1], (1, 1)),
    (((2, 3, 2, 4), (2, 4, 5)), (-1, 1), (3, 1)),
])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_matches_numpy(backend, shapes, axes, pair, normalize):
    xs = [_x(*s) for s in shapes]
    layer = layers.Dot(axes=axes, normalize=normalize)
    y = layer(xs)
    assert y.dtype == "float32"
    np.testing.assert_allclose(y.numpy(), _np_batch_dot(*xs, pair, normalize), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape([x.shape for x in xs]) == y.shape
    np.testing.assert_allclose(layers.dot(xs, axes=axes, normalize=normalize).numpy(), y.numpy(), rtol=1e-6)
    config = layers.deserialize(layers.serialize(layer)).get_config()
    assert config == layer.get_config() and config["axes"] == axes and config["normalize"] == normalize
    symbolic = layers.Dot(axes=axes, normalize=normalize)([layers.Input(shape=s[1:]) for s in shapes])
    assert symbolic.shape == (None,) + y.shape[1:]


def test_dot_normalize_is_cosine_similarity(backend):
    a, b = _x(3, 5), _x(3, 5)
    cos = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(layers.dot([a, b], axes=1, normalize=True).numpy()[:, 0], cos, rtol=1e-5)
    zero = np.zeros((1, 5), dtype="float32")
    np.testing.assert_array_equal(layers.dot([zero, a[:1]], axes=1, normalize=True).numpy(), [[0.0]])


def test_dot_gradients(backend):
    a, b = as_tensor(_x(2, 3, 4)), as_tensor(_x(2, 5, 4))
    w = _x(2, 3, 5)
    with GradientTape() as tape:
        tape.watch(a)
        tape.watch(b)
        total = ops.sum(ops.multiply(layers.Dot(axes=2)([a, b]), w))
    ga, gb = tape.gradient(total, [a, b])
    np.testing.assert_allclose(ga.numpy(), np.einsum("bts,bsd->btd", w, b.numpy()), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gb.numpy(), np.einsum("bts,btd->bsd", w, a.numpy()), rtol=1e-5, atol=1e-6)


def test_dot_in_a_trained_model(backend):
    from kerasx.utils import set_random_seed
    import kerasx as keras
    set_random_seed(0)
    a, b = layers.Input(shape=(4,)), layers.Input(shape=(4,))
    out = layers.Dot(axes=1)([layers.Dense(3)(a), layers.Dense(3)(b)])
    model = keras.Model([a, b], out)
    model.compile(optimizer="sgd", loss="mse")
    xa, xb = _x(16, 4), _x(16, 4)
    target = np.sum(xa * xb, axis=1, keepdims=True)
    first = model.evaluate([xa, xb], target, verbose=0)
    model.fit([xa, xb], target, epochs=5, batch_size=4, verbose=0)
    assert model.evaluate([xa, xb], target, verbose=0) < first


def test_dot_errors(backend):
    with pytest.raises(TypeError, match="Invalid type for argument `axes`: it should be a list or an int"):
        layers.Dot(axes="1")
    with pytest.raises(ValueError, match="Invalid format for argument `axes`: it should contain two elements"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="list elements should be integers"):
        layers.Dot(axes=(1, 2.0))
    with pytest.raises(ValueError, match='A `Dot` layer should be called on a list of 2 inputs \\(layer "d2"\\)'):
        layers.Dot(axes=1, name="d2")([_x(2, 3), _x(2, 3), _x(2, 3)])
    with pytest.raises(ValueError, match=r"Incompatible input shapes: axis values 3 \(at axis 1\) != 4 \(at "
                                         r'axis 1\). Full input shapes: \(2, 3\), \(2, 4\) \(layer "d3"\)'):
        layers.Dot(axes=1, name="d3")([_x(2, 3), _x(2, 4)])
    with pytest.raises(ValueError, match=r'Layer "d0" \(Dot\): Cannot perform batch_dot over axis 0'):
        layers.Dot(axes=0, name="d0")([_x(2, 3), _x(2, 3)])
    with pytest.raises(ValueError, match=r'Layer "d1" \(Dot\): Cannot do batch_dot on inputs with rank < 2'):
        layers.Dot(axes=1, name="d1")([np.ones((3,), dtype="float32"), np.ones((3,), dtype="float32")])


def test_dot_mask_is_none(backend):
    m = as_tensor(np.array([[True, False, True]]))
    assert layers.Dot(axes=2).compute_mask([_x(1, 3, 2), _x(1, 3, 2)], [m, m]) is None


def test_every_functional_merge_form_exists():
    for name in ("add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"):
        assert callable(getattr(layers, name)), name
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    assert layers.subtract([a, b]).shape == (None, 3)
    assert layers.dot([a, b], axes=1).shape == (None, 1)


def test_merge_compute_mask_errors(backend):
    m = as_tensor(np.array([[True, False]]))
    x = [_x(1, 2, 3), _x(1, 2, 3)]
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layers.Add().compute_mask(x, m)
    with pytest.raises(ValueError, match="The lists `inputs` and `mask` should have the same length"):
        layers.Add().compute_mask(x, [m])
    with pytest.raises(ValueError, match="The lists `inputs` and `mask` should have the same length"):
        layers.Concatenate().compute_mask(x, [m, m, m])


def test_merge_masks_propagate_in_a_functional_model(backend):
    import kerasx as keras
    ia, ib = layers.Input(shape=(3,), dtype="int32"), layers.Input(shape=(3,), dtype="int32")
    ea, eb = layers.Embedding(5, 2, mask_zero=True)(ia), layers.Embedding(5, 2, mask_zero=True)(ib)
    model = keras.Model([ia, ib], [layers.add([ea, eb]), layers.concatenate([ea, eb], axis=1),
                                   layers.Dot(axes=2)([ea, eb])])
    ids_a, ids_b = np.array([[1, 0, 2]]), np.array([[3, 4, 0]])
    summed, joined, dotted = model([ids_a, ids_b])
    np.testing.assert_array_equal(summed._keras_mask.numpy(), (ids_a != 0) & (ids_b != 0))
    np.testing.assert_array_equal(joined._keras_mask.numpy(), np.concatenate([ids_a != 0, ids_b != 0], 1))
    assert getattr(dotted, "_keras_mask", None) is None
