"""The Keras 2 ``K.`` namespace (``from kerasx import backend as K``): settings, and eager,
differentiable math on Tensors. Not to be confused with the top-level ``backends`` kernel package."""
import backends as _backends
# The settings live on the bottom floor (backends/config.py), where autodiff and ops read them too.
from backends.config import (epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                             set_image_data_format)
from kerasx import ops as _ops
from kerasx.autodiff.tensor import Tensor, Variable, as_tensor
# CTC lives in its own module; these are its K. names.
from kerasx.backend.ctc import SparseLabels, ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse
from kerasx.engine import naming as _naming
from kerasx.losses import functions as _losses


def backend():
    """The name of the active kernel backend: 'numpy', 'cupy' or 'strict'."""
    return _backends.get().name


# Math, as Keras names it.
abs = _ops.abs
exp = _ops.exp
log = _ops.log
sqrt = _ops.sqrt
square = _ops.square
tanh = _ops.tanh
sigmoid = _ops.sigmoid
softplus = _ops.softplus
softsign = _ops.softsign
sign = _ops.sign
maximum = _ops.maximum
minimum = _ops.minimum
argmax = _ops.argmax
argmin = _ops.argmin
equal = _ops.equal
not_equal = _ops.not_equal
greater = _ops.greater
greater_equal = _ops.greater_equal
less = _ops.less
less_equal = _ops.less_equal
reshape = _ops.reshape
stop_gradient = _ops.stop_gradient
zeros_like = _ops.zeros_like
ones_like = _ops.ones_like
one_hot = _ops.one_hot
logsumexp = _ops.logsumexp


def sum(x, axis=None, keepdims=False):
    return _ops.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return _ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return _ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    return _ops.min(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    m = _ops.mean(x, axis=axis, keepdims=True)
    return _ops.mean(_ops.square(_ops.subtract(x, m)), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return _ops.sqrt(var(x, axis=axis, keepdims=keepdims))


def pow(x, a):
    return _ops.power(x, a)


def clip(x, min_value, max_value):
    return _ops.clip_by_value(x, min_value, max_value)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    return _ops.relu_variant(x, alpha=alpha, max_value=max_value, threshold=threshold)


def elu(x, alpha=1.0):
    return _ops.elu(x, alpha)


def softmax(x, axis=-1):
    return _ops.softmax(x, axis=axis)


def dot(x, y):
    return _ops.matmul(x, y)


def transpose(x):
    return _ops.transpose(x)


def permute_dimensions(x, pattern):
    return _ops.transpose(x, axes=tuple(pattern))


def concatenate(tensors, axis=-1):
    return _ops.concatenate(tensors, axis=axis)


def stack(x, axis=0):
    return _ops.stack(x, axis=axis)


def expand_dims(x, axis=-1):
    return _ops.expand_dims(x, axis)


def squeeze(x, axis):
    return _ops.squeeze(x, axis)


def flatten(x):
    return _ops.reshape(x, shape=(-1,))


def batch_flatten(x):
    return _ops.flatten_batch(x)


def gather(reference, indices):
    return _ops.take(reference, indices, axis=0)


def cast(x, dtype):
    return _ops.cast(as_tensor(x), dtype=dtype)


def switch(condition, then_expression, else_expression):
    return _ops.where(condition, then_expression, else_expression)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    return _losses.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    return _losses.sparse_categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def binary_crossentropy(target, output, from_logits=False):
    return _losses.binary_crossentropy(target, output, from_logits=from_logits)


# ---------------------------------------------------------------- tensors and variables
def constant(value, dtype=None, shape=None):
    t = as_tensor(value, dtype=dtype)
    if shape is not None:
        t = _ops.broadcast_to(t, shape=tuple(shape))
    return t


def variable(value, dtype=None, name=None):
    dtype = dtype or floatx()
    return Variable(as_tensor(value, dtype=dtype), name=name or "Variable")


def zeros(shape, dtype=None):
    return _ops.zeros(shape, dtype)


def ones(shape, dtype=None):
    return _ops.ones(shape, dtype)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _ops.random_uniform(shape, minval, maxval, dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _ops.random_normal(shape, mean, stddev, dtype)


def int_shape(x):
    return tuple(x.shape)


def shape(x):
    return tuple(x.shape)


def ndim(x):
    return len(x.shape)


def dtype(x):
    return x.dtype


def is_tensor(x):
    return isinstance(x, Tensor)


def eval(x):
    return as_tensor(x).numpy()


def get_value(x):
    return x.numpy()


def batch_get_value(xs):
    return [x.numpy() for x in xs]


def set_value(x, value):
    x.assign(value)


def batch_set_value(tuples):
    for x, value in tuples:
        x.assign(value)


def count_params(x):
    return int(x.size)


def clear_session():
    """Resets the layer-name counters, as tf.keras's `clear_session` does for naming."""
    _naming.reset_names()


def synchronize():
    """Waits for queued device work (useful for timing on the GPU backend)."""
    _backends.get().synchronize()
