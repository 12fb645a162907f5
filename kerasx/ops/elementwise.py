"""Elementwise primitives: arithmetic with broadcasting, unary math, comparisons, selection.

Each primitive's forward, VJP and gradient-check samples sit together. VJPs may return gradients in the
broadcast shape; the tape sums them back to each input's shape.
"""
import math

from kerasx.autodiff.primitive import primitive


def _arr(rng, *shape):
    return rng.standard_normal(shape)


def _pos(rng, *shape):
    return rng.uniform(0.5, 2.0, shape)


def _away_from_zero(rng, *shape):
    # |x| >= 0.1 so a finite-difference step never crosses a kink at 0.
    x = rng.uniform(0.1, 1.5, shape)
    return x * rng.choice([-1.0, 1.0], shape)


# ------------------------------------------------------------------ binary arithmetic
def _add_fwd(b, x, y):
    return b.add(x, y), ()


def _add_vjp(b, g, res, needs):
    return g, g


def _binary_samples(rng):
    return [((_arr(rng, 3, 4), _arr(rng, 3, 4)), {}),
            ((_arr(rng, 2, 3, 4), _arr(rng, 4)), {}),
            ((_arr(rng, 3, 1), _arr(rng, 1, 4)), {})]


add = primitive("add", _add_fwd, _add_vjp, _binary_samples, diff_vjp=lambda g, xs, out, needs: (g, g))


def _sub_fwd(b, x, y):
    return b.subtract(x, y), ()


def _sub_vjp(b, g, res, needs):
    return g, (b.negative(g) if needs[1] else None)


subtract = primitive("subtract", _sub_fwd, _sub_vjp, _binary_samples,
                     diff_vjp=lambda g, xs, out, needs: (g, negative(g) if needs[1] else None))


def _mul_fwd(b, x, y):
    return b.multiply(x, y), (x, y)


def _mul_vjp(b, g, res, needs):
    x, y = res
    return (b.multiply(g, y) if needs[0] else None), (b.multiply(g, x) if needs[1] else None)


def _mul_diff_vjp(g, xs, out, needs):
    x, y = xs
    return (multiply(g, y) if needs[0] else None), (multiply(g, x) if needs[1] else None)


multiply = primitive("multiply", _mul_fwd, _mul_vjp, _binary_samples, diff_vjp=_mul_diff_vjp)


def _div_fwd(b, x, y):
    return b.divide(x, y), (x, y)


def _div_vjp(b, g, res, needs):
    x, y = res
    gx = b.divide(g, y) if needs[0] else None
    gy = b.negative(b.divide(b.multiply(g, x), b.square(y))) if needs[1] else None
    return gx, gy


def _div_samples(rng):
    return [((_arr(rng, 3, 4), _pos(rng, 3, 4)), {}), ((_arr(rng, 2, 3), _pos(rng, 3)), {})]


def _div_diff_vjp(g, xs, out, needs):
    x, y = xs
    gx = divide(g, y) if needs[0] else None
    gy = negative(divide(multiply(g, x), square(y))) if needs[1] else None
    return gx, gy


divide = primitive("divide", _div_fwd, _div_vjp, _div_samples, diff_vjp=_div_diff_vjp)


def _pow_fwd(b, x, y):
    out = b.power(x, y)
    return out, (x, y, out)


def _pow_vjp(b, g, res, needs):
    x, y, out = res
    gx = b.multiply(g, b.multiply(y, b.power(x, y - 1))) if needs[0] else None
    gy = b.multiply(g, b.multiply(out, b.log(x))) if needs[1] else None
    return gx, gy


def _pow_samples(rng):
    return [((_pos(rng, 3, 4), _arr(rng, 3, 4)), {}), ((_pos(rng, 2, 3), 3.0), {}),
            ((_pos(rng, 2, 3), 0.5), {})]


def _pow_diff_vjp(g, xs, outs, needs):
    x, y = xs
    # A number exponent stays a number: a 0-d constant would make a float32 power float64.
    y_minus_1 = y - 1.0 if isinstance(y, (int, float)) else subtract(y, 1.0)
    gx = multiply(g, multiply(y, power(x, y_minus_1))) if needs[0] else None
    gy = multiply(g, multiply(outs[0], log(x))) if needs[1] else None
    return gx, gy


power = primitive("power", _pow_fwd, _pow_vjp, _pow_samples, diff_vjp=_pow_diff_vjp)


def _max_fwd(b, x, y):
    return b.maximum(x, y), (x, y)


def _max_vjp(b, g, res, needs):
    # tf: ties send the gradient to the first argument.
    x, y = res
    first = b.compare(">=", x, y)
    return (b.where(first, g, 0.0) if needs[0] else None), (b.where(first, 0.0, g) if needs[1] else None)


def _separated_samples(rng):
    x = _arr(rng, 3, 4)
    return [((x, x + _away_from_zero(rng, 3, 4)), {}), ((_arr(rng, 2, 3), _arr(rng, 3) + 0.05), {})]


def _route(first, g, needs):
    """The gradient of a two-way selection: to the first input where `first`, else to the second."""
    return (where(first, g, 0.0) if needs[0] else None), (where(first, 0.0, g) if needs[1] else None)


maximum = primitive("maximum", _max_fwd, _max_vjp, _separated_samples,
                    diff_vjp=lambda g, xs, out, needs: _route(greater_equal(*xs), g, needs))


def _min_fwd(b, x, y):
    return b.minimum(x, y), (x, y)


def _min_vjp(b, g, res, needs):
    x, y = res
    first = b.compare("<=", x, y)
    return (b.where(first, g, 0.0) if needs[0] else None), (b.where(first, 0.0, g) if needs[1] else None)


minimum = primitive("minimum", _min_fwd, _min_vjp, _separated_samples,
                    diff_vjp=lambda g, xs, out, needs: _route(less_equal(*xs), g, needs))


# ------------------------------------------------------------------ unary math
def _unary_samples(rng):
    return [((_arr(rng, 3, 4),), {}), ((_arr(rng, 5),), {})]


def _neg_fwd(b, x):
    return b.negative(x), ()


negative = primitive("negative", _neg_fwd, lambda b, g, res, needs: (b.negative(g),), _unary_samples,
                     diff_vjp=lambda g, xs, out, needs: (negative(g),))


def _exp_fwd(b, x):
    y = b.exp(x)
    return y, (y,)


exp = primitive("exp", _exp_fwd, lambda b, g, res, needs: (b.multiply(g, res[0]),), _unary_samples,
                diff_vjp=lambda g, xs, outs, needs: (multiply(g, outs[0]),))


def _log_fwd(b, x):
    return b.log(x), (x,)


log = primitive("log", _log_fwd, lambda b, g, res, needs: (b.divide(g, res[0]),),
                lambda rng: [((_pos(rng, 3, 4),), {})], diff_vjp=lambda g, xs, out, needs: (divide(g, xs[0]),))


def _sqrt_fwd(b, x):
    y = b.sqrt(x)
    return y, (y,)


sqrt = primitive("sqrt", _sqrt_fwd, lambda b, g, res, needs: (b.divide(g, b.multiply(2.0, res[0])),),
                 lambda rng: [((_pos(rng, 3, 4),), {})],
                 diff_vjp=lambda g, xs, outs, needs: (divide(g, multiply(2.0, outs[0])),))


def _square_fwd(b, x):
    return b.square(x), (x,)


square = primitive("square", _square_fwd, lambda b, g, res, needs: (b.multiply(g, b.multiply(2.0, res[0])),),
                   _unary_samples, diff_vjp=lambda g, xs, out, needs: (multiply(g, multiply(2.0, xs[0])),))


def _abs_fwd(b, x):
    return b.abs(x), (x,)


abs = primitive("abs", _abs_fwd, lambda b, g, res, needs: (b.multiply(g, b.sign(res[0])),),
                lambda rng: [((_away_from_zero(rng, 3, 4),), {})],
                diff_vjp=lambda g, xs, out, needs: (multiply(g, sign(xs[0])),))


def _tanh_fwd(b, x):
    y = b.tanh(x)
    return y, (y,)


tanh = primitive("tanh", _tanh_fwd, lambda b, g, res, needs: (b.multiply(g, 1.0 - b.square(res[0])),),
                 _unary_samples,
                 diff_vjp=lambda g, xs, outs, needs: (multiply(g, subtract(1.0, square(outs[0]))),))


def _sin_fwd(b, x):
    return b.sin(x), (x,)


sin = primitive("sin", _sin_fwd, lambda b, g, res, needs: (b.multiply(g, b.cos(res[0])),), _unary_samples,
                doc="Sine, elementwise (tf.math.sin).",
                diff_vjp=lambda g, xs, out, needs: (multiply(g, cos(xs[0])),))


def _cos_fwd(b, x):
    return b.cos(x), (x,)


cos = primitive("cos", _cos_fwd, lambda b, g, res, needs: (b.negative(b.multiply(g, b.sin(res[0]))),),
                _unary_samples, doc="Cosine, elementwise (tf.math.cos).",
                diff_vjp=lambda g, xs, out, needs: (negative(multiply(g, sin(xs[0]))),))


def _sigmoid_fwd(b, x):
    y = b.sigmoid(x)
    return y, (y,)


sigmoid = primitive("sigmoid", _sigmoid_fwd,
                    lambda b, g, res, needs: (b.multiply(g, b.multiply(res[0], 1.0 - res[0])),),
                    _unary_samples,
                    diff_vjp=lambda g, xs, outs, needs: (multiply(g, multiply(outs[0], subtract(1.0, outs[0]))),))


def _erf_fwd(b, x):
    return b.erf(x), (x,)


def _erf_vjp(b, g, res, needs):
    x = res[0]
    return (b.multiply(g, b.multiply(2.0 / math.sqrt(math.pi), b.exp(b.negative(b.square(x))))),)


def _erf_diff_vjp(g, xs, out, needs):
    return (multiply(g, multiply(2.0 / math.sqrt(math.pi), exp(negative(square(xs[0]))))),)


erf = primitive("erf", _erf_fwd, _erf_vjp, diff_vjp=_erf_diff_vjp, samples=
                lambda rng: [((_arr(rng, 3, 4),), {}), ((rng.uniform(-4.0, 4.0, (6,)),), {})],
                doc="The Gauss error function, elementwise (tf.math.erf).")


def _relu_fwd(b, x):
    y = b.relu(x)
    return y, (y,)


def relu_cotangent(g, y):
    """``g`` where the relu output ``y`` is positive, else 0: relu's VJP, in primitives."""
    return where(greater(y, 0.0), g, 0.0)


relu = primitive("relu", _relu_fwd, lambda b, g, res, needs: (b.relu_grad(g, res[0]),),
                 lambda rng: [((_away_from_zero(rng, 3, 4),), {})],
                 diff_vjp=lambda g, xs, outs, needs: (relu_cotangent(g, outs[0]),))


def _clip_fwd(b, x, lo, hi):
    return b.clip(x, lo, hi), (x, lo, hi)


def _clip_vjp(b, g, res, needs):
    x, lo, hi = res
    inside = b.logical("and", b.compare(">=", x, lo), b.compare("<=", x, hi))
    return b.where(inside, g, 0.0), None, None


def _clip_samples(rng):
    x = rng.uniform(-2.5, 2.5, (4, 5))
    x[(x * x - 1.0) ** 2 < 0.04] += 0.3  # keep off the kinks at the bounds, |x| = 1
    return [((x, -1.0, 1.0), {})]


def _clip_diff_vjp(g, xs, out, needs):
    x, lo, hi = xs
    return where(logical_and(greater_equal(x, lo), less_equal(x, hi)), g, 0.0), None, None


clip_by_value = primitive("clip_by_value", _clip_fwd, _clip_vjp, _clip_samples, diff_vjp=_clip_diff_vjp)


def _where_fwd(b, cond, x, y):
    return b.where(cond, x, y), (cond,)


def _where_vjp(b, g, res, needs):
    cond = res[0]
    return None, (b.where(cond, g, 0.0) if needs[1] else None), (b.where(cond, 0.0, g) if needs[2] else None)


def _where_samples(rng):
    return [((rng.standard_normal((3, 4)) > 0, _arr(rng, 3, 4), _arr(rng, 3, 4)), {}),
            ((rng.standard_normal((3, 4)) > 0, _arr(rng, 4), 0.5), {})]


def _where_diff_vjp(g, xs, out, needs):
    return (None,) + _route(xs[0], g, needs[1:])


where = primitive("where", _where_fwd, _where_vjp, _where_samples, diff_vjp=_where_diff_vjp)


def _cast_fwd(b, x, dtype):
    return b.cast(x, dtype), (x.dtype,)


def _cast_vjp(b, g, res, needs, dtype):
    return (b.cast(g, res[0]),)


def _cast_samples(rng):
    return [((_arr(rng, 3),), {"dtype": "float64"})]


cast = primitive("cast", _cast_fwd, _cast_vjp, _cast_samples, static=("dtype",),
                 diff_vjp=lambda g, xs, out, needs, dtype: (cast(g, dtype=xs[0].dtype),))


# ------------------------------------------------------------------ non-differentiable
def _nondiff(name, fn):
    return primitive(name, lambda b, *a, **k: (fn(b, *a, **k), ()))


sign = _nondiff("sign", lambda b, x: b.sign(x))
equal = _nondiff("equal", lambda b, x, y: b.compare("==", x, y))
not_equal = _nondiff("not_equal", lambda b, x, y: b.compare("!=", x, y))
less = _nondiff("less", lambda b, x, y: b.compare("<", x, y))
less_equal = _nondiff("less_equal", lambda b, x, y: b.compare("<=", x, y))
greater = _nondiff("greater", lambda b, x, y: b.compare(">", x, y))
greater_equal = _nondiff("greater_equal", lambda b, x, y: b.compare(">=", x, y))
logical_and = _nondiff("logical_and", lambda b, x, y: b.logical("and", x, y))
logical_or = _nondiff("logical_or", lambda b, x, y: b.logical("or", x, y))
logical_not = _nondiff("logical_not", lambda b, x: b.logical("not", x))
stop_gradient = _nondiff("stop_gradient", lambda b, x: x)
# Piecewise constant: its gradient is zero wherever it exists (tf registers none for floordiv).
floor_divide = _nondiff("floor_divide", lambda b, x, y: b.floor_divide(x, y))


# ------------------------------------------------------------------ composed
def mod(x, y):
    """``x % y`` with Python's and tf.math.floormod's sign rule: the result takes the sign of `y`
    (``-7 % 3 == 2``, ``7 % -3 == -2``). Composed as ``x - (x // y) * y``, so it needs no rule of its
    own: the gradient is 1 for `x` and ``-(x // y)`` for `y` (the quotient is piecewise constant)."""
    return subtract(x, multiply(floor_divide(x, y), y))
