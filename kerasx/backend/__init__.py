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
from kerasx.losses import focal as _focal
from kerasx.losses import functions as _losses
# The families of the namespace, each in its own module.
from kerasx.backend.control_flow import (foldl, foldr, function, gradients, in_test_phase, in_train_phase,
                                         learning_phase, learning_phase_scope, map_fn, rnn,
                                         set_learning_phase)
from kerasx.backend.image import (local_conv1d, local_conv2d, resize_images, resize_volumes,
                                  spatial_2d_padding, spatial_3d_padding, temporal_padding)
from kerasx.backend.nn import (batch_dot, batch_normalization, bias_add, conv1d, conv1d_transpose, conv2d,
                               conv2d_transpose, conv3d, conv3d_transpose, depthwise_conv2d, dropout,
                               in_top_k, l2_normalize, moving_average_update, normalize_batch_in_training,
                               pool2d, pool3d, separable_conv1d, separable_conv2d)
from kerasx.backend.random import (random_bernoulli, random_binomial, random_normal, random_normal_variable,
                                   random_uniform, random_uniform_variable, truncated_normal)
from kerasx.backend.tensor_ops import (all, any, arange, cast_to_floatx, cumprod, cumsum, eye, identity, round,
                                       prod, repeat, repeat_elements, reverse, tile, update, update_add,
                                       update_sub)
from kerasx.engine.input_layer import Input as _Input
from kerasx.engine.keras_tensor import KerasTensor as _KerasTensor
from kerasx.engine.naming import get_uid


def backend():
    """The name of the active kernel backend: 'numpy', 'cupy' or 'strict'."""
    return _backends.get().name


def kernel_info():
    """One line telling which kernels the active backend runs (for 'numpy': oneDNN's or NumPy's)."""
    return _backends.get().kernel_info()


# Math, as Keras names it.
abs = _ops.abs
exp = _ops.exp
log = _ops.log
sqrt = _ops.sqrt
square = _ops.square
tanh = _ops.tanh
sin = _ops.sin
cos = _ops.cos
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
hard_sigmoid = _ops.hard_sigmoid


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
    """One value per element, as tf.keras's `K.binary_crossentropy` (the loss function averages them)."""
    return _losses.elementwise_binary_crossentropy(target, output, from_logits=from_logits)


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False):
    """One value per element, as tf.keras's `K.binary_focal_crossentropy`."""
    _focal.check_focal_arguments("binary_focal_crossentropy", gamma, -1)
    return _focal.elementwise_binary_focal_crossentropy(
        target, output, apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
        from_logits=from_logits)


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1):
    """One value per sample (summed over `axis`), as tf.keras's `K.categorical_focal_crossentropy`."""
    return _focal.categorical_focal_crossentropy(target, output, alpha=alpha, gamma=gamma,
                                                 from_logits=from_logits, axis=axis)


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


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor of the functional API (an `Input` or a layer's output on one)."""
    if not isinstance(x, (Tensor, _KerasTensor)) and not hasattr(x, "shape"):
        raise ValueError(f"Unexpectedly found an instance of type `{type(x)}`. Expected a symbolic tensor "
                         "instance.")
    return isinstance(x, _KerasTensor)


def is_sparse(tensor):
    """kerasx has no sparse tensors: always False."""
    return False


def to_dense(tensor):
    return tensor


def print_tensor(x, message="", summarize=3):
    """Prints ``message`` and the value of ``x``, and returns ``x`` (eagerly, at once)."""
    print(message, as_tensor(x).numpy())
    return x


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


def reset_uids():
    """Resets the counters of `get_uid` (and of layer names)."""
    _naming.reset_names()


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A symbolic input of the functional API with the full ``shape`` (batch included), as tf.keras 2.x's
    `placeholder` (a KerasTensor from `Input(batch_shape=...)`)."""
    if sparse or ragged:
        raise ValueError("placeholder: kerasx has no sparse or ragged tensors.")
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder: give `shape` or `ndim`.")
        shape = (None,) * int(ndim)
    x = _Input(batch_shape=tuple(shape), dtype=dtype or floatx(), name=name)
    x._is_backend_placeholder = True
    return x


def is_placeholder(x):
    return bool(getattr(x, "_is_backend_placeholder", False))


def clear_session():
    """Resets the layer-name counters, as tf.keras's `clear_session` does for naming."""
    _naming.reset_names()


def synchronize():
    """Waits for queued device work (useful for timing on the GPU backend)."""
    _backends.get().synchronize()
