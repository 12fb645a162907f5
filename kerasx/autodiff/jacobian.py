"""`GradientTape.jacobian` and `batch_jacobian`, as tf's: one backward walk per element of the target
(per element of each example, for the batch form), seeded with that element's one-hot cotangent, and
the rows stacked. tf vectorizes the rows with pfor; the walks here run one after another, so
`parallel_iterations` and `experimental_use_pfor` are accepted and change nothing.

Inside another recording tape the rows come from the differentiable walk and are stacked with
primitives, so a Jacobian can be differentiated again (a Hessian is the Jacobian of a gradient).
"""
import itertools

from kerasx.autodiff import higher_order
from kerasx.autodiff.nest import flatten, pack_sequence_as
from kerasx.autodiff.tensor import Tensor


def _check_unconnected(value):
    if value not in ("none", "zero"):
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero', received {value!r}.")


def _check_tensor(what, t):
    if not isinstance(t, Tensor):
        raise ValueError(f"GradientTape.{what} must be a Tensor or Variable, received {type(t).__name__}.")


def _assemble(b, rows, shape, differentiable):
    """`rows` (Tensors of one shape) stacked on a new leading axis and reshaped to `shape`."""
    if differentiable:
        stacked = higher_order.ARITHMETIC["stack"](rows, axis=0)
        return higher_order.ARITHMETIC["reshape"](stacked, shape)
    return Tensor(b.reshape(b.stack([r.data for r in rows], 0), shape))


def jacobian(tape, b, target, sources, unconnected_gradients):
    _check_unconnected(unconnected_gradients)
    _check_tensor("jacobian target", target)
    flat_sources = flatten(sources)
    for s in flat_sources:
        _check_tensor("jacobian sources", s)
    dtype, shape = target.data.dtype, tuple(target.shape)
    rows = [[] for _ in flat_sources]
    connected = [False] * len(flat_sources)
    for index in itertools.product(*(range(n) for n in shape)):
        seed = Tensor(b.scatter_add(shape, index, b.ones((), dtype), dtype))
        probe = tape._walk(b, [target], [seed], flat_sources, "none", free=False)
        for i, (s, g) in enumerate(zip(flat_sources, probe)):
            connected[i] = connected[i] or g is not None
            rows[i].append(Tensor(b.zeros(s.data.shape, s.data.dtype)) if g is None else g)
    differentiable = bool(tape._observers())
    result = []
    for s, r, c in zip(flat_sources, rows, connected):
        full = shape + tuple(s.shape)
        if not r:  # an empty target: no rows to stack
            result.append(Tensor(b.zeros(full, s.data.dtype)))
        elif not c:
            result.append(None if unconnected_gradients == "none" else Tensor(b.zeros(full, s.data.dtype)))
        else:
            result.append(_assemble(b, r, full, differentiable))
    return result[0] if isinstance(sources, Tensor) else pack_sequence_as(sources, result)


def batch_jacobian(tape, b, target, source, unconnected_gradients):
    _check_unconnected(unconnected_gradients)
    _check_tensor("batch_jacobian target", target)
    _check_tensor("batch_jacobian source", source)
    if target.ndim < 2 or source.ndim < 2:
        raise ValueError(
            "GradientTape.batch_jacobian expects a target and a source of rank 2 or more, (batch, ...); "
            f"received shapes {tuple(target.shape)} and {tuple(source.shape)}.")
    if target.shape[0] != source.shape[0]:
        raise ValueError(
            f"Need first dimension of target shape ({tuple(target.shape)}) and source shape "
            f"({tuple(source.shape)}) to match.")
    dtype, shape = target.data.dtype, tuple(target.shape)
    batch = shape[0]
    rows, connected = [], False
    for index in itertools.product(*(range(n) for n in shape[1:])):
        # Every example's element `index` at once: examples are independent, so each example's
        # gradient is its own row.
        seed = Tensor(b.scatter_add(shape, (slice(None),) + index, b.ones((batch,), dtype), dtype))
        g = tape._walk(b, [target], [seed], [source], "none", free=False)[0]
        connected = connected or g is not None
        rows.append(Tensor(b.zeros(source.data.shape, source.data.dtype)) if g is None else g)
    full = (batch,) + shape[1:] + tuple(source.shape[1:])
    if not connected:
        return None if unconnected_gradients == "none" else Tensor(b.zeros(full, source.data.dtype))
    differentiable = bool(tape._observers())
    # rows: (prod(target[1:]), batch, *source[1:]); the batch axis goes first.
    stacked = _assemble(b, rows, (len(rows), batch) + tuple(source.shape[1:]), differentiable)
    perm = (1, 0) + tuple(range(2, stacked.ndim))
    if differentiable:
        moved = higher_order.ARITHMETIC["transpose"](stacked, perm)
        return higher_order.ARITHMETIC["reshape"](moved, full)
    return Tensor(b.reshape(b.transpose(stacked.data, perm), full))
