"""Calling primitives: tf's positional static arguments (`cast(x, "float32")`, `sum(x, 1)`) become
keywords before anything is recorded, so the VJP sees them; misuses are refused with the op's name."""
import numpy as np
import pytest

from kerasx import ops
from kerasx.autodiff.tape import GradientTape
from kerasx.autodiff.tensor import Tensor, Variable

X = np.arange(6, dtype="float32").reshape(2, 3)


def test_positional_static_arguments_reach_forward_and_vjp(backend):
    x = Variable(X)
    with GradientTape() as tape:
        rows = ops.sum(x, 1)  # as tf.reduce_sum(x, 1)
        y = ops.sum(ops.multiply(ops.cast(rows, "float64"), Tensor(backend.asarray(np.array([1.0, 2.0])))))
    np.testing.assert_allclose(rows.numpy(), X.sum(1))
    assert y.dtype == "float64"
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[1.0] * 3, [2.0] * 3])
    assert ops.max(x, 0, True).shape == (1, 3)
    assert ops.argmax(x, 0).numpy().tolist() == [1, 1, 1]
    assert ops.softmax(x, 0).shape == (2, 3)


def test_too_many_positional_arguments_are_refused(backend):
    with pytest.raises(TypeError, match=r"sum\(\) takes 1 tensor argument\(s\) and at most 2 static one\(s\) "
                                        r"\(axis, keepdims\), received 4 positional arguments\."):
        ops.sum(Tensor(backend.asarray(X)), 1, True, 3)


def test_a_static_argument_given_twice_is_refused(backend):
    with pytest.raises(TypeError, match=r"cast\(\) got multiple values for argument 'dtype'\."):
        ops.cast(Tensor(backend.asarray(X)), "float64", dtype="float32")


def test_a_string_where_a_tensor_belongs_is_refused(backend):
    with pytest.raises(TypeError, match=r"add\(\) takes tensors positionally, received 'float32': pass static "
                                        r"parameters \(axis, dtype, shape, \.\.\.\) by keyword\."):
        ops.add(Tensor(backend.asarray(X)), "float32")
