"""`keras.metrics`: stateful `Metric` classes, functional metrics, `get` / `serialize` / `deserialize`,
and the `compile(metrics=...)` resolution of 'accuracy' / 'crossentropy' by the outputs' shapes."""
import inspect

from kerasx.engine.naming import to_snake_case
from kerasx.metrics import experimental
from kerasx.metrics.base import Mean, MeanMetricWrapper, Metric, Reduce, Sum
from kerasx.metrics.classes import (Accuracy, BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy,
                                    CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
                                    KLDivergence, LogCoshError, MeanAbsoluteError,
                                    MeanAbsolutePercentageError, MeanSquaredError,
                                    MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError,
                                    SparseCategoricalAccuracy, SparseCategoricalCrossentropy,
                                    SparseTopKCategoricalAccuracy, SquaredHinge, TopKCategoricalAccuracy)
from kerasx.metrics.auc import AUC
from kerasx.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from kerasx.metrics.f_score import F1Score, FBetaScore
from kerasx.metrics.regression import MeanRelativeError, MeanTensor, R2Score
from kerasx.metrics.confusion import (FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                                      TruePositives)
from kerasx.metrics.sensitivity_specificity import (PrecisionAtRecall, RecallAtPrecision,
                                                   SensitivityAtSpecificity, SpecificityAtSensitivity)
from kerasx.metrics.functions import (ACC, BCE, KLD, MAE, MAPE, MSE, MSLE, acc, accuracy, bce,
                                      binary_accuracy, binary_crossentropy, binary_focal_crossentropy,
                                      categorical_accuracy, categorical_crossentropy,
                                      categorical_focal_crossentropy, categorical_hinge, cosine_similarity, hinge,
                                      kl_divergence, kld, kullback_leibler_divergence, log_cosh, logcosh,
                                      mae, mape, mean_absolute_error, mean_absolute_percentage_error,
                                      mean_squared_error, mean_squared_logarithmic_error, mse, msle,
                                      poisson, sparse_categorical_accuracy, sparse_categorical_crossentropy,
                                      sparse_top_k_categorical_accuracy, squared_hinge,
                                      top_k_categorical_accuracy)
from kerasx.saving.object_registration import (deserialize_keras_object, register_serialization,
                                               serialize_with_function_names)

_MODULE_OBJECTS = {
    name: obj for name, obj in dict(globals()).items()
    if not name.startswith("_") and name not in ("deserialize_keras_object", "register_serialization",
                                                  "serialize_with_function_names", "to_snake_case")
    and (inspect.isfunction(obj) or (inspect.isclass(obj) and issubclass(obj, Metric)))
}

# Metric classes are found by their snake_case names too ('auc', 'precision', 'true_positives'), as
# tf.keras users write them in `compile`; a function of the same name ('mean_squared_error') keeps it.
# The bases that need arguments (a wrapped function, a reduction) have no name of their own.
_LOOKUP = dict(_MODULE_OBJECTS)
for _name, _obj in _MODULE_OBJECTS.items():
    if inspect.isclass(_obj) and _obj not in (Metric, Reduce, MeanMetricWrapper):
        _LOOKUP.setdefault(to_snake_case(_name), _obj)

_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


def serialize(metric):
    """A metric function as its name; a `Metric` as ``{"class_name", "config"}``."""
    return serialize_with_function_names(metric)


def deserialize(config, custom_objects=None):
    """The metric function or `Metric` instance named by `config` (a string or a config dict)."""
    return deserialize_keras_object(config, module_objects=_LOOKUP, custom_objects=custom_objects,
                                    printable_module_name="metric function")


def get(identifier):
    """Resolves a name ('mse', 'binary_accuracy', 'AUC'-style class names), a config dict or a
    callable. Note 'accuracy' alone gives the elementwise `accuracy` function, as tf.keras;
    `compile` picks the right accuracy with `resolve`."""
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def _shape_kind(y_true_shape, y_pred_shape):
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    t_last = y_true_shape[-1] if y_true_shape else None
    p_last = y_pred_shape[-1] if y_pred_shape else None
    is_binary = p_last == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (
        t_last == 1 and p_last is not None and p_last > 1)
    return is_binary, is_sparse


def resolve_accuracy(name, y_true_shape, y_pred_shape):
    """tf.keras's MetricsContainer rule for the strings 'accuracy'/'acc' and 'crossentropy'/'ce'
    (case-insensitive): binary when the predictions' last dimension is 1; sparse when the labels have
    a lower rank, or a last dimension of 1 against more than one prediction; else categorical.
    Returns a `MeanMetricWrapper` named as the user wrote it."""
    key = str(name).lower()
    is_binary, is_sparse = _shape_kind(y_true_shape, y_pred_shape)
    if key in _ACCURACY_NAMES:
        fns = (binary_accuracy, sparse_categorical_accuracy, categorical_accuracy)
    elif key in _CROSSENTROPY_NAMES:
        fns = (binary_crossentropy, sparse_categorical_crossentropy, categorical_crossentropy)
    else:
        raise ValueError(
            f"resolve_accuracy expects one of 'accuracy', 'acc', 'crossentropy', 'ce'; received {name!r}.")
    fn = fns[0] if is_binary else fns[1] if is_sparse else fns[2]
    return MeanMetricWrapper(fn, name=name)


def _custom_object_name(obj):
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return obj.__name__
    return to_snake_case(type(obj).__name__)


def resolve(metric, y_true_shape, y_pred_shape):
    """One entry of ``compile(metrics=[...])`` as a `Metric`, as tf.keras's MetricsContainer: the
    'accuracy'/'crossentropy' shorthands by shape, other names through `get`, and functions (or
    `Loss` objects) wrapped in a `MeanMetricWrapper` named after them. None stays None."""
    if metric is None:
        return None
    if str(metric).lower() in _ACCURACY_NAMES + _CROSSENTROPY_NAMES:
        return resolve_accuracy(metric, y_true_shape, y_pred_shape)
    obj = get(metric)
    if isinstance(obj, Metric):
        return obj
    name = metric if isinstance(metric, str) else _custom_object_name(metric)
    return MeanMetricWrapper(obj, name=name)


# Found by name from below (a `MeanMetricWrapper`'s config, a model file's training config).
register_serialization("metric", serialize=serialize, deserialize=deserialize, get=get)

__all__ = sorted(_MODULE_OBJECTS) + ["deserialize", "get", "resolve", "resolve_accuracy", "serialize"]
