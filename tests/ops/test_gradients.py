"""The float64 finite-difference check of every registered differentiable primitive, generated from the
registry, on every available backend."""
import numpy as np
import pytest

import kerasx.ops  # noqa: F401  (registers every primitive)
from kerasx.autodiff import REGISTRY, gradcheck

DIFFERENTIABLE = sorted(name for name, p in REGISTRY.items() if p.differentiable)


def test_every_differentiable_primitive_has_samples():
    missing = [n for n in DIFFERENTIABLE if not REGISTRY[n].samples(np.random.default_rng(0))]
    assert not missing, f"primitives without gradient-check samples: {missing}"


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_primitive_gradient_matches_finite_differences(backend, name):
    prim = REGISTRY[name]
    for args, params in prim.samples(np.random.default_rng(1)):
        gradcheck(prim, list(args), params)


def test_gradcheck_catches_a_wrong_rule(backend):
    from kerasx.autodiff.primitive import Primitive
    wrong = Primitive("wrong_square", lambda b, x: (b.square(x), (x,)),
                      lambda b, g, res, needs: (b.multiply(g, res[0]),),  # misses the factor 2
                      lambda rng: [])
    with pytest.raises(AssertionError, match="gradcheck failed for input 0"):
        gradcheck(wrong, [np.array([1.0, 2.0])])


def test_dense_op_shape_errors(backend):
    from kerasx import ops
    x, kernel = np.ones((2, 3), "float32"), np.ones((3, 4), "float32")
    with pytest.raises(ValueError, match=r"dense: bias must have shape \(4,\) to match the kernel "
                                         r"\(3, 4\), received \(3,\)"):
        ops.dense(x, kernel, np.ones(3, "float32"))
    with pytest.raises(ValueError, match=r"inner dimensions differ: \(2, 3\) @ \(4, 4\)"):
        ops.dense(x, np.ones((4, 4), "float32"), np.ones(4, "float32"))


def test_reshape_and_transpose_take_their_static_argument_positionally(backend):
    # tf's signatures, reshape(x, shape) and transpose(x, perm): the backward pass must still see them.
    from kerasx import GradientTape, Variable, ops
    v = Variable(np.arange(6, dtype="float32"))
    with GradientTape() as tape:
        y = ops.transpose(ops.reshape(v, (2, 3)), (1, 0))
        loss = ops.sum(ops.multiply(y, np.arange(6, dtype="float32").reshape(3, 2)))
    assert tuple(y.shape) == (3, 2)
    np.testing.assert_array_equal(tape.gradient(loss, v).numpy(), [0, 2, 4, 1, 3, 5])


def test_conv_on_extra_leading_axes_differentiates(backend):
    from kerasx import GradientTape, layers, ops
    layer = layers.Conv2D(2, 3)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6, 1)).astype("float32")
    with GradientTape() as tape:
        loss = ops.sum(ops.square(layer(x)))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert [tuple(g.shape) for g in grads] == [(3, 3, 1, 2), (2,)]
