"""The strict-device test backend (``KERAS_BACKEND=strict``): NumPy underneath, CuPy's rules on top.

No GPU is lent to the machines that build kerasx, and the bugs a first GPU run would hit are mostly at
the host/device boundary: a frontend module handing a kernel a `Tensor` or a NumPy array, an implicit
``np.asarray`` of a device array, a Python ``if`` on a device value every step. On NumPy all of these work
by accident. This backend makes them fail on a CPU:

- its arrays are `StrictArray`s, which refuse implicit host conversion (`backends.strict_array`);
- its array module is NumPy's behind CuPy's boundary rules (`backends.strict_xp`), so the generic
  kernels run exactly as they would on CuPy;
- every kernel checks its arguments on entry and refuses a `Tensor`, a NumPy array or a Python list
  where a device array is expected, naming the kernel, the argument, the type received and the caller;
- explicit transfers are counted (`transfers`), as on every backend.

It is for tests: it is slower than the NumPy backend by the wrapping, and computes the same values.
"""
import functools
import inspect
import numbers
import os
import sys

import numpy

from backends.base import Backend
from backends.generic import XPBackend
from backends.strict_array import ImplicitHostTransferError, StrictArray, type_name
from backends.strict_xp import xp as strict_xp

# Kernel parameters that hold one device array (or a scalar, or None for an optional one).
_ARRAY_PARAMS = frozenset({
    "x", "a", "b", "g", "y", "cond", "dst", "src", "var", "grad", "m", "v", "ms", "mom", "mg", "velocity",
    "vhat", "kernel", "recurrent_kernel", "bias", "h0", "c0", "mask", "recurrent_mask", "indices",
    "labels", "logits", "probs", "gamma", "beta", "mean", "inv_std", "g_outputs", "g_h", "g_c", "g_mean",
    "g_var", "lo", "hi", "value"})
# Kernel parameters that hold a sequence of device arrays.
_SEQUENCE_PARAMS = frozenset({"xs"})
_BACKENDS_DIR = os.path.dirname(os.path.abspath(__file__))


class StrictDeviceError(ImplicitHostTransferError):
    """A kernel of the strict backend received host data or a `Tensor` where a device array belongs."""


def _caller():
    """``file:line in function`` of the first frame outside `backends/`: the code that called the kernel."""
    frame = sys._getframe(2)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _BACKENDS_DIR:
        frame = frame.f_back
    if frame is None:
        return "an unknown caller"
    path = os.path.relpath(frame.f_code.co_filename)
    return f"{path}:{frame.f_lineno} in {frame.f_code.co_name}"


def _fail(kernel, param, expected, received):
    raise StrictDeviceError(
        f"kernel {kernel!r} of the strict-device backend expects {expected} for {param!r}, received "
        f"{received} (called from {_caller()}). Kernels take device arrays: pass a Tensor's .data, go "
        "through kerasx.ops, or move host data with backend.asarray().")


def _is_scalar(value):
    return isinstance(value, (numbers.Number, numpy.generic))


def _host_object(value):
    """True for data that lives on the host or wraps a device array: NumPy arrays and array-likes
    (a kerasx `Tensor` has ``__array__``)."""
    return isinstance(value, numpy.ndarray) or (
        not isinstance(value, (StrictArray, numpy.generic)) and hasattr(type(value), "__array__"))


def _check_array(kernel, param, value):
    if value is None or isinstance(value, StrictArray) or _is_scalar(value):
        return
    _fail(kernel, param, "a device array", f"a {type_name(value)}")


def _check_nested(kernel, param, value):
    """Static and opaque arguments (shapes, index keys, caches): no host array or Tensor anywhere."""
    if isinstance(value, (list, tuple)):
        for v in value:
            _check_nested(kernel, param, v)
    elif isinstance(value, dict):
        for v in value.values():
            _check_nested(kernel, param, v)
    elif _host_object(value):
        _fail(kernel, param, "device arrays or Python values", f"a {type_name(value)}")


def _check_sequence(kernel, param, value):
    if not isinstance(value, (list, tuple)):
        _fail(kernel, param, "a list of device arrays", f"a {type_name(value)}")
    for v in value:
        if not isinstance(v, StrictArray):
            _fail(kernel, param, "a list of device arrays", f"a {type(value).__name__} holding a {type_name(v)}")


def _check_host_sequence(value):
    """Host data for `asarray`: nested lists of numbers or NumPy arrays, not of Tensors."""
    for v in value:
        if isinstance(v, (list, tuple)):
            _check_host_sequence(v)
        elif not isinstance(v, (numpy.ndarray, numpy.generic, numbers.Number)):
            _fail("asarray", "x", "host data (nested lists of numbers or NumPy arrays)",
                  f"a list holding a {type_name(v)}")


def _checked(name, fn, params):
    """`fn` with its arguments checked on entry (see the module docstring)."""
    @functools.wraps(fn)
    def kernel(self, *args, **kwargs):
        for param, value in zip(params, args):
            _check(name, param, value)
        for param, value in kwargs.items():
            _check(name, param, value)
        return fn(self, *args, **kwargs)

    return kernel


def _check(name, param, value):
    if param in _ARRAY_PARAMS:
        _check_array(name, param, value)
    elif param in _SEQUENCE_PARAMS:
        _check_sequence(name, param, value)
    else:
        _check_nested(name, param, value)


class StrictBackend(XPBackend):
    """The generic kernels over NumPy with CuPy's host/device rules, made strict (module docstring)."""

    name = "strict"
    xp = strict_xp

    def asarray(self, x, dtype=None):
        if isinstance(x, StrictArray):
            return self.xp.asarray(x, dtype=dtype)
        if not isinstance(x, (numpy.ndarray, numpy.generic, numbers.Number, list, tuple)):
            _fail("asarray", "x", "host data (a NumPy array, a list or a scalar) or a device array",
                  f"a {type_name(x)}")
        if isinstance(x, (list, tuple)):
            _check_host_sequence(x)
        self.transfers.to_device += 1
        return self.xp.asarray(x, dtype=dtype)

    def is_array(self, x):
        return isinstance(x, StrictArray)

    def to_numpy(self, x):
        if not isinstance(x, StrictArray):
            _fail("to_numpy", "x", "a device array", f"a {type_name(x)}")
        self.transfers.to_host += 1
        # A copy, as cupy.asnumpy makes: host code that writes into it must not reach the device array.
        return x._a.copy()

    def synchronize(self):
        # Kernels run synchronously on NumPy; the call is kept so that timing code runs unchanged.
        return None


def _install_checks(cls):
    for name in sorted(Backend.__abstractmethods__):
        if name in ("is_array", "asarray", "to_numpy"):
            continue  # a probe, and the two transfers, which check their own arguments
        fn = getattr(cls, name)
        params = [p for p in inspect.signature(fn).parameters if p != "self"]
        setattr(cls, name, _checked(name, fn, params))


_install_checks(StrictBackend)
