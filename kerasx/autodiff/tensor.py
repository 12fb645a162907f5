"""`Tensor` (an immutable value on the active backend) and `Variable` (a named, assignable one)."""
import itertools
import numbers

import backends
from backends.config import floatx

# Every Tensor gets a serial number; the tape keys gradients by it, so no tape entry ever keeps a dead
# tensor alive and a recycled `id()` can never be mistaken for a recorded one.
_serials = itertools.count()

_FLOAT_DTYPES = ("float16", "float32", "float64")
_DTYPE_NAMES = {}


def is_float_dtype(dtype):
    return str(dtype) in _FLOAT_DTYPES


class Tensor:
    """A value held in one backend array, as tf's eager tensors: ``.numpy()``, ``np.asarray(t)``,
    ``.shape``, ``.dtype``, arithmetic operators and NumPy-style indexing, all differentiable.

    The operators and indexing are the primitives of `kerasx.ops`, which installs them on this class
    where they are defined (`kerasx/ops/operators.py`): autodiff is the floor below ops and never
    imports it."""

    # `_keras_mask`: the Keras mask a masking layer attached (None without one). `_keras_logits`: for the
    # output of a softmax or sigmoid activation, its input, which the crossentropies use instead (as
    # tf.keras 2.x does: exact and cheaper than the log of clipped probabilities). `_keras_host_range`:
    # `(min, max)` of the values when they were made from host data that was measured there (targets,
    # by the data adapter), so that a loss can check class labels without reading the device back.
    __slots__ = ("data", "_uid", "_keras_mask", "_keras_logits", "_keras_host_range", "__weakref__")
    # Makes `numpy_array + tensor` call `Tensor.__radd__` instead of NumPy treating us as an object.
    __array_ufunc__ = None

    def __init__(self, data):
        self.data = data
        self._uid = next(_serials)
        # Set, not left unset: reading an unset slot raises inside getattr, ten times slower.
        self._keras_mask = None
        self._keras_logits = None
        self._keras_host_range = None

    # ------------------------------------------------------------ properties
    @property
    def shape(self):
        return tuple(self.data.shape)

    @property
    def dtype(self):
        # numpy computes `dtype.name` in Python on every access; this is on every op's path.
        dt = self.data.dtype
        name = _DTYPE_NAMES.get(dt)
        if name is None:
            name = _DTYPE_NAMES[dt] = dt.name
        return name

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return int(self.data.size)

    def numpy(self):
        """The value as a host NumPy array."""
        return backends.get().to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        return out if dtype is None else out.astype(dtype)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __bool__(self):
        return bool(self.numpy())

    def __index__(self):
        return int(self.numpy())

    def __repr__(self):
        return f"<kerasx.Tensor: shape={self.shape}, dtype={self.dtype}, numpy=\n{self.numpy()!r}>"

    # tf tensors hash by identity and compare elementwise; keep both.
    __hash__ = object.__hash__


class Variable(Tensor):
    """A named, mutable tensor: layer weights and optimizer slots.

    `assign*` replace the value in place (same device array), so tensors holding the old array see the
    new value; take `.numpy()` (a copy) to keep a snapshot.
    """

    __slots__ = ("name", "trainable", "constraint", "regularizer", "resizable_axes")

    def __init__(self, initial_value, dtype=None, trainable=True, name="Variable", constraint=None):
        b = backends.get()
        fresh = False  # whether `value` is an array made here, which the Variable may keep as it is
        if isinstance(initial_value, Tensor):
            value = initial_value.data
        elif dtype is None and not b.is_array(initial_value) and not hasattr(initial_value, "dtype"):
            # A Python number or list takes the dtype `as_tensor` gives it, as tf.Variable does: floats
            # become floatx (`Variable(3.0)` is float32); a NumPy array keeps its own (float64 stays).
            value = as_tensor(initial_value).data
            fresh = True
        else:
            value = initial_value
        data = b.asarray(value, dtype=dtype)
        if data is value and not fresh:
            data = b.copy(data)  # a Variable owns its array: in-place updates must not reach the caller's
        super().__init__(data)
        self.name = name
        self.trainable = trainable
        self.constraint = constraint
        # Axes whose length `assign` may change, as a tf.Variable of shape (2, None) (Discretization's
        # summary); none for every other weight.
        self.resizable_axes = ()

    def numpy(self):
        return backends.get().to_numpy(backends.get().copy(self.data))

    def assign(self, value):
        """Writes `value` (a Tensor, host data, or a Python number for a 0-d variable) into the variable's
        array in place. A number is a device fill: no host-to-device copy, which on a GPU would wait
        for the queued work."""
        b = backends.get()
        if isinstance(value, Tensor):
            src, shape = value.data, value.shape
        elif isinstance(value, numbers.Real):
            src, shape = value, ()
        else:
            src = b.asarray(value)
            shape = tuple(src.shape)
        self._check_assign_shape(shape)
        if shape != self.shape:  # a resizable axis changes length: a new array of the new shape
            self.data = b.cast(src if b.is_array(src) else b.asarray(src), self.dtype)
            if self.data is src:
                self.data = b.copy(src)
            return self
        b.copy_(self.data, src)
        return self

    def assign_add(self, delta):
        """``variable += delta`` on the device (a Python number travels as a kernel scalar, no copy)."""
        b = backends.get()
        return self._assign_result(b.add(self.data, _operand(b, delta)))

    def assign_sub(self, delta):
        """``variable -= delta`` on the device."""
        b = backends.get()
        return self._assign_result(b.subtract(self.data, _operand(b, delta)))

    def _assign_result(self, result):
        self._check_assign_shape(tuple(result.shape))
        backends.get().copy_(self.data, result)
        return self

    def accepts_shape(self, shape):
        """Whether `assign` takes a value of `shape`: the variable's, or another length along its
        `resizable_axes`."""
        shape = tuple(shape)
        if shape == self.shape:
            return True
        return len(shape) == len(self.shape) and bool(self.resizable_axes) and all(
            a == b or i in self.resizable_axes for i, (a, b) in enumerate(zip(shape, self.shape)))

    def _check_assign_shape(self, shape):
        if not self.accepts_shape(shape):
            raise ValueError(
                f"Cannot assign a value of shape {shape} to variable {self.name!r} of shape {self.shape}.")

    def read_value(self):
        """A Tensor holding a copy of the current value, as tf's `read_value`: later `assign*` calls do
        not change it (`value()` shares the variable's array). Not recorded on a tape."""
        return Tensor(backends.get().copy(self.data))

    def value(self):
        return Tensor(self.data)

    def __repr__(self):
        return (f"<kerasx.Variable '{self.name}' shape={self.shape} dtype={self.dtype}, "
                f"numpy=\n{self.numpy()!r}>")


def _operand(b, x):
    """A Tensor's array, a Python number as it is (a kernel scalar), other host data moved explicitly."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, numbers.Real):
        return x
    return b.asarray(x)


def is_device_array(x):
    """True for a raw array of the active backend (a CuPy array a user passes): frontend code wraps one
    with `as_tensor`, without a copy, where it would convert host data on the host."""
    return backends.get().is_array(x)


# The dtype a Python number takes, as tf.convert_to_tensor gives it (a float is floatx, filled directly).
_PYTHON_NUMBER_DTYPES = {bool: lambda: "bool", int: lambda: "int64", float: floatx}


def _probe(b, x):
    """`x` on the device in its natural dtype (floatx for a Python float). A Python number is a device
    fill: no host-to-device copy, which on a GPU would wait for the queued work (metrics and losses turn
    numbers into Tensors every step)."""
    number_dtype = _PYTHON_NUMBER_DTYPES.get(type(x))
    if number_dtype is not None:
        return b.full((), x, number_dtype())
    return b.asarray(x)


def as_tensor(x, dtype=None):
    """`x` as a Tensor. Python numbers and lists become floatx when they hold floats (as
    `tf.convert_to_tensor`); NumPy arrays keep their dtype unless `dtype` is given."""
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != dtype:
            return x._cast(dtype)  # the differentiable `ops.cast`, installed with the operators
        return x
    b = backends.get()
    if dtype is None and not b.is_array(x) and not hasattr(x, "dtype"):
        probe = _probe(b, x)
        if is_float_dtype(probe.dtype.name):
            dtype = floatx()
        return Tensor(b.cast(probe, dtype) if dtype else probe)
    if type(x) in _PYTHON_NUMBER_DTYPES:
        return Tensor(b.full((), x, dtype))
    return Tensor(b.asarray(x, dtype=dtype))
