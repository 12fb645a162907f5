"""Shape and indexing primitives: reshape, transpose, broadcast_to, concatenate, stack, getitem,
take (gather) and pad."""
from kerasx.autodiff.primitive import primitive
from kerasx.autodiff.tensor import Tensor


def _reshape_fwd(b, x, shape):
    try:
        return b.reshape(x, tuple(shape)), (x.shape,)
    except ValueError:
        raise ValueError(
            f"Cannot reshape a tensor of shape {tuple(x.shape)} ({x.size} elements) into shape "
            f"{tuple(shape)}.") from None


_reshape = primitive(
    "reshape", _reshape_fwd, lambda b, g, res, needs, shape: (b.reshape(g, res[0]),),
    lambda rng: [((rng.standard_normal((3, 4)),), {"shape": (2, 6)}),
                 ((rng.standard_normal((2, 3, 4)),), {"shape": (-1, 4)})],
    diff_vjp=lambda g, xs, out, needs, shape: (reshape(g, xs[0].shape),))


def _inverse_perm(axes):
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return tuple(inv)


def _transpose_fwd(b, x, axes=None):
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    return b.transpose(x, axes), (axes,)


def _transpose_diff_vjp(g, xs, out, needs, axes=None):
    ndim = xs[0].ndim
    axes = tuple(reversed(range(ndim))) if axes is None else tuple(a % ndim for a in axes)
    return (transpose(g, _inverse_perm(axes)),)


_transpose = primitive(
    "transpose", _transpose_fwd,
    lambda b, g, res, needs, axes=None: (b.transpose(g, _inverse_perm(res[0])),),
    lambda rng: [((rng.standard_normal((3, 4)),), {}),
                 ((rng.standard_normal((2, 3, 4)),), {"axes": (1, 2, 0)})],
    diff_vjp=_transpose_diff_vjp)


# Public forms with tf's signatures. A primitive's positional arguments are tensors, so
# `reshape(x, (2, 3))` straight on the primitive would turn the shape into a constant input and lose it
# in the backward pass; these pass the static argument by keyword whichever way the caller wrote it.
def reshape(x, shape):
    """`tf.reshape(x, shape)`: one -1 is inferred."""
    return _reshape(x, shape=tuple(shape))


def transpose(x, axes=None):
    """`tf.transpose(x, perm)`: the axes permuted by `axes` (reversed when None)."""
    return _transpose(x) if axes is None else _transpose(x, axes=tuple(axes))


def _broadcast_fwd(b, x, shape):
    # A real array, not the read-only view: downstream in-place kernels may write into outputs.
    return b.copy(b.broadcast_to(x, tuple(shape))), ()


broadcast_to = primitive(
    "broadcast_to", _broadcast_fwd, lambda b, g, res, needs, shape: (g,),
    lambda rng: [((rng.standard_normal((3, 1)),), {"shape": (2, 3, 4)})], static=("shape",),
    diff_vjp=lambda g, xs, out, needs, shape: (g,))  # the tape sums g back to the input's shape


def _concat_fwd(b, *xs, axis=-1):
    axis = axis % xs[0].ndim
    return b.concatenate(xs, axis), (axis, tuple(x.shape[axis] for x in xs))


def _concat_vjp(b, g, res, needs, axis=-1):
    axis, sizes = res
    out, start = [], 0
    for n, need in zip(sizes, needs):
        key = (slice(None),) * axis + (slice(start, start + n),)
        out.append(b.getitem(g, key) if need else None)
        start += n
    return tuple(out)


def _concat_diff_vjp(g, xs, out, needs, axis=-1):
    axis = axis % xs[0].ndim
    grads, start = [], 0
    for x, need in zip(xs, needs):
        n = x.shape[axis]
        grads.append(getitem(g, (slice(None),) * axis + (slice(start, start + n),)) if need else None)
        start += n
    return tuple(grads)


concatenate_p = primitive(
    "concatenate", _concat_fwd, _concat_vjp, diff_vjp=_concat_diff_vjp, samples=
    lambda rng: [((rng.standard_normal((2, 3)), rng.standard_normal((2, 4))), {"axis": 1}),
                 ((rng.standard_normal((1, 3)), rng.standard_normal((2, 3))), {"axis": 0})])


def concatenate(xs, axis=-1):
    return concatenate_p(*xs, axis=axis)


def _stack_fwd(b, *xs, axis=0):
    out = b.stack(xs, axis)
    return out, (axis % out.ndim,)


def _stack_vjp(b, g, res, needs, axis=0):
    a = res[0]
    return tuple(b.getitem(g, (slice(None),) * a + (i,)) if need else None for i, need in enumerate(needs))


def _stack_diff_vjp(g, xs, outs, needs, axis=0):
    a = axis % outs[0].ndim
    return tuple(getitem(g, (slice(None),) * a + (i,)) if need else None for i, need in enumerate(needs))


stack_p = primitive(
    "stack", _stack_fwd, _stack_vjp, diff_vjp=_stack_diff_vjp, samples=
    lambda rng: [((rng.standard_normal((2, 3)), rng.standard_normal((2, 3))), {"axis": 1})])


def stack(xs, axis=0):
    return stack_p(*xs, axis=axis)


def _array_key(key):
    """Index keys may hold Tensors (gathers by computed indices); kernels need raw arrays."""
    if isinstance(key, tuple):
        return tuple(k.data if isinstance(k, Tensor) else k for k in key)
    return key.data if isinstance(key, Tensor) else key


def _device_key(b, key):
    """`key` with its host index arrays and lists moved to the device once, for the forward and the VJP:
    a kernel takes device index arrays only (CuPy would copy a host one on every use)."""
    if isinstance(key, tuple):
        return tuple(_device_key(b, k) for k in key)
    if isinstance(key, list) or (getattr(key, "ndim", 0) > 0 and not b.is_array(key)):
        return b.asarray(key)
    return key


def _getitem_fwd(b, x, key):
    key = _device_key(b, key)
    return b.getitem(x, key), (x.shape, x.dtype, key)


def _getitem_vjp(b, g, res, needs, key):
    shape, dtype, device_key = res
    return (b.scatter_add(shape, device_key, g, dtype),)


def _scatter_add_fwd(b, g, shape, key):
    key = _device_key(b, key)
    return b.scatter_add(tuple(shape), key, g, g.dtype), (key,)


def _scatter_add_samples(rng):
    return [((rng.standard_normal((2, 5)),), {"shape": (4, 5), "key": (slice(1, 3), Ellipsis)}),
            ((rng.standard_normal((3, 5)),), {"shape": (4, 5), "key": ([0, 2, 0],)})]


# getitem's VJP as a primitive of its own, so that it can be differentiated again: linear in g, its own
# VJP is the indexing it undoes.
scatter_add_p = primitive(
    "scatter_add", _scatter_add_fwd, lambda b, c, res, needs, shape, key: (b.getitem(c, res[0]),),
    _scatter_add_samples, diff_vjp=lambda c, xs, out, needs, shape, key: (getitem_p(c, key=key),),
    doc="A zero tensor of `shape` with `g` added at `key` (repeated indices accumulate): getitem's VJP.")


getitem_p = primitive(
    "getitem", _getitem_fwd, _getitem_vjp,
    diff_vjp=lambda g, xs, out, needs, key: (scatter_add_p(g, shape=tuple(xs[0].shape), key=key),),
    samples=
    lambda rng: [((rng.standard_normal((4, 5)),), {"key": (slice(1, 3), Ellipsis)}),
                 ((rng.standard_normal((4, 5)),), {"key": (slice(None), 2)}),
                 ((rng.standard_normal((4, 5)),), {"key": (None, slice(None, None, -2))}),
                 ((rng.standard_normal((4, 5)),), {"key": ([0, 2, 0],)})])


def getitem(x, key):
    key = _array_key(key)
    if isinstance(key, list):
        key = (key,)
    return getitem_p(x, key=key)


def _take_fwd(b, x, indices, axis=0):
    return b.take(x, indices, axis), (indices, x.shape, axis)


def _take_vjp(b, g, res, needs, axis=0):
    indices, shape, ax = res
    return (b.take_grad(g, indices, ax, shape) if needs[0] else None), None


def _take_grad_fwd(b, g, indices, axis, shape):
    return b.take_grad(g, indices, axis, tuple(shape)), (indices,)


def _take_grad_samples(rng):
    return [((rng.standard_normal((2, 4, 3)), rng.integers(0, 5, (2, 4))), {"axis": 0, "shape": (5, 3)})]


# take's VJP as a primitive, differentiable again: linear in g, its own VJP is the gather it undoes.
take_grad_p = primitive(
    "take_grad", _take_grad_fwd,
    lambda b, c, res, needs, axis, shape: (b.take(c, res[0], axis), None), _take_grad_samples,
    diff_vjp=lambda c, xs, out, needs, axis, shape: (take(c, xs[1], axis=axis), None),
    doc="take's VJP: `g` scattered back (accumulating repeats) into a zero tensor of `shape`.")


def _take_diff_vjp(g, xs, out, needs, axis=0):
    x, indices = xs
    return (take_grad_p(g, indices, axis=axis, shape=tuple(x.shape)) if needs[0] else None), None


take = primitive(
    "take", _take_fwd, _take_vjp, diff_vjp=_take_diff_vjp, samples=
    lambda rng: [((rng.standard_normal((5, 3)), rng.integers(0, 5, (2, 4))), {"axis": 0}),
                 ((rng.standard_normal((2, 5)), rng.integers(0, 5, (3,))), {"axis": 1})])


def _pad_fwd(b, x, paddings, constant_values=0):
    paddings = tuple((int(p[0]), int(p[1])) for p in paddings)
    return b.pad(x, paddings, constant_values), (x.shape, paddings)


def _pad_vjp(b, g, res, needs, paddings, constant_values=0):
    shape, pads = res
    key = tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, shape))
    return (b.getitem(g, key),)


def _pad_diff_vjp(g, xs, out, needs, paddings, constant_values=0):
    key = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(paddings, xs[0].shape))
    return (getitem(g, key),)


pad = primitive(
    "pad", _pad_fwd, _pad_vjp,
    lambda rng: [((rng.standard_normal((2, 3)),), {"paddings": ((1, 0), (2, 1))})], static=("paddings",),
    diff_vjp=_pad_diff_vjp)


# ------------------------------------------------------------------ composed from the primitives above
def expand_dims(x, axis):
    shape = list(x.shape)
    axis = axis if axis >= 0 else len(shape) + 1 + axis
    shape.insert(axis, 1)
    return reshape(x, shape=tuple(shape))


def squeeze(x, axis=None):
    shape = x.shape
    if axis is None:
        new = tuple(n for n in shape if n != 1)
    else:
        axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} has size {shape[a]}, expected 1 (shape {shape}).")
        new = tuple(n for i, n in enumerate(shape) if i not in axes)
    return reshape(x, shape=new)


def flatten_batch(x):
    """(batch, ...) -> (batch, prod(...))."""
    return reshape(x, shape=(x.shape[0], -1))
