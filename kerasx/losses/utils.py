"""tf.keras's `losses_utils`: the reduction keys, rank matching of labels / predictions / sample
weights, and the weighted reduction every `Loss` ends with. Shared with `kerasx.metrics`."""
import numpy as np  # host-side: the value range of host labels, measured without a device transfer

from kerasx import ops
from kerasx.autodiff.tensor import Tensor, as_tensor, is_device_array, is_float_dtype


class Reduction:
    """Types of loss reduction (tf.keras's `ReductionV2`)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


def to_tensor(x, dtype=None):
    """User input (NumPy array, list, number, Tensor) as a Tensor, optionally cast to `dtype`."""
    t = as_tensor(x)
    if dtype is not None and t.dtype != dtype:
        t = ops.cast(t, dtype=dtype)
    return t


# ---------------------------------------------------------------- class labels, checked on the host
# Checking class indices on the device would read a min/max back every step (a GPU sync). Labels start
# on the host: their range is measured there (here for host data, by the data adapter for the targets
# it moves) and travels on the Tensor as `_keras_host_range` through the reshapes and casts below.
def host_value_range(values):
    """``(min, max)`` of `values` as Python numbers when known without reading the device: host data
    (NumPy arrays, lists, numbers), or a Tensor that carries its host-measured range. None otherwise."""
    if isinstance(values, Tensor):
        return values._keras_host_range
    # A NumPy array is host data even where the NumPy backend also calls it a device array.
    if values is None or (not isinstance(values, np.ndarray) and is_device_array(values)):
        return None
    arr = np.asarray(values)
    if arr.size == 0 or arr.dtype.kind not in "biuf":
        return None
    return arr.min().item(), arr.max().item()


def record_host_range(tensor, host_values):
    """`tensor` (made from `host_values`), now carrying their range; returns it."""
    if isinstance(tensor, Tensor):
        tensor._keras_host_range = host_value_range(host_values)
    return tensor


def carry_host_range(source, derived):
    """`derived` (a reshape or cast of `source`) with `source`'s host-measured range; returns it."""
    if isinstance(derived, Tensor) and derived is not source and isinstance(source, Tensor):
        derived._keras_host_range = source._keras_host_range
    return derived


def labels_to_tensor(y, dtype=None):
    """`to_tensor` for targets: host data's range goes along (`host_value_range`)."""
    t = to_tensor(y, dtype)
    if isinstance(y, Tensor):
        return carry_host_range(y, t)
    return record_host_range(t, y)


def _label_text(value):
    return str(int(value)) if float(value).is_integer() else str(value)


def check_class_indices(loss_name, labels, num_classes):
    """Raises when `labels` hold a class index outside ``[0, num_classes)``, as tf's sparse
    crossentropy does ("Received a label value of 5 which is outside the valid range of [0, 3)").
    Labels are truncated to integers first, as the loss casts them; labels whose range is not known on
    the host are not checked here (the kernel then gives NaN for them, as tf does on a GPU)."""
    bounds = host_value_range(labels)
    if bounds is None:
        return
    low, high = bounds
    if low > -1 and high < num_classes:  # also False for NaN
        return
    bad = low if not low > -1 else high
    raise ValueError(f"{loss_name} received a label value of {_label_text(bad)} which is outside the "
                     f"valid range of [0, {num_classes}): labels must be class indices for predictions "
                     f"with {num_classes} classes.")


def cast_like(y_true, y_pred):
    """`y_true` as a Tensor of `y_pred`'s dtype (float64 NumPy labels must not make a loss float64)."""
    return to_tensor(y_true, y_pred.dtype)


def _squeeze_last(x):
    return ops.squeeze(x, -1)


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0):
    """Drops a trailing size-1 axis from whichever of the two has one rank too many."""
    rank_diff = predictions.ndim - labels.ndim
    if rank_diff == expected_rank_diff + 1 and predictions.shape[-1] == 1:
        predictions = _squeeze_last(predictions)
    elif rank_diff == expected_rank_diff - 1 and labels.shape[-1] == 1:
        labels = carry_host_range(labels, _squeeze_last(labels))
    return labels, predictions


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """tf.keras's rule: squeeze a trailing 1 so `y_true`/`y_pred` ranks agree, then squeeze or expand
    `sample_weight`'s last axis so its rank matches `y_pred`'s. Returns `(y_pred, y_true)` or, with a
    `sample_weight`, `(y_pred, y_true, sample_weight)`."""
    if y_true is not None:
        if y_pred.ndim - y_true.ndim != 1 or (y_pred.ndim and y_pred.shape[-1] == 1):
            y_true, y_pred = remove_squeezable_dimensions(y_true, y_pred)
    if sample_weight is None:
        return y_pred, y_true
    if sample_weight.ndim == 0:
        return y_pred, y_true, sample_weight
    if sample_weight.ndim - y_pred.ndim == 1:
        sample_weight = _squeeze_last(sample_weight)
    elif y_pred.ndim - sample_weight.ndim == 1:
        sample_weight = ops.expand_dims(sample_weight, -1)
    return y_pred, y_true, sample_weight


def broadcast_shape(a, b):
    """The NumPy broadcast of shapes `a` and `b`, or None when they do not broadcast."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        if da != db and 1 not in (da, db):
            return None
        out.append(max(da, db) if 1 in (da, db) else da)
    return tuple(reversed(out))


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def compute_weighted_loss(losses, sample_weight=None, reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Multiplies per-sample `losses` by `sample_weight` and reduces them.

    As tf.keras, 'sum_over_batch_size' divides by the number of weighted elements, zero weights
    included. Unlike tf.keras (which computes in float32), the losses' own dtype is kept, so float64
    losses stay float64."""
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    losses = as_tensor(losses)
    if sample_weight is None:
        weighted = losses
    else:
        if isinstance(sample_weight, (int, float)) and not isinstance(sample_weight, bool):
            weighted = ops.multiply(losses, float(sample_weight))
        else:
            dtype = losses.dtype if is_float_dtype(losses.dtype) else None
            sw = to_tensor(sample_weight, dtype)
            losses, _, sw = squeeze_or_expand_dimensions(losses, None, sw)
            if broadcast_shape(losses.shape, sw.shape) is None:
                raise ValueError(
                    f"sample_weight of shape {sw.shape} cannot be broadcast to the per-sample losses of "
                    f"shape {losses.shape}.")
            weighted = ops.multiply(losses, sw)
    if reduction == Reduction.NONE:
        return weighted
    total = ops.sum(weighted)
    if reduction == Reduction.SUM:
        return total
    n = _size(weighted.shape)
    # tf's div_no_nan: an empty batch gives 0, not NaN.
    return ops.multiply(total, 0.0) if n == 0 else ops.divide(total, float(n))


def match_dtype_and_rank(y_t, y_p, sw):
    """What tf.keras's compiled loss does before calling a loss: (N,) labels against (N, 1)-shaped or
    other rank-2 predictions become (N, 1), likewise rank-1 sample weights; float labels take the
    predictions' float dtype (integer labels the integer one); sample weights take the predictions'
    dtype."""
    y_t, y_p = as_tensor(y_t), as_tensor(y_p)
    if y_t.ndim == 1 and y_p.ndim == 2:
        y_t = ops.expand_dims(y_t, -1)
    if sw is not None:
        sw = as_tensor(sw)
        if sw.ndim == 1 and y_p.ndim == 2:
            sw = ops.expand_dims(sw, -1)
    both_float = is_float_dtype(y_t.dtype) and is_float_dtype(y_p.dtype)
    both_int = _is_int(y_t.dtype) and _is_int(y_p.dtype)
    if (both_float or both_int) and y_t.dtype != y_p.dtype:
        y_t = ops.cast(y_t, dtype=y_p.dtype)
    if sw is not None and sw.dtype != y_p.dtype:
        sw = ops.cast(sw, dtype=y_p.dtype)
    return y_t, y_p, sw


def _is_int(dtype):
    return str(dtype).startswith(("int", "uint"))


__all__ = ["Reduction", "broadcast_shape", "cast_like", "compute_weighted_loss",
           "match_dtype_and_rank", "remove_squeezable_dimensions", "squeeze_or_expand_dimensions",
           "to_tensor"]
