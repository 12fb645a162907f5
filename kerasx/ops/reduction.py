"""Reductions: sum, mean, max, min (differentiable) and argmax/argmin; `sum_to_shape`, composed."""
from kerasx.autodiff.primitive import primitive
from kerasx.ops import elementwise as ew
from kerasx.ops import shape as sh


def normalize_axes(axis, ndim):
    """`axis` (None, int or sequence) as a sorted tuple of non-negative axes; None means all."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < (ndim or 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}.")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand(b, g, shape, axes):
    """Broadcasts a reduced gradient back over the reduced axes of `shape`."""
    return b.broadcast_to(b.reshape(g, _kept_shape(shape, axes)), shape)


def _reduce_samples(rng):
    x = rng.standard_normal((3, 4, 2))
    return [((x,), {"axis": None, "keepdims": False}), ((x,), {"axis": 1, "keepdims": False}),
            ((x,), {"axis": (0, 2), "keepdims": True}), ((x,), {"axis": -1, "keepdims": False})]


def _sum_fwd(b, x, axis=None, keepdims=False):
    axes = normalize_axes(axis, x.ndim)
    return b.sum(x, axis=axes, keepdims=keepdims), (x.shape, axes)


def _sum_vjp(b, g, res, needs, axis=None, keepdims=False):
    shape, axes = res
    return (_expand(b, g, shape, axes),)


def _expand_t(g, shape, axes):
    """`_expand` in primitives, for the differentiable VJPs."""
    return sh.broadcast_to(sh.reshape(g, _kept_shape(shape, axes)), shape=tuple(shape))


def _sum_diff_vjp(g, xs, out, needs, axis=None, keepdims=False):
    x = xs[0]
    return (_expand_t(g, x.shape, normalize_axes(axis, x.ndim)),)


sum = primitive("sum", _sum_fwd, _sum_vjp, _reduce_samples, static=("axis", "keepdims"), diff_vjp=_sum_diff_vjp)


def _mean_fwd(b, x, axis=None, keepdims=False):
    axes = normalize_axes(axis, x.ndim)
    return b.mean(x, axis=axes, keepdims=keepdims), (x.shape, axes)


def _mean_vjp(b, g, res, needs, axis=None, keepdims=False):
    shape, axes = res
    count = 1
    for a in axes:
        count *= shape[a]
    return (_expand(b, b.divide(g, float(count)), shape, axes),)


def _mean_diff_vjp(g, xs, out, needs, axis=None, keepdims=False):
    x = xs[0]
    axes = normalize_axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    return (_expand_t(ew.divide(g, float(count)), x.shape, axes),)


mean = primitive("mean", _mean_fwd, _mean_vjp, _reduce_samples, static=("axis", "keepdims"),
                 diff_vjp=_mean_diff_vjp)


def _extreme_vjp(b, g, res, needs, axis=None, keepdims=False):
    # As tf: ties share the gradient equally.
    x, out, axes = res
    kept = _kept_shape(x.shape, axes)
    mask = b.cast(b.compare("==", x, b.reshape(out, kept)), x.dtype)
    count = b.sum(mask, axis=axes, keepdims=True)
    return (b.multiply(mask, b.divide(b.reshape(g, kept), count)),)


def _max_fwd(b, x, axis=None, keepdims=False):
    axes = normalize_axes(axis, x.ndim)
    out = b.max(x, axis=axes, keepdims=keepdims)
    return out, (x, out, axes)


def _min_fwd(b, x, axis=None, keepdims=False):
    axes = normalize_axes(axis, x.ndim)
    out = b.min(x, axis=axes, keepdims=keepdims)
    return out, (x, out, axes)


def _extreme_diff_vjp(g, xs, outs, needs, axis=None, keepdims=False):
    x = xs[0]
    axes = normalize_axes(axis, x.ndim)
    kept = _kept_shape(x.shape, axes)
    mask = ew.cast(ew.equal(x, sh.reshape(outs[0], kept)), x.dtype)  # piecewise constant in x
    count = sum(mask, axis=axes, keepdims=True)
    return (ew.multiply(mask, ew.divide(sh.reshape(g, kept), count)),)


max = primitive("max", _max_fwd, _extreme_vjp, _reduce_samples, static=("axis", "keepdims"),
                diff_vjp=_extreme_diff_vjp)
min = primitive("min", _min_fwd, _extreme_vjp, _reduce_samples, static=("axis", "keepdims"),
                diff_vjp=_extreme_diff_vjp)

argmax = primitive("argmax", lambda b, x, axis=-1: (b.argmax(x, axis=axis), ()), static=("axis",))
argmin = primitive("argmin", lambda b, x, axis=-1: (b.argmin(x, axis=axis), ()), static=("axis",))


def sum_to_shape(x, shape):
    """`x` summed over the axes that broadcasting added or stretched, down to `shape`: the tape's undoing
    of broadcasting, in primitives, for the differentiable backward walk."""
    shape = tuple(shape)
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    out = sum(x, axis=axes, keepdims=True) if axes else x
    return sh.reshape(out, shape) if tuple(out.shape) != shape else out


# Confusion counts (not differentiable): (tp, fp, tn, fn) at ascending thresholds; see the backend kernel.
def _threshold_counts_fwd(b, preds, y_true, weights, thresholds):
    return b.threshold_counts(preds, y_true, weights, thresholds), ()


threshold_counts = primitive("threshold_counts", _threshold_counts_fwd, n_outputs=4)
