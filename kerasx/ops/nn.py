"""Neural-network primitives backed by coarse kernels: softmax, log_softmax, the fused softmax
cross-entropies; and activations composed from primitives."""
import math

from kerasx.autodiff.primitive import primitive
from kerasx.ops import elementwise as ew
from kerasx.ops import reduction as red
from kerasx.ops import shape as sh
from kerasx.ops.shape import squeeze

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _axis_samples(rng):
    return [((rng.standard_normal((3, 5)),), {"axis": -1}), ((rng.standard_normal((2, 4, 3)),), {"axis": 1})]


def _softmax_fwd(b, x, axis=-1):
    y = b.softmax(x, axis)
    return y, (y,)


def _softmax_diff_vjp(g, xs, outs, needs, axis=-1):
    y = outs[0]
    return (ew.multiply(y, ew.subtract(g, red.sum(ew.multiply(g, y), axis=axis, keepdims=True))),)


softmax = primitive("softmax", _softmax_fwd,
                    lambda b, g, res, needs, axis=-1: (b.softmax_grad(g, res[0], axis),), _axis_samples,
                    static=("axis",), diff_vjp=_softmax_diff_vjp)


def _log_softmax_fwd(b, x, axis=-1):
    y = b.log_softmax(x, axis)
    return y, (y,)


def _log_softmax_vjp(b, g, res, needs, axis=-1):
    return (b.subtract(g, b.multiply(b.exp(res[0]), b.sum(g, axis=axis, keepdims=True))),)


def _log_softmax_diff_vjp(g, xs, outs, needs, axis=-1):
    return (ew.subtract(g, ew.multiply(ew.exp(outs[0]), red.sum(g, axis=axis, keepdims=True))),)


log_softmax = primitive("log_softmax", _log_softmax_fwd, _log_softmax_vjp, _axis_samples, static=("axis",),
                        diff_vjp=_log_softmax_diff_vjp)


def _sce_fwd(b, logits, labels, axis=-1):
    loss, probs = b.softmax_cross_entropy(logits, labels, axis)
    return loss, (probs, labels)


def _sce_vjp(b, g, res, needs, axis=-1):
    probs, labels = res
    g_logits = b.softmax_cross_entropy_grad(g, probs, labels, axis) if needs[0] else None
    g_labels = None
    if needs[1]:
        g_labels = b.negative(b.multiply(b.reshape(g, probs.shape[:axis % probs.ndim] + (1,) +
                                                   probs.shape[axis % probs.ndim + 1:]), b.log(probs)))
    return g_logits, g_labels


def _sce_samples(rng):
    labels = rng.dirichlet([1.0] * 4, size=3)
    # Labels whose rows do not sum to 1 (random targets) too: the logits' gradient then depends on
    # the label mass, which probability labels alone would never exercise.
    return [((rng.standard_normal((3, 4)), labels), {"axis": -1}),
            ((rng.standard_normal((4, 3)), labels.T.copy()), {"axis": 0}),
            ((rng.standard_normal((3, 4)), rng.uniform(0.0, 2.0, (3, 4))), {"axis": -1})]


def _sce_diff_vjp(g, xs, out, needs, axis=-1):
    logits, labels = xs
    g = sh.expand_dims(g, axis % logits.ndim)
    g_logits = g_labels = None
    if needs[0]:
        mass = red.sum(labels, axis=axis, keepdims=True)
        g_logits = ew.multiply(g, ew.subtract(ew.multiply(mass, softmax(logits, axis=axis)), labels))
    if needs[1]:
        g_labels = ew.negative(ew.multiply(g, log_softmax(logits, axis=axis)))
    return g_logits, g_labels


softmax_cross_entropy_with_logits = primitive(
    "softmax_cross_entropy_with_logits", _sce_fwd, _sce_vjp, _sce_samples, diff_vjp=_sce_diff_vjp,
    doc="Per-example cross-entropy of softmax(logits) against probability labels (tf's "
        "softmax_cross_entropy_with_logits).")


def _sparse_sce_fwd(b, logits, labels):
    loss, probs = b.sparse_softmax_cross_entropy(logits, labels)
    return loss, (probs, labels)


def _sparse_sce_vjp(b, g, res, needs):
    probs, labels = res
    return b.sparse_softmax_cross_entropy_grad(g, probs, labels), None


def _sparse_sce_diff_vjp(g, xs, out, needs):
    logits, labels = xs
    onehot = one_hot(labels, depth=logits.shape[-1], dtype=logits.dtype)
    return ew.multiply(sh.expand_dims(g, -1), ew.subtract(softmax(logits, axis=-1), onehot)), None


sparse_softmax_cross_entropy_with_logits = primitive(
    "sparse_softmax_cross_entropy_with_logits", _sparse_sce_fwd, _sparse_sce_vjp,
    diff_vjp=_sparse_sce_diff_vjp, samples=
    lambda rng: [((rng.standard_normal((5, 4)), rng.integers(0, 4, (5,))), {}),
                 ((rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))), {})],
    doc="Per-example cross-entropy of softmax(logits) against integer class labels.")

one_hot = primitive("one_hot", lambda b, indices, depth, dtype="float32": (
    b.one_hot(b.cast(indices, "int64"), depth, dtype), ()), static=("depth",))


# ------------------------------------------------------------------ composed (no VJP of their own)
def sigmoid_cross_entropy_with_logits(labels, logits):
    """``max(x, 0) - x z + log(1 + exp(-|x|))``: tf's stable form, exact for large |x|."""
    return ew.subtract(ew.add(ew.relu(logits), ew.log(ew.add(1.0, ew.exp(ew.negative(ew.abs(logits)))))),
                       ew.multiply(logits, labels))


def logsumexp(x, axis=None, keepdims=False):
    m = ew.stop_gradient(red.max(x, axis=axis, keepdims=True))
    out = ew.add(ew.log(red.sum(ew.exp(ew.subtract(x, m)), axis=axis, keepdims=True)), m)
    if keepdims:
        return out
    return squeeze(out, axis=red.normalize_axes(axis, x.ndim))


def elu(x, alpha=1.0):
    return ew.where(ew.greater(x, 0.0), x, ew.multiply(alpha, ew.subtract(ew.exp(ew.minimum(x, 0.0)), 1.0)))


def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return ew.multiply(scale, elu(x, alpha))


def softplus(x):
    # log(1 + e^x) = relu(x) + log(1 + e^-|x|): never overflows.
    return ew.add(ew.relu(x), ew.log(ew.add(1.0, ew.exp(ew.negative(ew.abs(x))))))


def softsign(x):
    return ew.divide(x, ew.add(1.0, ew.abs(x)))


def hard_sigmoid(x):
    return ew.clip_by_value(ew.add(ew.multiply(0.2, x), 0.5), 0.0, 1.0)


def swish(x):
    return ew.multiply(x, ew.sigmoid(x))


def relu_variant(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras's `relu(x, alpha, max_value, threshold)`."""
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return ew.relu(x)
    if threshold != 0.0:
        pos = ew.where(ew.greater(x, threshold), x, 0.0)
    else:
        pos = ew.relu(x)
    if max_value is not None:
        pos = ew.minimum(pos, float(max_value))
    if alpha != 0.0:
        neg = ew.multiply(alpha, ew.subtract(x, threshold))
        return ew.where(ew.greater_equal(x, threshold), pos, neg)
    return pos


def gelu(x, approximate=False):
    """tf.nn.gelu: ``x * P(X <= x)`` for a standard normal X, ``0.5 x (1 + erf(x / sqrt 2))``; with
    `approximate`, the tanh form ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    if approximate:
        inner = ew.multiply(_SQRT_2_OVER_PI, ew.add(x, ew.multiply(0.044715, ew.power(x, 3.0))))
        return ew.multiply(ew.multiply(0.5, x), ew.add(1.0, ew.tanh(inner)))
    return ew.multiply(ew.multiply(0.5, x), ew.add(1.0, ew.erf(ew.multiply(_SQRT_HALF, x))))

