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
