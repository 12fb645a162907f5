"""`Variable`'s state methods and `as_tensor` at the host/device boundary: what each writes, that numbers
travel as device fills or kernel scalars (no transfer), and the shape errors. (Tensor and Variable basics
the tape relies on: tests/autodiff/test_tape.py.)"""
import re

import numpy as np
import pytest

import kerasx
from kerasx import ops
from kerasx.autodiff import Variable, as_tensor
from backends.config import floatx

NO_TRANSFER = {"to_host": 0, "to_device": 0}


def test_assigning_a_number_is_a_device_fill(backend):
    v = Variable(np.float32(2.0), name="lr")
    data = v.data
    with backend.transfers.counting() as moved:
        v.assign(0.5)
        v.assign(np.float32(0.25))
        v.assign(ops.fill((), 3.0))
    assert moved == NO_TRANSFER and v.data is data
    assert float(v.numpy()) == 3.0


def test_a_number_assigned_to_a_non_scalar_is_a_shape_error(backend):
    v = Variable(np.zeros(3, "float32"), name="total")
    with pytest.raises(ValueError, match=re.escape(
            "Cannot assign a value of shape () to variable 'total' of shape (3,).")):
        v.assign(1.0)
    assert not v.numpy().any()


def test_assign_add_and_sub_run_on_the_device(backend):
    v = Variable(np.array([1.0, 2.0], "float32"), name="acc")
    data = v.data
    delta = ops.ones((2,))
    with backend.transfers.counting() as moved:
        v.assign_add(delta)
        v.assign_add(0.5)
        v.assign_sub(2)
    assert moved == NO_TRANSFER and v.data is data and v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), [0.5, 1.5])
    v.assign_add(np.array([1.0, 1.0]))  # host data is moved explicitly; float64 does not leak in
    np.testing.assert_array_equal(v.numpy(), [1.5, 2.5])
    assert v.dtype == "float32"


def test_assign_add_of_a_broadcasting_shape_is_refused_before_any_change(backend):
    v = Variable(np.zeros((), "float32"), name="count")
    with pytest.raises(ValueError, match=re.escape(
            "Cannot assign a value of shape (2,) to variable 'count' of shape ().")):
        v.assign_add(ops.ones((2,)))
    assert float(v.numpy()) == 0.0


def test_integer_variables_count_on_the_device(backend):
    v = Variable(np.int64(0), dtype="int64", name="iter")
    for _ in range(3):
        v.assign_add(1)
    assert v.dtype == "int64" and int(v.numpy()) == 3


def test_read_value_is_a_snapshot(backend):
    v = Variable(np.array([1.0, 2.0], "float32"))
    snap, shared = v.read_value(), v.value()
    with backend.transfers.counting() as moved:
        v.assign_add(1.0)
    assert moved == NO_TRANSFER
    np.testing.assert_array_equal(snap.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(shared.numpy(), [2.0, 3.0])


@pytest.mark.parametrize("number, dtype", [(True, "bool"), (7, "int64"), (2.5, None)])
def test_as_tensor_of_a_python_number_is_a_device_fill(backend, number, dtype):
    with backend.transfers.counting() as moved:
        x = as_tensor(number)
        y = as_tensor(number, dtype="float64")
    assert moved == NO_TRANSFER
    assert x.shape == () and x.dtype == (dtype or floatx()) and x.numpy() == number
    assert y.dtype == "float64" and float(y.numpy()) == float(number)


def test_as_tensor_of_host_data_is_one_transfer(backend):
    with backend.transfers.counting() as moved:
        x = as_tensor([0.5, 1.5])
    assert x.dtype == floatx() and moved["to_device"] == 1


def test_a_python_float_variable_is_floatx_and_a_numpy_one_keeps_its_dtype(backend):
    # As tf.Variable: `Variable(3.0)` and a list of floats are float32 (floatx), while a NumPy float64
    # array passed explicitly stays float64, and an explicit dtype wins.
    assert kerasx.Variable is Variable
    with backend.transfers.counting() as moved:
        number = Variable(3.0)
    assert number.dtype == floatx() == "float32" and moved == NO_TRANSFER  # a device fill
    assert float(number.numpy()) == 3.0
    assert Variable([1.0, 2.0]).dtype == "float32"
    assert Variable(np.array(3.0)).dtype == "float64"
    assert Variable(np.float64(2.0)).dtype == "float64"
    assert Variable(3.0, dtype="float64").dtype == "float64"
    assert Variable(True).dtype == "bool"
    assert Variable(3).dtype == as_tensor(3).dtype
    source = np.ones(3, "float32")
    copied = Variable(source)
    copied.assign_add(1.0)
    np.testing.assert_array_equal(source, np.ones(3))  # the caller's array is not the Variable's
