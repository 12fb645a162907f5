"""Activation functions, as `tf.keras.activations`: plain functions of a Tensor built from kerasx.ops,
looked up by name with `get` and serialized as their Keras name."""
from kerasx import ops
from kerasx.autodiff.primitive import Primitive
from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.saving.object_registration import (deserialize_keras_object, get_registered_name, serialization,
                                               serialize_keras_object)


def _t(x):
    return x if isinstance(x, Tensor) else as_tensor(x)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0) by default; `alpha` is the slope below `threshold`, `max_value` caps the output."""
    return ops.relu_variant(_t(x), alpha=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x):
    x = _t(x)
    out = ops.sigmoid(x)
    out._keras_logits = x  # the crossentropy losses read it, as tf.keras 2.x's do
    return out


def tanh(x):
    return ops.tanh(_t(x))


def softmax(x, axis=-1):
    x = _t(x)
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    out = ops.softmax(x, axis=axis if isinstance(axis, int) else tuple(axis))
    out._keras_logits = x  # the crossentropy losses read it, as tf.keras 2.x's do
    return out


def log_softmax(x, axis=-1):
    return ops.log_softmax(_t(x), axis=axis if isinstance(axis, int) else tuple(axis))


def elu(x, alpha=1.0):
    return ops.elu(_t(x), alpha)


def selu(x):
    return ops.selu(_t(x))


def softplus(x):
    return ops.softplus(_t(x))


def softsign(x):
    return ops.softsign(_t(x))


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return ops.hard_sigmoid(_t(x))


def exponential(x):
    return ops.exp(_t(x))


def linear(x):
    return x


def swish(x):
    """x * sigmoid(x) (also known as SiLU)."""
    return ops.swish(_t(x))


silu = swish


def mish(x):
    """x * tanh(softplus(x))."""
    x = _t(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def gelu(x, approximate=False):
    """Gaussian error linear unit, ``0.5 x (1 + erf(x / sqrt 2))``; `approximate=True` takes the tanh
    form ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``, as tf.keras 2.x."""
    return ops.gelu(_t(x), approximate=bool(approximate))


def relu6(x):
    """min(max(x, 0), 6) (tf.nn.relu6, which tf.keras 2.x resolves the name 'relu6' to)."""
    return ops.relu_variant(_t(x), max_value=6.0)


def leaky_relu(x, alpha=0.2):
    """x for x >= 0, `alpha` x below: tf.nn.leaky_relu, whose default slope 0.2 the name 'leaky_relu'
    gets in tf.keras 2.x (the LeakyReLU layer's default is 0.3)."""
    x = _t(x)
    return ops.where(ops.greater_equal(x, 0.0), x, ops.multiply(float(alpha), x))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), which never takes the log of an underflowed sigmoid."""
    return ops.negative(ops.softplus(ops.negative(_t(x))))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + min(0, alpha (exp(x / alpha) - 1))``."""
    x = _t(x)
    alpha = float(alpha)
    if alpha == 0.0:
        raise ValueError(f"celu: `alpha` must not be 0 (it divides x). Received: alpha={alpha}")
    negative = ops.multiply(alpha, ops.subtract(ops.exp(ops.divide(ops.minimum(x, 0.0), alpha)), 1.0))
    return ops.where(ops.greater(x, 0.0), x, negative)


def hard_silu(x):
    """``x * relu6(x + 3) / 6`` (hard swish, as tf.keras's MobileNetV3 and Keras 3 define it)."""
    x = _t(x)
    return ops.multiply(x, ops.divide(ops.relu_variant(ops.add(x, 3.0), max_value=6.0), 6.0))


hard_swish = hard_silu

_ALL_OBJECTS = {fn.__name__: fn for fn in (relu, sigmoid, tanh, softmax, log_softmax, elu, selu, softplus,
                                           softsign, hard_sigmoid, exponential, linear, swish, mish, gelu,
                                           relu6, leaky_relu, log_sigmoid, celu, hard_silu)}
_ALL_OBJECTS["silu"] = swish
_ALL_OBJECTS["hard_swish"] = hard_silu


def serialize(activation):
    """The activation's Keras name ('relu'); an activation layer serializes as its config dict."""
    if isinstance(activation, Primitive):
        return activation.name  # e.g. `activation=kerasx.ops.relu`
    if hasattr(activation, "__name__") and not hasattr(activation, "get_config"):
        return get_registered_name(activation)
    return serialize_keras_object(activation)


def deserialize(name, custom_objects=None):
    """The function named `name`; a config dict (an activation layer such as ReLU) is rebuilt as a
    layer."""
    if isinstance(name, dict):
        # `kerasx.layers.deserialize`, found in the registry: the layers import the activations.
        return serialization("layer").deserialize(name, custom_objects=custom_objects)
    return deserialize_keras_object(name, module_objects=_ALL_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="activation function")


def get(identifier):
    """None -> linear; a name or config -> the activation; any callable passes through."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")
