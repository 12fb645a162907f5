"""`einsum` of two operands, composed from transpose, reshape, sum and one (batched) matmul, so it is
differentiable to any order through those primitives.

An equation ``"lhs,rhs->out"`` names each operand's axes with letters; ``...`` stands for the axes
no letter names (broadcast between the operands the way tf.einsum does: right-aligned, sizes equal or
1 in one operand only where the other has no such axes). Letters in both operands and the output are
batch axes, in both operands only are contracted, in one operand and the output are kept, in one
operand only are summed first. Each operand is moved to ``(batch, kept, contracted)`` order and folded
into one matrix per batch entry, so ``"abc,cde->abde"`` (a Dense-like projection) is one GEMM.
"""
import math

from kerasx.ops import linalg
from kerasx.ops import reduction as red
from kerasx.ops import shape as sh

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _split(equation):
    eq = equation.replace(" ", "")
    if eq.count("->") != 1 or eq.split("->")[0].count(",") != 1:
        raise ValueError(f"einsum: expected an equation of two operands, 'lhs,rhs->out', received {equation!r}.")
    inputs, out = eq.split("->")
    lhs, rhs = inputs.split(",")
    for spec in (lhs, rhs, out):
        letters = spec.replace("...", "")
        if letters and not (letters.isascii() and letters.isalpha()):
            raise ValueError(f"einsum: equation {equation!r} may name axes only with letters and '...'.")
        if len(set(letters)) != len(letters):
            raise ValueError(f"einsum: equation {equation!r} repeats a letter within one operand; "
                             "diagonals are not supported.")
        if spec.count("...") > 1:
            raise ValueError(f"einsum: equation {equation!r} has more than one '...' in one operand.")
    return lhs, rhs, out


def _expand(spec, ndim, ellipsis, equation, which):
    """The spec with its '...' replaced by the right-aligned letters of `ellipsis`."""
    named = len(spec.replace("...", ""))
    if "..." not in spec:
        if named != ndim:
            raise ValueError(f"einsum: equation {equation!r} names {named} axes for the {which} operand, which has "
                             f"rank {ndim}.")
        return spec
    extra = ndim - named
    if extra < 0:
        raise ValueError(f"einsum: equation {equation!r} names {named} axes for the {which} operand, which has "
                         f"rank {ndim}.")
    return spec.replace("...", ellipsis[len(ellipsis) - extra:] if extra else "")


def _sizes(spec, shape):
    return dict(zip(spec, shape))


def _sum_only(x, spec, keep):
    """Sums away the axes of `x` whose letters are not in `keep`."""
    axes = tuple(i for i, c in enumerate(spec) if c not in keep)
    if not axes:
        return x, spec
    return red.sum(x, axis=axes), "".join(c for c in spec if c in keep)


def _arranged(x, spec, order):
    perm = tuple(spec.index(c) for c in order)
    return x if perm == tuple(range(len(perm))) else sh.transpose(x, perm)


def einsum(equation, a, b):
    """``tf.einsum(equation, a, b)`` for two operands (module docstring)."""
    lhs, rhs, out = _split(equation)
    ranks = [len(x.shape) for x in (a, b)]
    n_ell = max(r - len(s.replace("...", "")) if "..." in s else 0 for r, s in zip(ranks, (lhs, rhs)))
    # The axes '...' stands for get letters the equation does not use.
    ellipsis = "".join(c for c in _LETTERS if c not in equation)[:n_ell]
    lhs = _expand(lhs, ranks[0], ellipsis, equation, "first")
    rhs = _expand(rhs, ranks[1], ellipsis, equation, "second")
    if "..." in out:
        out = out.replace("...", ellipsis)
    for c in out:
        if c not in lhs and c not in rhs:
            raise ValueError(f"einsum: output axis {c!r} of equation {equation!r} is in neither operand.")
    size_a, size_b = _sizes(lhs, a.shape), _sizes(rhs, b.shape)
    for c in set(lhs) & set(rhs):
        if size_a[c] != size_b[c] and not (c in ellipsis and 1 in (size_a[c], size_b[c])):
            raise ValueError(f"einsum: axis {c!r} of equation {equation!r} has size {size_a[c]} in the first "
                             f"operand and {size_b[c]} in the second.")
    a, lhs = _sum_only(a, lhs, set(rhs) | set(out))
    b, rhs = _sum_only(b, rhs, set(lhs) | set(out))
    batch = [c for c in out if c in lhs and c in rhs]
    kept_a = [c for c in lhs if c in out and c not in rhs]
    kept_b = [c for c in rhs if c in out and c not in lhs]
    contracted = [c for c in lhs if c in rhs and c not in out]
    size_a, size_b = _sizes(lhs, a.shape), _sizes(rhs, b.shape)
    # Broadcast ellipsis axes of size 1 on one side up to the other's size.
    if any(size_a[c] != size_b[c] for c in batch):
        full = {c: max(size_a[c], size_b[c]) for c in batch}
        a = sh.broadcast_to(a, tuple(full.get(c, size_a[c]) for c in lhs))
        b = sh.broadcast_to(b, tuple(full.get(c, size_b[c]) for c in rhs))
        size_a.update(full)
        size_b.update(full)
    nb = math.prod(size_a[c] for c in batch)
    na = math.prod(size_a[c] for c in kept_a)
    nbk = math.prod(size_b[c] for c in kept_b)
    nc = math.prod(size_a[c] for c in contracted)
    x = _arranged(a, lhs, batch + kept_a + contracted)
    y = _arranged(b, rhs, batch + contracted + kept_b)
    if batch:
        prod = linalg.matmul(sh.reshape(x, (nb, na, nc)), sh.reshape(y, (nb, nc, nbk)))
    else:
        prod = linalg.matmul(sh.reshape(x, (na, nc)), sh.reshape(y, (nc, nbk)))
    result_spec = batch + kept_a + kept_b
    result = sh.reshape(prod, tuple(size_a[c] for c in batch + kept_a) + tuple(size_b[c] for c in kept_b))
    return _arranged(result, "".join(result_spec), out)
