"""`keras.losses`: functional losses, `Loss` classes, and `get` / `serialize` / `deserialize`."""
import inspect

from kerasx.losses.classes import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,
                                   CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh, Loss,
                                   LossFunctionWrapper, MeanAbsoluteError, MeanAbsolutePercentageError,
                                   MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
                                   SparseCategoricalCrossentropy, SquaredHinge)
from kerasx.losses.functions import (KLD, MAE, MAPE, MSE, MSLE, binary_crossentropy,
                                     categorical_crossentropy, categorical_hinge, cosine_similarity, hinge,
                                     huber, huber_loss, kl_divergence, kld, kullback_leibler_divergence,
                                     log_cosh, logcosh, mae, mape, mean_absolute_error,
                                     mean_absolute_percentage_error, mean_squared_error,
                                     mean_squared_logarithmic_error, mse, msle, poisson,
                                     sparse_categorical_crossentropy, squared_hinge)
from kerasx.losses.focal import (BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
                                 binary_focal_crossentropy, categorical_focal_crossentropy)
from kerasx.losses.utils import Reduction
from kerasx.saving.object_registration import (deserialize_keras_object, register_serialization,
                                               serialize_with_function_names)

# Every name `deserialize` resolves: the functions, their aliases and the classes.
_IMPORTED = ("deserialize_keras_object", "register_serialization", "serialize_with_function_names")
_MODULE_OBJECTS = {
    name: obj for name, obj in dict(globals()).items()
    if not name.startswith("_") and name not in _IMPORTED
    and (inspect.isfunction(obj) or (inspect.isclass(obj) and issubclass(obj, Loss)))
}


def serialize(loss):
    """A loss function as its name; a `Loss` as ``{"class_name", "config"}``."""
    return serialize_with_function_names(loss)


def deserialize(name, custom_objects=None):
    """The loss function or `Loss` instance named by `name` (a string or a config dict)."""
    return deserialize_keras_object(name, module_objects=_MODULE_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="loss function")


def get(identifier):
    """Resolves a name ('mse', 'categorical_crossentropy', 'MeanSquaredError'), a config dict, a
    function or a `Loss` instance to a loss; None stays None."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier}")


# Found by name from below (a `LossFunctionWrapper`'s config, a model file's training config).
register_serialization("loss", serialize=serialize, deserialize=deserialize, get=get)

__all__ = sorted(_MODULE_OBJECTS) + ["Reduction", "deserialize", "get", "serialize"]
