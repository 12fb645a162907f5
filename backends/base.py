"""The kernel interface: every numeric operation kerasx performs, on raw device arrays.

Conventions for every kernel below:
- ``x``, ``a``, ``b``, ``g`` are arrays of the backend's own type (``numpy.ndarray`` or ``cupy.ndarray``).
- ``dtype`` is a dtype name string such as ``'float32'``; kernels keep their input's dtype (float32 stays
  float32) unless a kernel says otherwise.
- ``axis`` is ``None`` (all axes), an int, or a tuple of ints; negative axes count from the end.
- Layouts follow Keras: channels_last, dense kernels ``(in, out)``.
- Kernels never change their inputs unless their name ends in ``_`` or ``_update`` (the in-place
  optimizer updates), which change their first arguments and return ``None``.
"""
import abc

from backends.base_attention import AttentionInterface
from backends.base_conv import ConvolutionInterface
from backends.base_norm import NormalizationInterface
from backends.base_pool import PoolingInterface
from backends.base_rnn import RecurrentInterface


class Backend(ConvolutionInterface, PoolingInterface, NormalizationInterface, RecurrentInterface, AttentionInterface,
              abc.ABC):
    """Abstract kernel set; `generic.XPBackend` implements it once over an array module."""

    name = "abstract"

    # ---------------------------------------------------------------- arrays and device
    @abc.abstractmethod
    def asarray(self, x, dtype=None):
        """Device array from ``x`` (nested lists, scalars, host or device arrays); no copy when it can
        be avoided. ``dtype=None`` keeps the input's dtype. Host data counts as one host-to-device
        transfer in ``self.transfers`` (`backends.transfers.TransferCounts`)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def to_numpy(self, x):
        """A host ``numpy.ndarray`` copy (or view, for the NumPy backend) of device array ``x``: the one
        way to the host, counted as a device-to-host transfer in ``self.transfers`` (on a GPU it waits
        for the device)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def is_array(self, x):
        """True when ``x`` is this backend's array type."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def zeros(self, shape, dtype):
        """Array of zeros of ``shape``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def ones(self, shape, dtype):
        """Array of ones of ``shape``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def full(self, shape, value, dtype):
        """Array of ``shape`` filled with ``value``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def cast(self, x, dtype):
        """``x`` as ``dtype``; returns ``x`` itself when it already has that dtype."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def copy(self, x):
        """A new array equal to ``x``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def copy_(self, dst, src):
        """Writes ``src`` (broadcast to ``dst.shape``, cast to its dtype) into ``dst`` in place."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def dtype_name(self, x):
        """The dtype of array ``x`` as a string, e.g. ``'float32'``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def synchronize(self):
        """Blocks until every queued kernel has finished (a no-op on the CPU); used for timing."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- random
    @abc.abstractmethod
    def seed(self, seed):
        """Reseeds this backend's generator for per-step randomness (dropout, noise)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def generator(self, seed):
        """A generator of this backend's own, seeded with `seed` (an int): the ``generator`` argument of
        `uniform`, for a layer whose draws repeat with its `seed`, independent of the backend's."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def uniform(self, shape, minval, maxval, dtype, generator=None):
        """Uniform samples in ``[minval, maxval)``, from `generator` (made by `generator()`) or else from
        the backend's generator."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def normal(self, shape, mean, stddev, dtype):
        """Normal samples."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def bernoulli(self, shape, p, dtype):
        """1 with probability ``p``, else 0."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- elementwise, unary
    @abc.abstractmethod
    def negative(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def exp(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def log(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def sqrt(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def square(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def abs(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def sign(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def tanh(self, x):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def sin(self, x):
        """``sin(x)`` elementwise, ``x`` in radians."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def cos(self, x):
        """``cos(x)`` elementwise, ``x`` in radians."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def erf(self, x):
        """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise, in ``x``'s float
        dtype; accurate to a few ulps of that dtype (float64 too, for gradient checks)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def sigmoid(self, x):
        """``1 / (1 + exp(-x))`` computed without overflow for large ``|x|``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def relu(self, x):
        """``max(x, 0)``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def relu_grad(self, g, y):
        """Gradient of relu given its output ``y``: ``g`` where ``y > 0``, else 0."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- elementwise, binary (broadcasting)
    @abc.abstractmethod
    def add(self, a, b):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def subtract(self, a, b):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def multiply(self, a, b):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def divide(self, a, b):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def power(self, a, b):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def floor_divide(self, a, b):
        """``a // b`` rounded toward minus infinity, as Python's ``//`` (exact on integers; on floats
        consistent with Python's ``%``, so ``a - (a // b) * b`` takes the sign of ``b``)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def maximum(self, a, b):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def minimum(self, a, b):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def compare(self, op, a, b):
        """Boolean array of ``a <op> b``; ``op`` is one of ``== != < <= > >=``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def logical(self, op, a, b=None):
        """Boolean ``and``/``or``/``xor`` of ``a`` and ``b``, or ``not`` of ``a``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def where(self, cond, a, b):
        """``a`` where boolean ``cond`` holds, else ``b`` (broadcasting)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def clip(self, x, lo, hi):
        """``x`` limited to ``[lo, hi]``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def threshold_counts(self, preds, y_true, weights, thresholds):
        """The confusion counts at ascending ``thresholds`` (T,): ``(tp, fp, tn, fn)``, where ``tp[j]``
        is the weight of the predictions with a non-zero label and ``preds > thresholds[j]`` (NaN is
        above none), ``fn[j]`` of those with a non-zero label not above it, ``fp``/``tn`` the same for
        zero labels. ``y_true`` and ``weights`` have ``preds``' shape, or ``weights`` is the number 1
        (unweighted). ``preds`` (N,) gives counts of shape (T,); ``preds`` (N, L), one count per label,
        (T, L). In ``preds``' dtype."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- reductions
    @abc.abstractmethod
    def sum(self, x, axis=None, keepdims=False):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def mean(self, x, axis=None, keepdims=False):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def max(self, x, axis=None, keepdims=False):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def min(self, x, axis=None, keepdims=False):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def argmax(self, x, axis=-1):
        """Index of the largest element along one ``axis`` (int64)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def argmin(self, x, axis=-1):
        """Index of the smallest element along one ``axis`` (int64)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def sum_to_shape(self, x, shape):
        """Sums ``x`` over the axes that broadcasting added or stretched, giving ``shape``.

        The inverse of broadcasting, used once, by the tape, for every gradient."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- linear algebra
    @abc.abstractmethod
    def matmul(self, a, b):
        """Matrix product with NumPy's batching rules (``(..., n, k) @ (..., k, m)``), one BLAS call
        when ``a`` is 2-D or more and ``b`` is 2-D."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def dense(self, x, kernel, bias, relu):
        """``x @ kernel + bias``, then ``max(., 0)`` when `relu`: the forward of a Dense layer.

        ``x`` is ``(..., k)``, ``kernel`` ``(k, m)``, ``bias`` ``(m,)``; the result is ``(..., m)`` in their
        dtype. The bias and relu are applied in place on the fresh GEMM output, saving a temporary and a
        pass over memory each."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- shape and indexing
    @abc.abstractmethod
    def reshape(self, x, shape):
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def transpose(self, x, axes):
        """``x`` with its axes permuted by ``axes`` (a full permutation)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def broadcast_to(self, x, shape):
        """Read-only broadcast view (copy it before writing)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def concatenate(self, xs, axis):
        """Joins a sequence of arrays along an existing ``axis``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def stack(self, xs, axis):
        """Joins a sequence of equal-shape arrays along a new ``axis``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def getitem(self, x, key):
        """``x[key]`` with NumPy indexing (ints, slices, None, Ellipsis, integer or boolean arrays)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def scatter_add(self, shape, key, g, dtype):
        """Zeros of ``shape`` with ``g`` added at ``[key]``, repeated indices accumulating.

        The gradient of ``getitem``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def take(self, x, indices, axis):
        """Gathers slices of ``x`` at integer ``indices`` along ``axis``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def take_grad(self, g, indices, axis, shape):
        """Gradient of ``take``: zeros of ``shape`` with slices of ``g`` added back at ``indices``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def pad(self, x, pad_width, value=0):
        """Constant padding; ``pad_width`` is one ``(before, after)`` pair per axis."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def one_hot(self, indices, depth, dtype):
        """``indices.shape + (depth,)`` array with 1 at each index, 0 elsewhere."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- coarse neural-network kernels
    @abc.abstractmethod
    def softmax(self, x, axis=-1):
        """Numerically stable softmax along ``axis``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def log_softmax(self, x, axis=-1):
        """Numerically stable ``log(softmax(x))`` along ``axis``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def softmax_grad(self, g, y, axis=-1):
        """Gradient of softmax given its output ``y``: ``y * (g - sum(g * y, axis))``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def softmax_cross_entropy(self, logits, labels, axis=-1):
        """Cross-entropy of ``softmax(logits)`` against probability ``labels`` of the same shape.

        Returns ``(loss, probs)``: ``loss`` has ``axis`` removed; ``probs`` is kept for the gradient."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def softmax_cross_entropy_grad(self, g, probs, labels, axis=-1):
        """Gradient with respect to the logits: ``expand(g) * (sum(labels, axis) * probs - labels)``,
        the true gradient for labels of any mass (``probs - labels`` when they sum to 1)."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def sparse_softmax_cross_entropy(self, logits, labels):
        """Cross-entropy of ``softmax(logits)`` (classes last) against integer class ``labels`` of
        shape ``logits.shape[:-1]``. Returns ``(loss, probs)``; a label outside ``[0, classes)`` gives a
        NaN loss (as tf's GPU kernel), never another class's."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def sparse_softmax_cross_entropy_grad(self, g, probs, labels):
        """Gradient with respect to the logits: ``g[..., None] * (probs - one_hot(labels))``; NaN rows
        for labels outside ``[0, classes)``."""
        raise NotImplementedError("abstract kernel")

    # ---------------------------------------------------------------- in-place optimizer updates
    @abc.abstractmethod
    def sgd_update(self, var, grad, velocity, lr, momentum, nesterov):
        """tf.keras SGD: ``velocity = momentum * velocity - lr * grad``; ``var += velocity`` (or
        ``var += momentum * velocity - lr * grad`` with Nesterov). ``velocity`` is None when
        ``momentum == 0``; then ``var -= lr * grad``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def adam_update(self, var, grad, m, v, lr_t, beta_1, beta_2, epsilon, vhat=None, decay=0.0):
        """tf.keras Adam with the bias correction folded into ``lr_t``:
        ``m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; var -= lr_t m / (sqrt(v) + epsilon)``; with AMSGrad
        ``vhat = max(vhat, v)`` replaces ``v`` in the denominator. A nonzero ``decay`` (AdamW's
        ``lr * weight_decay``) first applies tf.keras's weight decay ``var -= var * decay``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def weight_decay_update(self, var, decay):
        """tf.keras 2.11's decoupled weight decay, ``var -= var * decay`` (``decay = lr * weight_decay``),
        for the optimizers whose update kernel does not take it."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def lion_update(self, var, grad, m, lr, beta_1, beta_2, decay=0.0):
        """tf.keras Lion: ``var -= lr sign(b1 m + (1-b1) g); m = b2 m + (1-b2) g``, after the weight
        decay ``var -= var * decay`` when ``decay`` is nonzero."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def ftrl_update(self, var, grad, accum, linear, lr, lr_power, l1, l2, l2_shrinkage):
        """tf.keras FTRL-Proximal (``l2`` already includes ``beta / (2 lr)``):
        ``g' = g + 2 l2_shrinkage var; n = accum + g^2;
        linear += g' - (n^-p - accum^-p) / lr * var; quadratic = n^-p / lr + 2 l2;
        var = (clip(linear, -l1, l1) - linear) / quadratic; accum = n`` with ``p = lr_power``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def adafactor_update(self, var, grad, r, c, v, rho_t, beta_2_t, epsilon_1, epsilon_2, clip_threshold):
        """tf.keras Adafactor, with ``rho_t = min(lr, 1/sqrt(t))`` and ``beta_2_t = 1 - t^beta_2_decay``
        from the host: ``alpha = max(epsilon_2, rms(var)) rho_t; s = g^2 + epsilon_1``; for a variable of
        2+ dimensions ``r = b r + (1-b) mean(s, -1); c = b c + (1-b) mean(s, -2);
        v = r / mean(r, -1) (outer) c`` over the last two axes (`r` and `c` are the factored second
        moments; for fewer dimensions they are unused and ``v = b v + (1-b) s``); then
        ``u = g / sqrt(v); var -= alpha u / max(1, rms(u) / clip_threshold)``. Reads no value back to
        the host."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def rmsprop_update(self, var, grad, ms, mom, mg, lr, rho, momentum, epsilon):
        """tf.keras RMSprop: ``ms = rho ms + (1-rho) g^2``; ``mg`` (centered, else None) likewise with
        ``g``, and ``denom = ms - mg^2``. Without momentum (``mom`` None):
        ``var -= lr g / (sqrt(denom) + epsilon)``; with it ``mom = momentum mom + lr g / sqrt(denom +
        epsilon); var -= mom``."""
        raise NotImplementedError("abstract kernel")
