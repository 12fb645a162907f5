"""The array module of the strict-device backend: NumPy's namespace, taking and giving `StrictArray`s.

`backends.generic` writes every kernel over ``self.xp``; with this namespace as ``xp`` the very code that
CuPy runs executes on NumPy, with CuPy's boundary rules: functions refuse host arrays (and ufuncs
Python lists) beside device arrays, and return device arrays, 0-d ones for reductions. Only the
creation functions take host data (`asarray`, `array`): the explicit host-to-device copies.
"""
import types

import numpy

from backends.strict_array import ImplicitHostTransferError, StrictArray, type_name, unwrap_operand, wrap

# Functions that copy host data to the device, as cupy.asarray does; the backend counts the copies.
_HOST_TO_DEVICE = frozenset({"asarray", "array"})


def _unwrap_arg(value, context, inputs, ufunc):
    """The NumPy value behind one argument: device arrays unwrapped (remembered in `inputs`), nested
    lists and tuples walked, host arrays and array-likes refused."""
    if isinstance(value, StrictArray):
        inputs[id(value._a)] = value
        return value._a
    if isinstance(value, (list, tuple)):
        if ufunc:
            # CuPy's ufuncs take arrays and scalars only: a list would be an implicit host array.
            unwrap_operand(value, context)
        return type(value)(_unwrap_arg(v, context, inputs, ufunc) for v in value)
    if isinstance(value, numpy.generic):
        return value  # NumPy scalars mix with device arrays, as in CuPy
    if isinstance(value, numpy.ndarray) or hasattr(type(value), "__array__"):
        return unwrap_operand(value, context)
    return value


def _unwrap_all(args, kwargs, context, ufunc=False):
    inputs = {}
    args = tuple(_unwrap_arg(a, context, inputs, ufunc) for a in args)
    kwargs = {k: _unwrap_arg(v, context, inputs, ufunc and k != "out") for k, v in kwargs.items()}
    return args, kwargs, inputs


def _device_function(fn, name):
    def call(*args, **kwargs):
        args, kwargs, inputs = _unwrap_all(args, kwargs, f"xp.{name}()")
        return _wrap_result(fn(*args, **kwargs), inputs)

    call.__name__ = name
    call.__wrapped__ = fn
    return call


def _creation_function(fn, name):
    """`asarray`/`array`: host data is copied to the device (counted by the backend's `asarray`)."""
    def call(obj, *args, **kwargs):
        inputs = {}
        if isinstance(obj, StrictArray):
            inputs[id(obj._a)] = obj
            obj = obj._a
        elif isinstance(obj, (list, tuple)):
            obj = _unwrap_arg(obj, f"xp.{name}()", inputs, False)
        elif not isinstance(obj, (numpy.ndarray, numpy.generic)) and hasattr(type(obj), "__array__"):
            raise ImplicitHostTransferError(
                f"xp.{name}() of a {type_name(obj)}: the strict backend copies only "
                "NumPy arrays, lists and scalars to the device; pass a Tensor's .data, not the Tensor.")
        args, kwargs, _ = _unwrap_all(args, kwargs, f"xp.{name}()")
        out = fn(obj, *args, **kwargs)
        if out is obj and not inputs:
            # Host data copied to a device never shares its memory, as with cupy.asarray: code that
            # relies on NumPy's no-copy asarray (a Variable aliasing the caller's array) shows here.
            out = out.copy()
        return _wrap_result(out, inputs)

    call.__name__ = name
    return call


def _wrap_result(value, inputs):
    if isinstance(value, numpy.random.Generator):
        return _Proxy(value, "Generator")
    return wrap(value, inputs)


class _Ufunc:
    """A NumPy ufunc taking device arrays, with its methods (`add.at`, `maximum.reduce`, ...)."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        args, kwargs, inputs = _unwrap_all(args, kwargs, f"xp.{self.__name__}()", ufunc=True)
        return wrap(self._ufunc(*args, **kwargs), inputs)

    def at(self, a, indices, b=None):
        context = f"xp.{self.__name__}.at()"
        inputs = {}
        a = _unwrap_arg(a, context, inputs, True)
        indices = _unwrap_arg(indices, context, inputs, False)  # an index tuple, not an operand
        args = () if b is None else (_unwrap_arg(b, context, inputs, True),)
        self._ufunc.at(a, indices, *args)

    def __getattr__(self, name):
        attr = getattr(self._ufunc, name)
        return _device_function(attr, f"{self.__name__}.{name}") if callable(attr) else attr


class _Proxy:
    """A namespace (``xp.random``, ``xp.lib.stride_tricks``) or object (a `Generator`) whose functions and
    methods take and give device arrays."""

    def __init__(self, target, name):
        self._target = target
        self._name = name

    def __getattr__(self, name):
        return _translate(getattr(self._target, name), f"{self._name}.{name}")

    def __repr__(self):
        return f"<strict device namespace {self._name}>"


def _translate(attr, name):
    if isinstance(attr, types.ModuleType):
        return _Proxy(attr, name)
    if isinstance(attr, numpy.ufunc):
        return _Ufunc(attr)
    if isinstance(attr, type):
        # dtypes (xp.float32), finfo/iinfo, dtype itself: no data to guard. `xp.ndarray` is the device type.
        return StrictArray if attr is numpy.ndarray else attr
    if callable(attr):
        short = name.rsplit(".", 1)[-1]
        if short in _HOST_TO_DEVICE and name.count(".") == 1:
            return _creation_function(attr, short)
        return _device_function(attr, short)
    return attr


class _Namespace(_Proxy):
    """``xp``: caches translated names, since kernels look them up on every call."""

    def __init__(self):
        super().__init__(numpy, "xp")
        self._cache = {}

    def __getattr__(self, name):
        try:
            return self._cache[name]
        except KeyError:
            pass
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._cache[name] = _translate(getattr(numpy, name), f"xp.{name}")
        return value


xp = _Namespace()
