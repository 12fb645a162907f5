"""Normalization primitives backed by coarse kernels with their own backward kernels: batch
normalization (with batch statistics, and with given moving statistics) and layer normalization.

``axes`` are the channel axes for batch normalization (kept, every other axis is reduced) and the
normalized axes for layer normalization; `normalize_axes` gives their canonical form. ``gamma`` and
``beta`` may be None (no scale, no offset) and otherwise have one element per position along ``axes``,
in any shape of that size (``(C,)``, or the full-rank ``(1, C, 1, 1)`` that Keras uses for several axes).
"""
import backends
from kerasx.autodiff.primitive import primitive
from kerasx.ops import elementwise as ew
from kerasx.ops import reduction as red
from kerasx.ops import shape as sh


def _absent(p, neutral):
    # A primitive's positional inputs cannot be None: a missing scale/offset travels as its neutral
    # Python number, which the tape treats as a constant.
    return neutral if p is None else p


def _param(b, p, neutral, x, axes):
    """A parameter as the kernels take it: None for the neutral constant, an array otherwise."""
    if isinstance(p, (bool, int, float)):
        if p == neutral:
            return None
        return b.full(tuple(x.shape[a] for a in axes), float(p), x.dtype.name)
    return p


def _reshaped(b, grad, like):
    # `like` is None where the parameter was a neutral constant: it gets no gradient.
    return None if grad is None or like is None else b.reshape(grad, like.shape)


def _check_param(name, op, p, x, axes):
    expected = 1
    for a in axes:
        expected *= x.shape[a]
    if p is not None and p.size != expected:
        raise ValueError(f"{op}: `{name}` must have {expected} elements (one per position along axes "
                         f"{axes} of an input of shape {tuple(x.shape)}), received shape {tuple(p.shape)}.")


# ------------------------------------------------------------------ the VJPs in primitives
# For higher-order gradients (`diff_vjp`): the statistics recomputed with primitives, so the VJPs'
# dependence on x is recorded too. Parameters come in any shape of the right size; these work on their
# broadcast shape (1 outside `axes`) and reshape the gradients back.
def _kept(x, axes):
    return tuple(n if i in axes else 1 for i, n in enumerate(x.shape))


def _broadcast_param(p, x, axes):
    return p if isinstance(p, (bool, int, float)) else sh.reshape(p, _kept(x, axes))


def _param_grad(grad, p, need):
    return sh.reshape(grad, tuple(p.shape)) if need else None


def _normalized(x, stat_axes, epsilon):
    """``(x - mean) * inv_std`` and ``inv_std``, the statistics over `stat_axes` (biased variance)."""
    centered = ew.subtract(x, red.mean(x, axis=stat_axes, keepdims=True))
    var = red.mean(ew.square(centered), axis=stat_axes, keepdims=True)
    inv_std = ew.power(ew.add(var, epsilon), -0.5)
    return ew.multiply(centered, inv_std), inv_std


def _normalized_input_grad(g_hat, x_hat, inv_std, stat_axes):
    """The gradient through the normalization, given the gradient at its output ``x_hat``."""
    mean_g = red.mean(g_hat, axis=stat_axes, keepdims=True)
    mean_gx = red.mean(ew.multiply(g_hat, x_hat), axis=stat_axes, keepdims=True)
    return ew.multiply(inv_std, ew.subtract(ew.subtract(g_hat, mean_g), ew.multiply(x_hat, mean_gx)))


def _affine_diff_vjp(g, x, gamma, beta, axes, stat_axes, param_axes, epsilon, needs):
    """dx, dgamma, dbeta of ``normalized(x) * gamma + beta``; `param_axes` are the axes the parameter
    gradients sum over."""
    x_hat, inv_std = _normalized(x, stat_axes, epsilon)
    g_hat = ew.multiply(g, _broadcast_param(gamma, x, axes))
    dx = _normalized_input_grad(g_hat, x_hat, inv_std, stat_axes) if needs[0] else None
    dgamma = _param_grad(red.sum(ew.multiply(g, x_hat), axis=param_axes, keepdims=True), gamma,
                         True) if needs[1] else None
    dbeta = _param_grad(red.sum(g, axis=param_axes, keepdims=True), beta, True) if needs[2] else None
    return dx, dgamma, dbeta


def _others(x, axes):
    return tuple(i for i in range(x.ndim) if i not in axes)


# ------------------------------------------------------------------ batch normalization, training
def _bn_train_fwd(b, x, gamma, beta, axes, epsilon):
    gamma, beta = _param(b, gamma, 1.0, x, axes), _param(b, beta, 0.0, x, axes)
    _check_param("gamma", "batch_norm_train", gamma, x, axes)
    _check_param("beta", "batch_norm_train", beta, x, axes)
    y, mean, var, inv_std = b.batch_norm_train(x, gamma, beta, axes, epsilon)
    return (y, mean, var), (x, mean, inv_std, gamma, beta)


def _bn_train_vjp(b, cot, res, needs, axes, epsilon):
    g, g_mean, g_var = cot
    x, mean, inv_std, gamma, beta = res
    dx, dgamma, dbeta = b.batch_norm_grad(g, x, mean, inv_std, gamma, axes, g_mean, g_var)
    return ((dx if needs[0] else None), (_reshaped(b, dgamma, gamma) if needs[1] else None),
            (_reshaped(b, dbeta, beta) if needs[2] else None))


def _bn_samples(rng):
    def pos(*shape):
        return rng.uniform(0.5, 2.0, shape)
    return [((rng.standard_normal((6, 3)), pos(3), rng.standard_normal(3)), {"axes": (1,), "epsilon": 1e-3}),
            ((rng.standard_normal((2, 3, 2, 2)), pos(3), rng.standard_normal(3)),
             {"axes": (1,), "epsilon": 1e-3}),
            ((rng.standard_normal((3, 2, 2, 2)), pos(1, 2, 2, 1), rng.standard_normal((1, 2, 2, 1))),
             {"axes": (1, 2), "epsilon": 1e-2}),
            ((rng.standard_normal((5, 4)), 1.0, 0.0), {"axes": (1,), "epsilon": 1e-3})]


def _bn_train_diff_vjp(cot, xs, outs, needs, axes, epsilon):
    g, g_mean, g_var = cot
    x, gamma, beta = xs
    reduce = _others(x, axes)
    dx, dgamma, dbeta = _affine_diff_vjp(g, x, gamma, beta, axes, reduce, reduce, epsilon, needs)
    if needs[0]:
        # The statistics are outputs too: mean = sum(x) / n, var = mean((x - mean)^2).
        count = float(x.size // outs[1].size)
        kept = _kept(x, axes)
        centered = ew.subtract(x, sh.reshape(outs[1], kept))
        dx = ew.add(dx, ew.add(ew.divide(sh.reshape(g_mean, kept), count),
                               ew.multiply(ew.multiply(sh.reshape(g_var, kept), 2.0 / count), centered)))
    return dx, dgamma, dbeta


_batch_norm_train = primitive(
    "batch_norm_train", _bn_train_fwd, _bn_train_vjp, _bn_samples, n_outputs=3, diff_vjp=_bn_train_diff_vjp,
    doc="Batch normalization with batch statistics: ``(y, mean, biased variance)``.")


def batch_norm_train(x, gamma, beta, axes, epsilon):
    """``(y, mean, var)``: ``x`` normalized with its own mean and biased variance over every axis not
    in ``axes``; the statistics come in the broadcast shape (1 outside ``axes``)."""
    return _batch_norm_train(x, _absent(gamma, 1.0), _absent(beta, 0.0), axes=tuple(axes),
                             epsilon=float(epsilon))


# ------------------------------------------------------------------ batch normalization, inference
def _bn_infer_fwd(b, x, mean, var, gamma, beta, axes, epsilon):
    gamma, beta = _param(b, gamma, 1.0, x, axes), _param(b, beta, 0.0, x, axes)
    for name, p in (("moving_mean", mean), ("moving_variance", var), ("gamma", gamma), ("beta", beta)):
        _check_param(name, "batch_norm_infer", p, x, axes)
    y = b.batch_norm_infer(x, mean, var, gamma, beta, axes, epsilon)
    return y, (x, mean, var, gamma, beta)


def _bn_infer_vjp(b, g, res, needs, axes, epsilon):
    x, mean, var, gamma, beta = res
    dx, dmean, dvar, dgamma, dbeta = b.batch_norm_infer_grad(g, x, mean, var, gamma, axes, epsilon,
                                                             param_grads=any(needs[1:]))
    grads = (dx, _reshaped(b, dmean, mean), _reshaped(b, dvar, var), _reshaped(b, dgamma, gamma),
             _reshaped(b, dbeta, beta))
    return tuple(gr if need else None for gr, need in zip(grads, needs))


def _bn_infer_samples(rng):
    def pos(*shape):
        return rng.uniform(0.5, 2.0, shape)
    return [((rng.standard_normal((4, 3)), rng.standard_normal(3), pos(3), pos(3), rng.standard_normal(3)),
             {"axes": (1,), "epsilon": 1e-3}),
            ((rng.standard_normal((2, 3, 2, 2)), rng.standard_normal(3), pos(3), pos(3),
              rng.standard_normal(3)), {"axes": (1,), "epsilon": 1e-3}),
            ((rng.standard_normal((3, 4)), rng.standard_normal(4), pos(4), 1.0, 0.0),
             {"axes": (1,), "epsilon": 1e-3})]


def _bn_infer_diff_vjp(g, xs, out, needs, axes, epsilon):
    x, mean, var, gamma, beta = xs
    reduce = _others(x, axes)
    gamma_b = _broadcast_param(gamma, x, axes)
    inv_std = ew.power(ew.add(sh.reshape(var, _kept(x, axes)), epsilon), -0.5)
    centered = ew.subtract(x, sh.reshape(mean, _kept(x, axes)))
    g_scaled = ew.multiply(g, ew.multiply(gamma_b, inv_std))
    dx = g_scaled if needs[0] else None
    dmean = _param_grad(ew.negative(red.sum(g_scaled, axis=reduce, keepdims=True)), mean, needs[1])
    dvar = None
    if needs[2]:
        d_inv = red.sum(ew.multiply(ew.multiply(g, centered), gamma_b), axis=reduce, keepdims=True)
        dvar = _param_grad(ew.multiply(d_inv, ew.multiply(-0.5, ew.power(inv_std, 3.0))), var, True)
    dgamma = _param_grad(red.sum(ew.multiply(g, ew.multiply(centered, inv_std)), axis=reduce, keepdims=True),
                         gamma, needs[3])
    dbeta = _param_grad(red.sum(g, axis=reduce, keepdims=True), beta, needs[4])
    return dx, dmean, dvar, dgamma, dbeta


_batch_norm_infer = primitive(
    "batch_norm_infer", _bn_infer_fwd, _bn_infer_vjp, _bn_infer_samples, diff_vjp=_bn_infer_diff_vjp,
    doc="Batch normalization with given (moving) statistics.")


def batch_norm_infer(x, mean, var, gamma, beta, axes, epsilon):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with per-channel statistics along ``axes``."""
    return _batch_norm_infer(x, mean, var, _absent(gamma, 1.0), _absent(beta, 0.0), axes=tuple(axes),
                             epsilon=float(epsilon))


def assign_moving_average(variable, value, momentum, value_scale=1.0):
    """``variable -= (variable - value * value_scale) * (1 - momentum)`` in place, as tf.keras's
    `_assign_moving_average`. The update is state, not math: it is never recorded on a tape."""
    backends.get().moving_average_update(variable.data, value.data, float(momentum), float(value_scale))


# ------------------------------------------------------------------ layer normalization
def _ln_fwd(b, x, gamma, beta, axes, epsilon):
    gamma, beta = _param(b, gamma, 1.0, x, axes), _param(b, beta, 0.0, x, axes)
    _check_param("gamma", "layer_norm", gamma, x, axes)
    _check_param("beta", "layer_norm", beta, x, axes)
    y, mean, inv_std = b.layer_norm(x, gamma, beta, axes, epsilon)
    return y, (x, mean, inv_std, gamma, beta)


def _ln_vjp(b, g, res, needs, axes, epsilon):
    x, mean, inv_std, gamma, beta = res
    dx, dgamma, dbeta = b.layer_norm_grad(g, x, mean, inv_std, gamma, axes)
    return ((dx if needs[0] else None), (_reshaped(b, dgamma, gamma) if needs[1] else None),
            (_reshaped(b, dbeta, beta) if needs[2] else None))


def _ln_samples(rng):
    def pos(*shape):
        return rng.uniform(0.5, 2.0, shape)
    return [((rng.standard_normal((3, 5)), pos(5), rng.standard_normal(5)), {"axes": (1,), "epsilon": 1e-3}),
            ((rng.standard_normal((2, 3, 2, 2)), pos(3, 2), rng.standard_normal((3, 2))),
             {"axes": (1, 2), "epsilon": 1e-3}),
            ((rng.standard_normal((2, 3, 4)), 1.0, 0.0), {"axes": (2,), "epsilon": 1e-2})]


def _ln_diff_vjp(g, xs, out, needs, axes, epsilon):
    x, gamma, beta = xs
    return _affine_diff_vjp(g, x, gamma, beta, axes, axes, _others(x, axes), epsilon, needs)


_layer_norm = primitive("layer_norm", _ln_fwd, _ln_vjp, _ln_samples, diff_vjp=_ln_diff_vjp,
                        doc="Layer normalization over ``axes``.")


def layer_norm(x, gamma, beta, axes, epsilon):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``, statistics over ``axes`` per example."""
    return _layer_norm(x, _absent(gamma, 1.0), _absent(beta, 0.0), axes=tuple(axes), epsilon=float(epsilon))
