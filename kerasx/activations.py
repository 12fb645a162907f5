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


_ALL_OBJECTS = {fn.__name__: fn for fn in (relu, sigmoid, tanh, softmax, log_softmax, elu, selu, softplus,
                                           softsign, hard_sigmoid, exponential, linear, swish, mish)}
_ALL_OBJECTS["silu"] = swish


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
