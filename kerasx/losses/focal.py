"""The focal losses of Lin et al. (2017), as tf.keras 2.x defines them: `binary_focal_crossentropy` and
`categorical_focal_crossentropy`, and their `Loss` classes. Both down-weight well-classified examples by
``(1 - p)^gamma`` and are composed from the crossentropy ops, so their gradients come from the tape."""
import warnings

from kerasx import ops
from kerasx.losses.classes import LossFunctionWrapper
from kerasx.losses.functions import (cast_pair, check_same_shape, clip_probabilities,
                                     elementwise_binary_crossentropy, logits_of)
from kerasx.losses.utils import Reduction


def check_focal_arguments(loss_name, gamma, axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{loss_name}: `axis` must be of type `int`. Received: axis={axis!r} of type "
                         f"{type(axis)}")
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not gamma >= 0:
        # tf.keras takes any gamma; a negative one gives (1 - p)^gamma = inf wherever p reaches 1.
        raise ValueError(f"{loss_name}: `gamma` must be a number >= 0 (the focusing exponent). "
                         f"Received: gamma={gamma!r}")


def elementwise_binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                                          from_logits=False):
    """Keras's `K.binary_focal_crossentropy`: ``(1 - p_t)^gamma`` times the binary crossentropy, per
    element, with ``p_t`` the probability given to the true label; class balancing weights it by
    ``alpha`` for positives and ``1 - alpha`` for negatives."""
    target, output = cast_pair(target, output)
    sigmoidal = ops.sigmoid(output) if from_logits else output
    p_t = ops.add(ops.multiply(target, sigmoidal),
                  ops.multiply(ops.subtract(1.0, target), ops.subtract(1.0, sigmoidal)))
    focal_factor = ops.power(ops.subtract(1.0, p_t), float(gamma))
    focal_bce = ops.multiply(focal_factor, elementwise_binary_crossentropy(target, output, from_logits=from_logits))
    if apply_class_balancing:
        alpha = float(alpha)
        weight = ops.add(ops.multiply(target, alpha), ops.multiply(ops.subtract(1.0, target), 1.0 - alpha))
        focal_bce = ops.multiply(weight, focal_bce)
    return focal_bce


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """The focal loss of Lin et al. (2017) for binary labels, averaged over `axis` (tf.keras 2.x)."""
    check_focal_arguments("binary_focal_crossentropy", gamma, axis)
    y_true, y_pred = cast_pair(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), 0.5 * ls)
    return ops.mean(elementwise_binary_focal_crossentropy(
        y_true, y_pred, apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
        from_logits=from_logits), axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """``sum(alpha (1 - p)^gamma * -y log p)`` over `axis`, p the predictions renormalised to sum to 1
    and clipped to ``[epsilon, 1 - epsilon]``, as tf.keras 2.x's backend computes it."""
    name = "categorical_focal_crossentropy"
    check_focal_arguments(name, gamma, axis)
    y_pred, from_logits = logits_of(y_pred, from_logits, name, "Softmax")
    y_true, y_pred = cast_pair(y_true, y_pred)
    check_same_shape(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
                      f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        ls = float(label_smoothing)
        y_true = ops.add(ops.multiply(y_true, 1.0 - ls), ls / float(y_true.shape[-1]))
    p = ops.softmax(y_pred, axis=axis) if from_logits else y_pred
    p = clip_probabilities(ops.divide(p, ops.sum(p, axis=axis, keepdims=True)))
    cce = ops.negative(ops.multiply(y_true, ops.log(p)))
    weighting = ops.multiply(float(alpha), ops.power(ops.subtract(1.0, p), float(gamma)))
    return ops.sum(ops.multiply(weighting, cce), axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction=Reduction.AUTO, name="binary_focal_crossentropy"):
        check_focal_arguments(name, gamma, axis)
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=Reduction.AUTO, name="categorical_focal_crossentropy"):
        check_focal_arguments(name, gamma, axis)
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.alpha = alpha
        self.gamma = gamma
