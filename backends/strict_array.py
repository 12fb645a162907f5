"""`StrictArray`: a NumPy array dressed as a device array, for the strict-device test backend.

It behaves as a CuPy array does at the host/device boundary, only more strictly, so that a CPU run
catches what a first GPU run would hit:

- no implicit host conversion: ``np.asarray(x)``, ``x.__array__``, ``float(x)``, ``int(x)``, ``bool(x)``,
  ``x.item()``, ``x.tolist()`` and iteration raise (CuPy raises on the first two and silently
  synchronises the device on the others; a per-step sync is a bug we want to see as loudly);
- no mixed operands: a NumPy array, a Python list or a `Tensor` beside a device array in an operator or
  a ufunc raises, as CuPy's "Unsupported type" does;
- reductions and scalar indexing give 0-d device arrays, not NumPy scalars, as CuPy's do.

Python and NumPy scalars mix freely, as in CuPy. The one way to the host is the backend's counted
`to_numpy`.
"""
import numbers

import numpy

_SCALARS = (numbers.Number, numpy.generic)


class ImplicitHostTransferError(TypeError):
    """A device array was converted to the host, or mixed with host data, without `to_numpy`.

    A `TypeError`, as CuPy raises for the same mistakes."""


def _refuse(what):
    raise ImplicitHostTransferError(
        f"{what} on a device array of the strict backend: implicit device-to-host transfers are not "
        "allowed (CuPy raises or synchronises the GPU here). Go through the backend's to_numpy() "
        "(Tensor.numpy()) where a person reads the value, or keep the computation on the device.")


def type_name(value):
    """``list``, ``numpy.ndarray``, ``kerasx.autodiff.tensor.Tensor``: the type as a reader knows it."""
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def unwrap_operand(value, context):
    """The NumPy array behind `value` for an operator or ufunc, refusing host arrays and lists."""
    if isinstance(value, StrictArray):
        return value._a
    if isinstance(value, _SCALARS) or value is None:
        return value
    raise ImplicitHostTransferError(
        f"{context}: unsupported operand of type {type_name(value)} beside a device "
        "array. The strict backend, as CuPy, takes device arrays and Python or NumPy scalars only; "
        "move host data with backend.asarray() first.")


def wrap(value, inputs=None):
    """Wraps NumPy results (arrays, scalars, tuples and lists of them) as device arrays.

    `inputs` maps ``id(ndarray)`` to the `StrictArray` that held it: a result that *is* an input's array
    (``astype(copy=False)``, an ``out=`` argument) comes back as that very wrapper, so ``y is x`` holds
    where it would for plain arrays."""
    if isinstance(value, numpy.ndarray):
        if inputs:
            held = inputs.get(id(value))
            if held is not None and held._a is value:
                return held
        return StrictArray(value)
    if isinstance(value, numpy.generic):
        return StrictArray(numpy.asarray(value))
    if isinstance(value, tuple):
        return tuple(wrap(v, inputs) for v in value)
    if isinstance(value, list):
        return [wrap(v, inputs) for v in value]
    return value


def _binary(name):
    op = getattr(numpy.ndarray, name)

    def method(self, other):
        return wrap(op(self._a, unwrap_operand(other, f"operator {name}")))

    method.__name__ = name
    return method


def _inplace(name):
    op = getattr(numpy.ndarray, name)

    def method(self, other):
        op(self._a, unwrap_operand(other, f"operator {name}"))
        return self

    method.__name__ = name
    return method


def _unary(name):
    op = getattr(numpy.ndarray, name)

    def method(self):
        return wrap(op(self._a))

    method.__name__ = name
    return method


def _unwrap_key(key):
    """An index: slices, ints, None, Ellipsis and device index arrays (a host array or list is refused,
    as it would be copied to the GPU on every call)."""
    if isinstance(key, tuple):
        return tuple(_unwrap_key(k) for k in key)
    if isinstance(key, StrictArray):
        return key._a
    if key is None or key is Ellipsis or isinstance(key, (slice, numbers.Integral, numpy.integer)):
        return key
    raise ImplicitHostTransferError(
        f"indexing a device array with {type_name(key)}: the strict backend takes "
        "ints, slices, None, Ellipsis and device index arrays; move host indices with backend.asarray().")


# Attributes read straight off the NumPy array: metadata, never data.
_METADATA = frozenset({"shape", "dtype", "ndim", "size", "itemsize", "nbytes", "strides", "flags"})
# Methods that reach the host: refused, as CuPy's `.get()` is the only way (here: the backend's to_numpy).
_HOST_METHODS = frozenset({"item", "tolist", "tobytes", "tofile", "dump", "dumps", "ctypes", "data", "get"})


class StrictArray:
    """A device array of the strict backend (see the module docstring)."""

    __slots__ = ("_a", "__weakref__")
    # NumPy ufuncs and functions called on a StrictArray refuse, instead of converting it.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, array):
        if not isinstance(array, numpy.ndarray):
            raise TypeError(f"StrictArray wraps a numpy.ndarray, received {type(array).__name__}")
        self._a = array

    # ------------------------------------------------------------ the boundary
    def __array__(self, dtype=None, copy=None):
        _refuse("numpy.asarray() / __array__")

    def __array_function__(self, func, types, args, kwargs):
        _refuse(f"numpy.{func.__name__}()")

    def __float__(self):
        _refuse("float()")

    def __int__(self):
        _refuse("int()")

    def __index__(self):
        _refuse("operator.index() (use as a Python index or size)")

    def __complex__(self):
        _refuse("complex()")

    def __bool__(self):
        _refuse("bool() (an `if` or `and`/`or` on a device value)")

    def __iter__(self):
        _refuse("iteration")

    def __contains__(self, item):
        _refuse("`in`")

    def __len__(self):
        # The length is metadata: CuPy answers it without touching the device.
        if self._a.ndim == 0:
            raise TypeError("len() of unsized object")
        return self._a.shape[0]

    def __repr__(self):
        # No values: printing them would be a device-to-host transfer.
        return f"StrictArray(shape={self._a.shape}, dtype={self._a.dtype.name})"

    __str__ = __repr__
    __hash__ = None

    def __copy__(self):
        return StrictArray(self._a.copy())

    def __deepcopy__(self, memo):
        return StrictArray(self._a.copy())

    def __reduce__(self):
        _refuse("pickling")

    # ------------------------------------------------------------ the array API, on the device
    def __getattr__(self, name):
        if name.startswith("__"):
            # Protocols probed by getattr (__array_struct__, __array_interface__, __dlpack__): absent, so
            # that NumPy falls through to __array__, which refuses with the message below.
            raise AttributeError(name)
        if name in _HOST_METHODS:
            _refuse(f".{name}")
        value = getattr(self._a, name)
        if name in _METADATA:
            return value
        if callable(value):
            return _method(value, name, self)
        return wrap(value)

    @property
    def T(self):
        return StrictArray(self._a.T)

    def __getitem__(self, key):
        return wrap(self._a[_unwrap_key(key)])

    def __setitem__(self, key, value):
        self._a[_unwrap_key(key)] = unwrap_operand(value, "item assignment")


def _method(bound, name, owner):
    def call(*args, **kwargs):
        args = tuple(unwrap_operand(a, f".{name}()") if not _static(a) else a for a in args)
        kwargs = {k: unwrap_operand(v, f".{name}()") if not _static(v) else v for k, v in kwargs.items()}
        return wrap(bound(*args, **kwargs), {id(owner._a): owner})

    call.__name__ = name
    return call


def _static(value):
    """Arguments of array methods that are not data: axes, shapes, dtypes, orders."""
    if isinstance(value, (str, numpy.dtype, type, slice)) or value is None:
        return True
    if isinstance(value, (tuple, list)):
        return all(isinstance(v, (numbers.Integral, numpy.integer)) for v in value)
    return False


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__",
              "__matmul__", "__rmatmul__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__",
              "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
    setattr(StrictArray, _name, _binary(_name))
for _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
              "__iand__", "__ior__", "__ixor__"):
    setattr(StrictArray, _name, _inplace(_name))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(StrictArray, _name, _unary(_name))
del _name
