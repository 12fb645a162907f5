"""The `K.` tensor manipulations of tf.keras 2.x's backend that `kerasx.ops` has no single primitive for:
cumulative sums and products, `prod`, `repeat_elements`, `repeat`, `tile`, `reverse`, `arange`, `eye`,
`all`/`any`, the in-place `update*`. Each is composed from primitives (slices, stacks, broadcasts), so
its gradient comes with it."""
import math

from backends.config import floatx
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.layers.reshaping import repeat_elements as _repeat_along


def _axis(x, axis, name):
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for an input of rank {x.ndim}.")
    return axis % x.ndim


def _slices(x, axis):
    return [ops.getitem(x, (slice(None),) * axis + (i,)) for i in range(x.shape[axis])]


def _scan(x, axis, combine, name):
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError(f"{name} needs an input of rank >= 1, received a scalar.")
    axis = _axis(x, axis, name)
    parts = _slices(x, axis)
    if not parts:
        return x
    running, out = parts[0], [parts[0]]
    for part in parts[1:]:
        running = combine(running, part)
        out.append(running)
    return ops.stack(out, axis=axis)


def cumsum(x, axis=0):
    """Cumulative sum along ``axis``."""
    return _scan(x, axis, ops.add, "cumsum")


def cumprod(x, axis=0):
    """Cumulative product along ``axis`` (exact with zeros and negative numbers: no log-space trick)."""
    return _scan(x, axis, ops.multiply, "cumprod")


def prod(x, axis=None, keepdims=False):
    """Product of the elements over ``axis`` (an int, a tuple of ints, or None for all)."""
    x = as_tensor(x)
    axes = range(x.ndim) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    axes = sorted({_axis(x, a, "prod") for a in axes}, reverse=True)
    out = x
    for a in axes:
        parts = _slices(out, a)
        acc = parts[0] if parts else ops.ones(tuple(n for i, n in enumerate(out.shape) if i != a), out.dtype)
        for part in parts[1:]:
            acc = ops.multiply(acc, part)
        out = ops.expand_dims(acc, a) if keepdims else acc
    return out


def all(x, axis=None, keepdims=False):
    """Logical AND over ``axis`` (every element non-zero)."""
    nonzero = ops.cast(ops.not_equal(as_tensor(x), 0), "int32")
    return ops.equal(ops.min(nonzero, axis=axis, keepdims=keepdims), 1)


def any(x, axis=None, keepdims=False):
    """Logical OR over ``axis`` (some element non-zero)."""
    nonzero = ops.cast(ops.not_equal(as_tensor(x), 0), "int32")
    return ops.equal(ops.max(nonzero, axis=axis, keepdims=keepdims), 1)


def repeat_elements(x, rep, axis):
    """Each element of ``x`` repeated ``rep`` times along ``axis`` (np.repeat)."""
    x = as_tensor(x)
    if isinstance(rep, bool) or not isinstance(rep, int) or rep < 1:
        raise ValueError(f"repeat_elements: `rep` must be a positive integer, received {rep!r}.")
    return _repeat_along(x, (rep,), (_axis(x, axis, "repeat_elements"),))


def repeat(x, n):
    """A 2-D ``x`` (batch, features) repeated ``n`` times as (batch, n, features)."""
    x = as_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"repeat expects a 2-D input (batch, features), received shape {tuple(x.shape)}.")
    return ops.broadcast_to(ops.expand_dims(x, 1), shape=(x.shape[0], int(n), x.shape[1]))


def tile(x, n):
    """``x`` tiled ``n[i]`` times along each axis (np.tile; an int tiles the first axis)."""
    x = as_tensor(x)
    n = (n,) if isinstance(n, int) else tuple(int(k) for k in n)
    if len(n) != x.ndim:
        raise ValueError(f"tile: `n` needs one multiple per axis of the input's {x.ndim}, received {n}.")
    # (.., d, ..) -> (.., 1, d, ..) -> (.., k, d, ..) -> (.., k * d, ..): the whole axis is copied k times.
    expanded, target, final = [], [], []
    for d, k in zip(x.shape, n):
        expanded += [1, d]
        target += [k, d]
        final.append(k * d)
    y = ops.broadcast_to(ops.reshape(x, shape=tuple(expanded)), shape=tuple(target))
    return ops.reshape(y, shape=tuple(final))


def reverse(x, axes):
    """``x`` reversed along ``axes`` (an int or a list of ints)."""
    x = as_tensor(x)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    key = [slice(None)] * x.ndim
    for a in axes:
        key[_axis(x, a, "reverse")] = slice(None, None, -1)
    return ops.getitem(x, tuple(key))


def arange(start, stop=None, step=1, dtype="int32"):
    """``start, start + step, ...`` below ``stop`` (``arange(n)`` counts 0..n-1); an empty range when
    ``start`` is past ``stop``, as tf.keras's."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: `step` must not be 0.")
    count = max(0, math.ceil((stop - start) / step))
    return as_tensor([start + i * step for i in range(count)], dtype=dtype)


def eye(size, dtype=None, name=None):
    """The identity matrix of ``size`` (an int, or (rows, columns))."""
    rows, cols = (size, size) if isinstance(size, int) else tuple(size)
    return as_tensor([[1 if i == j else 0 for j in range(cols)] for i in range(rows)], dtype=dtype or floatx())


def cast_to_floatx(x):
    """``x`` as floatx."""
    return ops.cast(as_tensor(x), floatx())


def identity(x, name=None):
    """``x`` itself (eager tensors are immutable values: a copy would change nothing)."""
    return as_tensor(x)


def update(x, new_x):
    x.assign(new_x)
    return x


def update_add(x, increment):
    x.assign_add(increment)
    return x


def update_sub(x, decrement):
    x.assign_sub(decrement)
    return x


def round(x):
    """Element-wise rounding to the nearest integer, halves to even (tf.round, NumPy's rule)."""
    x = as_tensor(x)
    floor = ops.floor_divide(x, 1)
    frac = ops.subtract(x, floor)
    # A half goes to the even neighbour: floor when floor is even, floor + 1 when it is odd.
    half = ops.add(floor, ops.mod(floor, 2))
    up = ops.add(floor, 1)
    return ops.stop_gradient(ops.where(ops.greater(frac, 0.5), up, ops.where(ops.less(frac, 0.5), floor, half)))
