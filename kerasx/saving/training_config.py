"""What a model file records about training, and restoring it: the `training_config` attribute
(compile's loss, metrics, weights and the optimizer's config) and the optimizer's state.

Layout as tf.keras 2.x's `model_metadata`:

    {"loss": "mse", "metrics": ["mae"], "weighted_metrics": null, "loss_weights": null,
     "optimizer_config": {"class_name": "Adam", "config": {...}}}
"""
import logging

from kerasx.saving.object_registration import CustomObjectScope, get_registered_name, serialization
from kerasx.saving.writer import __version__, writer_backend

_logger = logging.getLogger("kerasx")


def model_metadata(model, include_optimizer=True):
    """The root attributes of a model file: keras_version, backend, model_config and, for a
    compiled model when `include_optimizer`, training_config."""
    metadata = {"keras_version": __version__, "backend": writer_backend(),
                "model_config": {"class_name": get_registered_name(type(model)),
                                 "config": model.get_config()}}
    if include_optimizer and getattr(model, "optimizer", None) is not None and model._is_compiled:
        args = model._get_compile_args(user_metrics=False)
        optimizer = args["optimizer"]
        metadata["training_config"] = {
            "loss": _serialize_nested(serialization("loss").serialize, args.get("loss")),
            "metrics": _serialize_nested(serialization("metric").serialize, args.get("metrics")),
            "weighted_metrics": _serialize_nested(serialization("metric").serialize,
                                                  args.get("weighted_metrics")),
            "loss_weights": args.get("loss_weights"),
            "optimizer_config": {"class_name": get_registered_name(type(optimizer)),
                                 "config": optimizer.get_config()}}
    return metadata


def _serialize_nested(serialize, config):
    # Loss and metric objects and functions become their configs or names; strings stay as given.
    if isinstance(config, dict):
        return {k: _serialize_nested(serialize, v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_serialize_nested(serialize, v) for v in config]
    if callable(config):
        return serialize(config)
    return config


def compile_args_from_training_config(training_config, custom_objects=None):
    """The `compile` arguments a `training_config` describes.

    Names (``"mse"``, ``"mae"``, ``"accuracy"``) are passed to `compile` as they were given, so the
    reloaded model reports the same metric names; tf.keras resolves them to functions first, which
    renames e.g. "mae" to "mean_absolute_error" in the History."""
    metric = serialization("metric").deserialize
    with CustomObjectScope(custom_objects):
        optimizer = serialization("optimizer").deserialize(training_config["optimizer_config"])
        return {"optimizer": optimizer,
                "loss": _deserialize_nested(serialization("loss").deserialize, training_config.get("loss")),
                "metrics": _deserialize_nested(metric, training_config.get("metrics")),
                "weighted_metrics": _deserialize_nested(metric, training_config.get("weighted_metrics")),
                "loss_weights": training_config.get("loss_weights")}


def _deserialize_nested(deserialize, config):
    if config is None or isinstance(config, str):
        return config
    if isinstance(config, dict) and "class_name" in config:
        return deserialize(config)
    if isinstance(config, dict):
        return {k: _deserialize_nested(deserialize, v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_deserialize_nested(deserialize, v) for v in config]
    raise ValueError(f"Unable to deserialize the training config entry {config!r}: expected a name, a "
                     '{"class_name", "config"} dict, or a list or dict of them.')


def restore_optimizer_state(model, values):
    """Creates the optimizer's variables for the model's trainable weights (without taking a step),
    then sets them to the saved `values`, so training resumes where it stopped. As tf.keras, a state
    that does not fit (another optimizer, other weights) leaves a fresh optimizer, with a warning."""
    optimizer = model.optimizer
    try:
        optimizer._create_all_weights(model.trainable_variables)
        optimizer.set_weights(values)
    except ValueError as e:
        _logger.warning("Error in loading the saved optimizer state (%s). As a result, your model is "
                        "starting with a freshly initialized optimizer.", e)
