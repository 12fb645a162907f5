"""Every kernel of `base.Backend`, written once over an array module ``xp`` (NumPy or CuPy).

Only API that NumPy and CuPy share is used here (a test checks each ``xp.<name>`` against the installed
CuPy). Device-specific speed-ups live in the subclasses, each with a parity test against this code.
"""
import math
import operator

from backends.base import Backend
from backends.generic_attention import AttentionKernels
from backends.generic_conv import ConvolutionKernels
from backends.generic_metrics import MetricKernels
from backends.generic_norm import NormalizationKernels
from backends.generic_pool import PoolingKernels
from backends.generic_rnn import RecurrentKernels
from backends.generic_update import OptimizerUpdateKernels
from backends.transfers import TransferCounts

_COMPARE = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _basic_key(key):
    """True when ``key`` uses only basic indexing, so ``out[key] = g`` touches each element once."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class XPBackend(ConvolutionKernels, PoolingKernels, NormalizationKernels, RecurrentKernels, AttentionKernels,
                OptimizerUpdateKernels, MetricKernels, Backend):
    """The generic implementation; subclasses set ``xp`` and ``name``."""

    xp = None

    def __init__(self):
        self._rng = self.xp.random.default_rng(0)
        self.transfers = TransferCounts()

    def kernel_info(self):
        """One line naming the kernels this backend runs (a kernel provider overrides it)."""
        return f"{self.name} backend: the generic kernels over {self.xp.__name__}"

    # ---------------------------------------------------------------- arrays and device
    def asarray(self, x, dtype=None):
        if not isinstance(x, self.xp.ndarray):
            self.transfers.to_device += 1
        return self.xp.asarray(x, dtype=dtype)

    def is_array(self, x):
        return isinstance(x, self.xp.ndarray)

    def zeros(self, shape, dtype):
        return self.xp.zeros(shape, dtype=dtype)

    def ones(self, shape, dtype):
        return self.xp.ones(shape, dtype=dtype)

    def full(self, shape, value, dtype):
        return self.xp.full(shape, value, dtype=dtype)

    def cast(self, x, dtype):
        if x.dtype == dtype:
            return x
        return x.astype(dtype)

    def copy(self, x):
        return x.copy()

    def copy_(self, dst, src):
        dst[...] = src

    def dtype_name(self, x):
        return x.dtype.name

    # ---------------------------------------------------------------- random
    def seed(self, seed):
        self._rng = self.xp.random.default_rng(seed)

    def generator(self, seed):
        return self.xp.random.default_rng(seed)

    def uniform(self, shape, minval, maxval, dtype, generator=None):
        # Generator.random takes a dtype; Generator.uniform does not (it always draws float64).
        u = (self._rng if generator is None else generator).random(shape, dtype=dtype)
        return (u * (maxval - minval) + minval).astype(dtype, copy=False)

    def normal(self, shape, mean, stddev, dtype):
        # CuPy's Generator has no `normal`; `standard_normal` exists on both.
        z = self._rng.standard_normal(shape, dtype=dtype)
        return (z * stddev + mean).astype(dtype, copy=False)

    def bernoulli(self, shape, p, dtype):
        return (self._rng.random(shape, dtype="float32") < p).astype(dtype)

    # ---------------------------------------------------------------- elementwise, unary
    def negative(self, x):
        return self.xp.negative(x)

    def exp(self, x):
        return self.xp.exp(x)

    def log(self, x):
        return self.xp.log(x)

    def sqrt(self, x):
        return self.xp.sqrt(x)

    def square(self, x):
        return self.xp.square(x)

    def abs(self, x):
        return self.xp.abs(x)

    def sign(self, x):
        return self.xp.sign(x)

    def tanh(self, x):
        return self.xp.tanh(x)

    def sin(self, x):
        return self.xp.sin(x)

    def cos(self, x):
        return self.xp.cos(x)

    def erf(self, x):
        # NumPy has no erf, and CuPy's lives in cupyx: both halves below use only shared API. For
        # |x| < 2 the series erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!, whose terms are
        # all positive (no cancellation); beyond, erfc's continued fraction
        # erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
        # Term counts measured against math.erf over [-7, 7]: float64 within 1.1e-15 relative,
        # float32 within 5e-7 (tests/backends/test_kernels.py checks both).
        xp = self.xp
        series_terms, fraction_terms = (40, 40) if x.dtype == xp.float64 else (20, 16)
        a = xp.abs(x)
        s = xp.minimum(a, 2.0)
        s2 = 2.0 * s * s
        term = s
        total = s
        for n in range(1, series_terms):
            term = term * s2 / (2 * n + 1)
            total = total + term
        series = (2.0 / math.sqrt(math.pi)) * xp.exp(-s * s) * total
        c = xp.maximum(a, 2.0)
        f = c
        for k in range(fraction_terms, 0, -1):
            f = c + (k / 2.0) / f
        fraction = 1.0 - xp.exp(-c * c) / (math.sqrt(math.pi) * f)
        return (xp.sign(x) * xp.where(a < 2.0, series, fraction)).astype(x.dtype, copy=False)

    def sigmoid(self, x):
        # exp of a negative number only: 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) for x < 0.
        xp = self.xp
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)

    def relu(self, x):
        return self.xp.maximum(x, 0)

    def relu_grad(self, g, y):
        return g * (y > 0)

    # ---------------------------------------------------------------- elementwise, binary
    def add(self, a, b):
        return a + b

    def subtract(self, a, b):
        return a - b

    def multiply(self, a, b):
        return a * b

    def divide(self, a, b):
        return a / b

    def power(self, a, b):
        return self.xp.power(a, b)

    def floor_divide(self, a, b):
        return self.xp.floor_divide(a, b)

    def maximum(self, a, b):
        return self.xp.maximum(a, b)

    def minimum(self, a, b):
        return self.xp.minimum(a, b)

    def compare(self, op, a, b):
        try:
            fn = _COMPARE[op]
        except KeyError:
            raise ValueError(f"compare: unknown operator {op!r}; expected one of {sorted(_COMPARE)}") from None
        return fn(a, b)

    def logical(self, op, a, b=None):
        xp = self.xp
        if op == "not":
            return xp.logical_not(a)
        fns = {"and": xp.logical_and, "or": xp.logical_or, "xor": xp.logical_xor}
        if op not in fns:
            raise ValueError(f"logical: unknown operator {op!r}; expected 'and', 'or', 'xor' or 'not'")
        return fns[op](a, b)

    def where(self, cond, a, b):
        return self.xp.where(cond, a, b)

    def clip(self, x, lo, hi):
        return self.xp.clip(x, lo, hi)

    # ---------------------------------------------------------------- reductions
    def sum(self, x, axis=None, keepdims=False):
        return self.xp.sum(x, axis=axis, keepdims=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return self.xp.mean(x, axis=axis, keepdims=keepdims)

    def max(self, x, axis=None, keepdims=False):
        return self.xp.max(x, axis=axis, keepdims=keepdims)

    def min(self, x, axis=None, keepdims=False):
        return self.xp.min(x, axis=axis, keepdims=keepdims)

    def argmax(self, x, axis=-1):
        return self.xp.argmax(x, axis=axis)

    def argmin(self, x, axis=-1):
        return self.xp.argmin(x, axis=axis)

    def sum_to_shape(self, x, shape):
        shape = tuple(shape)
        if x.shape == shape:
            return x
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
        return self.xp.sum(x, axis=axes).reshape(shape)

    # ---------------------------------------------------------------- linear algebra
    def matmul(self, a, b):
        if a.ndim > 2 and b.ndim == 2:
            # One GEMM over the flattened leading axes instead of one per batch entry.
            out = self.xp.matmul(a.reshape(-1, a.shape[-1]), b)
            return out.reshape(a.shape[:-1] + (b.shape[-1],))
        if a.ndim > 2 or b.ndim > 2:
            # A stack of small matrices through a transposed view (the VJP's ``g @ yᵀ``) skips BLAS in
            # NumPy, about ten times slower than copying it first (see `generic_attention`).
            a, b = self.xp.ascontiguousarray(a), self.xp.ascontiguousarray(b)
        return self.xp.matmul(a, b)

    def dense(self, x, kernel, bias, relu):
        out = self.matmul(x, kernel)
        out += bias
        if relu:
            self.xp.maximum(out, 0, out=out)
        return out

    # ---------------------------------------------------------------- shape and indexing
    def reshape(self, x, shape):
        return x.reshape(shape)

    def transpose(self, x, axes):
        return self.xp.transpose(x, axes)

    def broadcast_to(self, x, shape):
        return self.xp.broadcast_to(x, shape)

    def concatenate(self, xs, axis):
        return self.xp.concatenate(xs, axis=axis)

    def stack(self, xs, axis):
        return self.xp.stack(xs, axis=axis)

    def getitem(self, x, key):
        return x[key]

    def scatter_add(self, shape, key, g, dtype):
        out = self.xp.zeros(shape, dtype=dtype)
        if _basic_key(key):
            out[key] = g
        else:
            self.xp.add.at(out, key, g)
        return out

    def take(self, x, indices, axis):
        return self.xp.take(x, indices, axis=axis)

    def take_grad(self, g, indices, axis, shape):
        axis = axis % len(shape)
        out = self.xp.zeros(shape, dtype=g.dtype)
        self.xp.add.at(out, (slice(None),) * axis + (indices,), g)
        return out

    def pad(self, x, pad_width, value=0):
        return self.xp.pad(x, pad_width, mode="constant", constant_values=value)

    def one_hot(self, indices, depth, dtype):
        return (indices[..., None] == self.xp.arange(depth)).astype(dtype)

    # ---------------------------------------------------------------- coarse neural-network kernels
    def softmax(self, x, axis=-1):
        e = self.xp.exp(x - self.xp.max(x, axis=axis, keepdims=True))
        e /= self.xp.sum(e, axis=axis, keepdims=True)
        return e

    def log_softmax(self, x, axis=-1):
        shifted = x - self.xp.max(x, axis=axis, keepdims=True)
        return shifted - self.xp.log(self.xp.sum(self.xp.exp(shifted), axis=axis, keepdims=True))

    def softmax_grad(self, g, y, axis=-1):
        gy = g * y
        return gy - y * self.xp.sum(gy, axis=axis, keepdims=True)

    def softmax_cross_entropy(self, logits, labels, axis=-1):
        lsm = self.log_softmax(logits, axis)
        loss = -self.xp.sum(labels * lsm, axis=axis)
        return loss, self.xp.exp(lsm)

    def softmax_cross_entropy_grad(self, g, probs, labels, axis=-1):
        # sum(labels) * probs, not probs: labels need not sum to 1 (random targets, label mass > 1),
        # and `probs - labels` would then be the gradient of another loss than the one reported.
        label_mass = self.xp.sum(labels, axis=axis, keepdims=True)
        return self.xp.expand_dims(g, axis) * (label_mass * probs - labels)

    def _valid_class(self, labels, depth):
        return (labels >= 0) & (labels < depth)

    def sparse_softmax_cross_entropy(self, logits, labels):
        xp = self.xp
        lsm = self.log_softmax(logits, -1)
        labels = labels.astype("int64")
        # An index out of range would wrap (CuPy, NumPy for -1) or raise: it gives NaN instead, as tf's
        # GPU kernel does. The losses reject such labels on the host before they get here.
        valid = self._valid_class(labels, logits.shape[-1])
        picked = xp.take_along_axis(lsm, xp.where(valid, labels, 0)[..., None], axis=-1)[..., 0]
        return xp.where(valid, -picked, float("nan")), xp.exp(lsm)

    def sparse_softmax_cross_entropy_grad(self, g, probs, labels):
        d = probs - self.one_hot(labels, probs.shape[-1], probs.dtype)
        # NaN rows through the per-row factor: no extra pass over the (rows, classes) array.
        g = self.xp.where(self._valid_class(labels, probs.shape[-1]), g, float("nan"))
        return g[..., None] * d

