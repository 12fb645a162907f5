"""The public `gradcheck`: passes correct gradients, names the input and element of a wrong one."""
import re

import numpy as np
import pytest

from kerasx import ops
from kerasx.autodiff import gradcheck
from kerasx.autodiff.primitive import Primitive


def _wrong_mul():
    """x * y whose VJP forgets y for the first input."""
    return Primitive("wrong_mul", lambda b, x, y: (b.multiply(x, y), (x, y)),
                     lambda b, g, res, needs: (g, b.multiply(g, res[0])), lambda rng: [])


def test_passes_a_composed_function(backend):
    rng = np.random.default_rng(0)

    def fn(x, w, scale):
        return ops.tanh(ops.matmul(x, w)) * scale

    assert gradcheck(fn, [rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), 0.5]) is True


def test_keyword_params_and_several_outputs(backend):
    rng = np.random.default_rng(1)

    def fn(x):
        return ops.softmax(x, axis=0), ops.sum(ops.square(x), axis=1)

    assert gradcheck(fn, [rng.standard_normal((3, 4))])
    assert gradcheck(ops.log_softmax, [rng.standard_normal((3, 4))], {"axis": 0})


def test_integer_inputs_are_held_constant(backend):
    rng = np.random.default_rng(2)
    assert gradcheck(lambda x, idx: ops.take(x, idx, axis=0),
                     [rng.standard_normal((4, 2)), np.array([3, 0, 3])])


def test_names_the_wrong_input_and_element(backend):
    x, y = np.array([1.0, 2.0]), np.array([3.0, -4.0])
    message = "gradcheck failed for input 0 (shape (2,)): at index"
    with pytest.raises(AssertionError, match=re.escape(message)):
        gradcheck(_wrong_mul(), [x, y])


def test_float32_inputs_are_checked_in_float64_and_not_modified(backend):
    x = np.array([[0.5, -1.0]], "float32")
    before = x.copy()
    assert gradcheck(lambda a: ops.exp(a) * a, [x])
    np.testing.assert_array_equal(x, before)
    assert x.dtype == np.float32


def test_a_function_without_float_output_is_an_error(backend):
    message = "gradcheck: the function returned no float64 output to differentiate."
    with pytest.raises(AssertionError, match=message):
        gradcheck(lambda x: ops.argmax(x, axis=-1), [np.ones((2, 3))])


def test_numeric_gradient_differences_a_scalar_function_of_variables_and_restores_them(backend):
    from kerasx import ops
    from kerasx.autodiff import Variable, numeric_gradient
    v = Variable(np.array([[1.0, -2.0], [0.5, 3.0]]))
    w = Variable(np.array([2.0, 1.0]))
    num_v, num_w = numeric_gradient(lambda: ops.sum(ops.matmul(v * v, ops.reshape(w, (2, 1)))), [v, w])
    np.testing.assert_allclose(num_v, 2 * v.numpy() * w.numpy()[None, :], rtol=1e-7)
    np.testing.assert_allclose(num_w, np.sum(v.numpy() ** 2, axis=0), rtol=1e-7)
    np.testing.assert_array_equal(v.numpy(), [[1.0, -2.0], [0.5, 3.0]])
