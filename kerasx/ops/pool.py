"""Pooling primitives: max and average pooling over 1, 2 or 3 spatial axes (channels_last), each one
coarse backend kernel forward and one backward, with TensorFlow's 'valid'/'same' geometry."""
from kerasx.autodiff.primitive import primitive

PADDINGS = ("valid", "same")


def _check(name, x, pool_size, strides, padding):
    d = len(pool_size)
    if x.ndim != d + 2:
        raise ValueError(f"{name} with a {d}-D pool_size {tuple(pool_size)} expects an input of rank {d + 2} "
                         f"(batch, {d} spatial axes, channels), received shape {tuple(x.shape)}.")
    if len(strides) != d:
        raise ValueError(f"{name}: strides {tuple(strides)} must have one entry per spatial axis, like "
                         f"pool_size {tuple(pool_size)}.")
    if padding not in PADDINGS:
        raise ValueError(f"{name}: padding must be 'valid' or 'same', received {padding!r}.")
    if any(int(k) <= 0 for k in pool_size) or any(int(s) <= 0 for s in strides):
        raise ValueError(f"{name}: pool_size and strides must be positive, received pool_size="
                         f"{tuple(pool_size)}, strides={tuple(strides)}.")
    if padding == "valid":
        for n, k, s in zip(x.shape[1:-1], pool_size, strides):
            # TensorFlow's own check: an output size of 0 is allowed, a negative one is not.
            if n - int(k) + int(s) < 0:
                raise ValueError(
                    f"{name}: computed output size would be negative: the window {tuple(pool_size)} is "
                    f"larger than the input's spatial shape {tuple(x.shape[1:-1])} with 'valid' padding.")


def _params(pool_size, strides, padding):
    return tuple(int(k) for k in pool_size), tuple(int(s) for s in strides), padding


def _max_pool_fwd(b, x, pool_size, strides, padding="valid"):
    _check("max_pool", x, pool_size, strides, padding)
    args = _params(pool_size, strides, padding)
    y = b.max_pool(x, *args)
    return y, (x, y)


def _max_pool_vjp(b, g, res, needs, pool_size, strides, padding="valid"):
    x, y = res
    return (b.max_pool_grad(g, x, y, *_params(pool_size, strides, padding)),)


def _distinct(rng, *shape):
    # Values 0.05 apart, shuffled: no two elements of a window within a finite-difference step.
    n = 1
    for d in shape:
        n *= d
    return (rng.permutation(n) * 0.05 - 0.025 * n).reshape(shape)


def _pool_samples(rng):
    return [((_distinct(rng, 2, 5, 3),), {"pool_size": (2,), "strides": (2,), "padding": "valid"}),
            ((_distinct(rng, 2, 5, 3),), {"pool_size": (3,), "strides": (1,), "padding": "same"}),
            ((_distinct(rng, 1, 4, 5, 2),), {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}),
            ((_distinct(rng, 1, 5, 4, 2),), {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"}),
            ((_distinct(rng, 1, 3, 4, 3, 1),), {"pool_size": (2, 2, 2), "strides": (1, 2, 1),
                                                 "padding": "same"})]


# max_pool's VJP and its transpose as primitives of (g, x), for higher-order gradients. Each recomputes
# the maxima from x (never taking them as an input: a perturbed output would match no element), so with
# the window maxima apart both are linear in g and constant in x, and each is the other's VJP.
def _max_pool_grad_fwd(b, g, x, pool_size, strides, padding="valid"):
    args = _params(pool_size, strides, padding)
    y = b.max_pool(x, *args)
    return b.max_pool_grad(g, x, y, *args), (x, y)


def _max_pool_select_fwd(b, c, x, pool_size, strides, padding="valid"):
    args = _params(pool_size, strides, padding)
    y = b.max_pool(x, *args)
    return b.max_pool_select(c, x, y, *args), (x, y)


def _max_pool_grad_samples(rng, which):
    out = []
    for (x,), params in _pool_samples(rng):
        k, s, same = params["pool_size"], params["strides"], params["padding"] == "same"
        spatial = tuple(-(-n // si) if same else (n - ki) // si + 1 for n, ki, si in zip(x.shape[1:-1], k, s))
        shape = (x.shape[0],) + spatial + (x.shape[-1],) if which == "grad" else x.shape
        out.append(((rng.standard_normal(shape), x), params))
    return out


max_pool_grad_p = primitive(
    "max_pool_grad", _max_pool_grad_fwd,
    lambda b, c, res, needs, pool_size, strides, padding="valid": (
        b.max_pool_select(c, res[0], res[1], *_params(pool_size, strides, padding)), None),
    lambda rng: _max_pool_grad_samples(rng, "grad"),
    diff_vjp=lambda c, xs, out, needs, pool_size, strides, padding="valid": (
        max_pool_select_p(c, xs[1], pool_size=pool_size, strides=strides, padding=padding), None),
    doc="max_pool's VJP: each window's g sent to its first maximum of x.")

max_pool_select_p = primitive(
    "max_pool_select", _max_pool_select_fwd,
    lambda b, c, res, needs, pool_size, strides, padding="valid": (
        b.max_pool_grad(c, res[0], res[1], *_params(pool_size, strides, padding)), None),
    lambda rng: _max_pool_grad_samples(rng, "select"),
    diff_vjp=lambda c, xs, out, needs, pool_size, strides, padding="valid": (
        max_pool_grad_p(c, xs[1], pool_size=pool_size, strides=strides, padding=padding), None),
    doc="The transpose of max_pool's VJP: each window's element of c at its first maximum of x.")

max_pool = primitive("max_pool", _max_pool_fwd, _max_pool_vjp, _pool_samples,
                     static=("pool_size", "strides", "padding"),
                     diff_vjp=lambda g, xs, out, needs, pool_size, strides, padding="valid": (
                         max_pool_grad_p(g, xs[0], pool_size=pool_size, strides=strides, padding=padding),),
                     doc="Max pooling of channels_last ``x`` over ``len(pool_size)`` spatial axes.")


def _avg_pool_fwd(b, x, pool_size, strides, padding="valid"):
    _check("avg_pool", x, pool_size, strides, padding)
    return b.avg_pool(x, *_params(pool_size, strides, padding)), (tuple(x.shape),)


def _avg_pool_vjp(b, g, res, needs, pool_size, strides, padding="valid"):
    return (b.avg_pool_grad(g, res[0], *_params(pool_size, strides, padding)),)


def _avg_pool_grad_fwd(b, g, input_shape, pool_size, strides, padding="valid"):
    return b.avg_pool_grad(g, tuple(input_shape), *_params(pool_size, strides, padding)), ()


def _avg_pool_grad_samples(rng):
    out = []
    for (x,), params in _pool_samples(rng):
        k, s, same = params["pool_size"], params["strides"], params["padding"] == "same"
        spatial = tuple(-(-n // si) if same else (n - ki) // si + 1 for n, ki, si in zip(x.shape[1:-1], k, s))
        g = rng.standard_normal((x.shape[0],) + spatial + (x.shape[-1],))
        out.append(((g,), dict(params, input_shape=tuple(x.shape))))
    return out


# avg_pool is linear: its VJP (spreading each window's gradient over the window) is linear too, and the
# VJP of that is avg_pool again. As a primitive, it can be differentiated to any order.
avg_pool_grad_p = primitive(
    "avg_pool_grad", _avg_pool_grad_fwd,
    lambda b, c, res, needs, input_shape, pool_size, strides, padding="valid": (
        b.avg_pool(c, *_params(pool_size, strides, padding)),),
    _avg_pool_grad_samples,
    diff_vjp=lambda c, xs, out, needs, input_shape, pool_size, strides, padding="valid": (
        avg_pool(c, pool_size=pool_size, strides=strides, padding=padding),),
    doc="avg_pool's VJP: each window's gradient spread evenly over the window's real elements.")

avg_pool = primitive("avg_pool", _avg_pool_fwd, _avg_pool_vjp, _pool_samples,
                     static=("pool_size", "strides", "padding"),
                     diff_vjp=lambda g, xs, out, needs, pool_size, strides, padding="valid": (
                         avg_pool_grad_p(g, input_shape=tuple(xs[0].shape), pool_size=pool_size,
                                         strides=strides, padding=padding),),
                     doc="Average pooling of channels_last ``x``; 'same' windows average their real "
                         "elements only, as TensorFlow does.")
