"""Matrix products."""
from kerasx.autodiff.primitive import primitive
from kerasx.ops import elementwise as ew
from kerasx.ops import shape as sh


def _swap_last(b, x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return b.transpose(x, axes)


def _matmul_fwd_checks(x, y):
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(
            f"matmul expects inputs of rank >= 2, received shapes {tuple(x.shape)} and {tuple(y.shape)}.")
    if x.shape[-1] != y.shape[-2]:
        raise ValueError(
            f"matmul: inner dimensions differ: {tuple(x.shape)} @ {tuple(y.shape)} "
            f"({x.shape[-1]} != {y.shape[-2]}).")


def _matmul_fwd(b, x, y):
    _matmul_fwd_checks(x, y)
    return b.matmul(x, y), (x, y)


def _matmul_vjp(b, g, res, needs):
    x, y = res
    gx = b.matmul(g, _swap_last(b, y)) if needs[0] else None
    gy = None
    if needs[1]:
        if y.ndim == 2:
            # Fold every leading axis of x into one GEMM: (k, N) @ (N, m).
            k, m = x.shape[-1], g.shape[-1]
            gy = b.matmul(b.transpose(b.reshape(x, (-1, k)), (1, 0)), b.reshape(g, (-1, m)))
        else:
            gy = b.matmul(_swap_last(b, x), g)
    return gx, gy


def _matmul_samples(rng):
    return [((rng.standard_normal((3, 4)), rng.standard_normal((4, 5))), {}),
            ((rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2))), {}),
            ((rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 2))), {}),
            ((rng.standard_normal((2, 3, 4)), rng.standard_normal((1, 4, 2))), {})]


def _swap_last_t(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return sh.transpose(x, axes)


def _matmul_diff_vjp(g, xs, out, needs):
    x, y = xs
    gx = matmul(g, _swap_last_t(y)) if needs[0] else None
    gy = None
    if needs[1]:
        if y.ndim == 2:
            k, m = x.shape[-1], g.shape[-1]
            gy = matmul(sh.transpose(sh.reshape(x, (-1, k)), (1, 0)), sh.reshape(g, (-1, m)))
        else:
            gy = matmul(_swap_last_t(x), g)
    return gx, gy


matmul = primitive("matmul", _matmul_fwd, _matmul_vjp, _matmul_samples, diff_vjp=_matmul_diff_vjp)


def _dense_fwd(b, x, kernel, bias, relu=False):
    _matmul_fwd_checks(x, kernel)
    if bias.shape != (kernel.shape[-1],):
        raise ValueError(f"dense: bias must have shape ({kernel.shape[-1]},) to match the kernel "
                         f"{tuple(kernel.shape)}, received {tuple(bias.shape)}.")
    y = b.dense(x, kernel, bias, relu)
    # The relu gradient needs only the output; the linear part needs x and the kernel.
    return y, (x, kernel, y if relu else None)


def _dense_vjp(b, g, res, needs, relu=False):
    x, kernel, y = res
    if relu:
        g = b.relu_grad(g, y)
    gx, gk = _matmul_vjp(b, g, (x, kernel), needs[:2])
    # The tape sums the (..., m) gradient down to the bias's (m,) shape.
    return gx, gk, (g if needs[2] else None)


def _dense_samples(rng):
    samples = []
    for relu in (False, True):
        # Shifted away from zero so no pre-activation sits on relu's kink.
        bias = rng.standard_normal(5) + 3.0 * rng.choice([-1.0, 1.0], 5)
        samples += [((rng.standard_normal((3, 4)) * 0.1, rng.standard_normal((4, 5)), bias), {"relu": relu}),
                    ((rng.standard_normal((2, 3, 4)) * 0.1, rng.standard_normal((4, 5)), bias),
                     {"relu": relu})]
    return samples


def _dense_diff_vjp(g, xs, outs, needs, relu=False):
    x, kernel, _ = xs
    if relu:
        g = ew.relu_cotangent(g, outs[0])
    gx, gk = _matmul_diff_vjp(g, (x, kernel), None, needs[:2])
    return gx, gk, (g if needs[2] else None)


dense = primitive("dense", _dense_fwd, _dense_vjp, _dense_samples, diff_vjp=_dense_diff_vjp,
                  doc="``x @ kernel + bias``, relu'd when `relu`: a Dense layer's forward in one kernel.")
