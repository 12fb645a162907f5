"""Weight regularizers, as `tf.keras.regularizers`: `regularizer(x)` is a scalar penalty Tensor built
from kerasx.ops, so it is differentiable inside a GradientTape."""
import math

from kerasx import ops
from kerasx.saving.object_registration import deserialize_keras_object, serialize_keras_object


def _check_penalty_number(x):
    if isinstance(x, bool) or not isinstance(x, (float, int)):
        raise ValueError(f"Value {x} is not a valid regularization penalty number, expected an int or "
                         "float value.")
    if math.isinf(x) or math.isnan(x):
        raise ValueError(f"Value {x} is not a valid regularization penalty number, an infinite number or "
                         "NaN are not valid values.")


class Regularizer:
    """Base class: subclasses implement `__call__(x)` and `get_config()`."""

    def __call__(self, x):
        return ops.zeros((), dtype=x.dtype)

    def get_config(self):
        # Abstract for custom regularizers, with tf.keras's own error: a model using one cannot be
        # serialized until the subclass says how.
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _l1(x, l1):
    return ops.multiply(l1, ops.sum(ops.abs(x)))


def _l2(x, l2):
    # Keras's L2 has no 1/2: l2 * sum(x^2).
    return ops.multiply(l2, ops.sum(ops.square(x)))


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        l1 = 0.0 if l1 is None else l1
        l2 = 0.0 if l2 is None else l2
        _check_penalty_number(l1)
        _check_penalty_number(l2)
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x):
        penalty = ops.zeros((), dtype=x.dtype)
        if self.l1:
            penalty = ops.add(penalty, _l1(x, self.l1))
        if self.l2:
            penalty = ops.add(penalty, _l2(x, self.l2))
        return penalty

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


class L1(Regularizer):
    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)  # Keras 2 accepted `l=` too
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l1 = 0.01 if l1 is None else l1
        _check_penalty_number(l1)
        self.l1 = float(l1)

    def __call__(self, x):
        return _l1(x, self.l1)

    def get_config(self):
        return {"l1": float(self.l1)}


class L2(Regularizer):
    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l2 = 0.01 if l2 is None else l2
        _check_penalty_number(l2)
        self.l2 = float(l2)

    def __call__(self, x):
        return _l2(x, self.l2)

    def get_config(self):
        return {"l2": float(self.l2)}


def l1_l2(l1=0.01, l2=0.01):
    """An `L1L2` regularizer; note the defaults are 0.01 here, 0.0 in the class."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2

_ALL_OBJECTS = {"Regularizer": Regularizer, "L1L2": L1L2, "L1": L1, "L2": L2, "l1": L1, "l2": L2,
                "l1_l2": l1_l2}


def serialize(regularizer):
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    if config == "l1_l2":
        # As Keras: the name alone means the function's defaults, not the class's zeros.
        return L1L2(l1=0.01, l2=0.01)
    return deserialize_keras_object(config, module_objects=_ALL_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="regularizer")


def get(identifier):
    """A regularizer from None, a name, a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
