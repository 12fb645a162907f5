"""The arguments of `fit`, `evaluate` and `predict`, checked before anything runs.

Every check here runs before the data are moved, before `on_train_begin` (so no CSVLogger file is
opened) and before the first step, so a bad argument leaves the weights, the optimizer, the metrics and
the callbacks' files as they were. Each message names the argument, what was expected and what was
received. The checks on the numbers inside the arrays (NaN, object arrays, the sample weights' shape)
are `data_checks`'; those that need the arrays' contents (class weights against the labels) run where
the arrays are converted, still before any state changes.
"""
import numbers

from kerasx import losses as losses_module
from kerasx.autodiff.nest import flatten_with_paths
from kerasx.engine.batching import check_class_weight, unpack_x_y_sample_weight
from kerasx.engine.data_adapter import is_batch_stream, standardize_for_split
from kerasx.engine.data_checks import DataChecks, leaf_label
from kerasx.losses.functions import sparse_categorical_crossentropy
from kerasx.losses.utils import check_class_indices


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_count(name, value, minimum=1, allow=(None,)):
    """`value` must be an integer >= `minimum`, or one of `allow` (None: "not given")."""
    if any(value is a or (a is not None and _is_int(value) and value == a) for a in allow):
        return
    if not _is_int(value) or value < minimum:
        extra = "".join(f" or {a}" for a in allow if a is not None) + (", or None" if None in allow else "")
        raise ValueError(f"`{name}` must be an integer >= {minimum}{extra}; received {name}={value!r}.")


def _check_batch_size_for_input(name, batch_size, x):
    if batch_size is not None and x is not None and is_batch_stream(x):
        raise ValueError(f"The `{name}` argument must not be specified for the given input type. Received "
                         f"input: {x}, {name}: {batch_size}")


def check_fit_arguments(x, batch_size, epochs, initial_epoch, steps_per_epoch, validation_split,
                        validation_data, validation_steps, validation_batch_size, validation_freq,
                        class_weight):
    """The scalar arguments of `fit`, and those that do not go with the input's type."""
    _check_count("batch_size", batch_size)
    _check_count("epochs", epochs, minimum=0, allow=())
    _check_count("initial_epoch", initial_epoch, minimum=0, allow=())
    # -1 is tf.keras's "until the data run out" (for datasets whose size is unknown).
    _check_count("steps_per_epoch", steps_per_epoch, allow=(None, -1))
    _check_count("validation_steps", validation_steps, allow=(None, -1))
    _check_count("validation_batch_size", validation_batch_size)
    _check_validation_freq(validation_freq)
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) or not (
            0 <= validation_split < 1):
        raise ValueError("`validation_split` must be a float in the range [0, 1) (the fraction of the data "
                         f"held out for validation); received validation_split={validation_split!r}.")
    if class_weight is not None:
        check_class_weight(class_weight)
    _check_batch_size_for_input("batch_size", batch_size, x)
    if validation_data is not None:
        val_x = unpack_x_y_sample_weight(validation_data)[0]
        _check_batch_size_for_input("validation_batch_size", validation_batch_size, val_x)


def check_evaluate_arguments(x, batch_size, steps):
    """`evaluate`'s and `predict`'s batch size and steps."""
    _check_count("batch_size", batch_size)
    _check_count("steps", steps, allow=(None, -1))
    _check_batch_size_for_input("batch_size", batch_size, x)


def _check_validation_freq(validation_freq):
    if isinstance(validation_freq, bool) or not isinstance(validation_freq, (int, list, tuple)):
        raise ValueError("Expected `validation_freq` to be a list or int. Received: "
                         f"validation_freq={validation_freq} of the type {type(validation_freq)}.")
    epochs = [validation_freq] if isinstance(validation_freq, int) else list(validation_freq)
    if not all(_is_int(e) and e >= 1 for e in epochs):
        raise ValueError("`validation_freq` must be a positive integer (validate every that many epochs) "
                         "or a list of epochs counted from 1; received validation_freq="
                         f"{validation_freq!r}.")


# ---------------------------------------------------------------- targets
def check_targets(model, x, y, where, uses_default_step):
    """Raises when a model compiled with a loss gets in-memory data without targets.

    Only for the built-in `train_step`/`test_step` (a custom one may compute its loss from `x` alone),
    and only for arrays (a generator's batches are seen when they arrive: `test_step` checks them)."""
    if not uses_default_step or not model.loss or y is not None or x is None or is_batch_stream(x):
        return
    raise ValueError(missing_targets_message(model, where))


def missing_targets_message(model, where):
    how = {"validation_data": "`validation_data` as `(x_val, y_val)` or `(x_val, y_val, val_sample_weight)`"}
    return (f"Target data is missing. Your model was compiled with loss={model.loss}, and therefore expects "
            f"target data to be provided in {how.get(where, f'`{where}()`')}.")


# ---------------------------------------------------------------- class labels
def check_class_labels(model, y, where):
    """Raises when in-memory targets of an output trained with sparse categorical crossentropy hold a
    class index outside the output's classes, before the first step.

    The loss checks them too, but only once the forward pass has run, and a forward pass in training
    mode already moves BatchNormalization's statistics. Here the host arrays are looked at once, against
    the outputs the model knows; a model that does not know its outputs yet is left to the loss."""
    outputs = getattr(model, "outputs", None) or []
    if y is None or not outputs or not model.loss or is_batch_stream(y):
        return
    pairs = flatten_with_paths(standardize_for_split(y))
    if len(pairs) != len(outputs):
        return  # the loss container names the mismatch
    names = list(getattr(model, "output_names", None) or [])
    for i, (path, labels) in enumerate(pairs):
        index = names.index(path[0]) if path and path[0] in names else i
        classes = tuple(outputs[index].shape)[-1:]
        loss = _loss_of_output(model.loss, index, names[index] if index < len(names) else None)
        if classes and classes[0] is not None and _is_sparse_crossentropy(loss):
            try:
                check_class_indices("sparse_categorical_crossentropy", labels, classes[0])
            except ValueError as e:
                prefix = "Invalid `validation_data`: " if where == "validation_data" else ""
                raise ValueError(f"{prefix}{e}") from None


def _loss_of_output(loss, index, name):
    if isinstance(loss, dict):
        loss = loss.get(name)
    elif isinstance(loss, (list, tuple)):
        loss = loss[index] if index < len(loss) else None
    try:
        return losses_module.get(loss)
    except ValueError:
        return None  # compile reports a loss it cannot interpret


def _is_sparse_crossentropy(loss):
    return loss is sparse_categorical_crossentropy or getattr(loss, "fn", None) is sparse_categorical_crossentropy


# ---------------------------------------------------------------- checks on the arrays' contents
def data_checks(model, source, check_finite=True):
    """The `DataChecks` for data given to `model`: the sample weights are judged against the model's
    outputs where it knows them."""
    outputs = getattr(model, "outputs", None) or []
    loss_shapes = [tuple(o.shape[1:-1]) if len(o.shape) >= 2 else None for o in outputs] or None
    return DataChecks(source, check_finite=check_finite, loss_shapes=loss_shapes,
                      output_names=getattr(model, "output_names", None))


# ---------------------------------------------------------------- validation data shapes
def check_validation_shapes(model, train_x, train_y, val_x, val_y):
    """Raises when in-memory `validation_data` cannot fit the model, before the first training step
    (a mismatch otherwise shows only once the first epoch's training has changed the weights).

    Inputs are held to the model's inputs, as the model's own input check holds training data; targets
    to the model's outputs (the output's shape, or it less its last axis for class indices, with or
    without a trailing 1, which the losses squeeze) or else to the training `y`'s shape. A model that
    does not know its inputs and outputs yet (a `Sequential` without an input shape, a subclassed model)
    is held to the training data's ranks only, as sequence lengths may differ. Streams are not looked
    into: their batches are checked when they arrive."""
    if val_x is None or is_batch_stream(val_x):
        return
    val_x, val_y = standardize_for_split(val_x), standardize_for_split(val_y)
    inputs = getattr(model, "inputs", None) or []
    if inputs and hasattr(model, "_flatten_feed"):
        try:
            feed = model._flatten_feed(val_x)
        except ValueError as e:  # the model's own message: a missing key, a wrong number of inputs
            raise ValueError(f"Invalid `validation_data`: {e}") from None
        for i, (kt, value) in enumerate(zip(inputs, feed)):
            shape = tuple(getattr(value, "shape", ()))
            if not _matches(shape[1:], tuple(kt.shape)[1:]):
                raise ValueError(f"Invalid `validation_data`: input {i} of model \"{model.name}\" expects "
                                 f"shape={tuple(kt.shape)}, received validation x of shape {shape}.")
    elif train_x is not None and not is_batch_stream(train_x):
        _check_ranks("x", train_x, val_x)
    if val_y is None:
        return
    outputs = getattr(model, "outputs", None) or []
    in_memory_y = train_y is not None and not is_batch_stream(train_x)
    train_pairs = dict(flatten_with_paths(train_y)) if in_memory_y else {}
    val_pairs = flatten_with_paths(val_y)
    if outputs and len(val_pairs) == len(outputs):
        names = list(getattr(model, "output_names", None) or [])
        for path, value in val_pairs:
            index = names.index(path[0]) if path and path[0] in names else (path[0] if path else 0)
            if isinstance(index, int) and index < len(outputs):  # else the losses name the stray key
                _check_target(model, outputs[index], index, path, value, train_pairs.get(path))
    elif train_pairs:
        _check_ranks("y", train_y, val_y, squeeze=True)


def _matches(shape, expected):
    return len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected, shape))


def _check_target(model, output, index, path, value, train_value):
    shape = tuple(getattr(value, "shape", ()))
    out = tuple(output.shape)[1:]
    candidates = [out] + ([out[:-1], out[:-1] + (1,)] if out else [])
    if any(_matches(shape[1:], c) for c in candidates):
        return
    # Targets shaped as in training are what the model was fitted on (a broadcasting loss allows that).
    if train_value is not None and _squeezed(tuple(train_value.shape)[1:]) == _squeezed(shape[1:]):
        return
    name = (getattr(model, "output_names", None) or [f"output_{index}"])[index]
    short = f" or {_batch(out[:-1])}" + (" (class indices)" if out and out[-1] != 1 else "") if out else ""
    raise ValueError(f"Invalid `validation_data`: validation {leaf_label('y', path)} of shape {shape} does "
                     f"not fit output \"{name}\" of shape {tuple(output.shape)}: expected targets of shape "
                     f"{_batch(out)}{short}, received {shape}.")


def _batch(sample_shape):
    return "(" + ", ".join(["n"] + ["None" if d is None else str(d) for d in sample_shape]) + \
        ("," if not sample_shape else "") + ")"


def _check_ranks(role, train, val, squeeze=False):
    train_pairs, val_pairs = flatten_with_paths(train), flatten_with_paths(val)
    if len(train_pairs) != len(val_pairs):
        raise ValueError(f"Invalid `validation_data`: {len(val_pairs)} {role} array(s) received, but the "
                         f"training {role} has {len(train_pairs)}.")
    for (path, t), (_, v) in zip(train_pairs, val_pairs):
        t_shape, v_shape = tuple(getattr(t, "shape", ())), tuple(getattr(v, "shape", ()))
        t_rank = len(_squeezed(t_shape[1:]) if squeeze else t_shape[1:])
        v_rank = len(_squeezed(v_shape[1:]) if squeeze else v_shape[1:])
        if t_rank != v_rank:
            raise ValueError(f"Invalid `validation_data`: validation {leaf_label(role, path)} of shape "
                             f"{v_shape} does not match the training {role} of shape {t_shape}: expected "
                             f"{t_rank} axes after the batch axis, received {v_rank}.")


def _squeezed(sample_shape):
    while sample_shape and sample_shape[-1] == 1:
        sample_shape = sample_shape[:-1]
    return sample_shape
