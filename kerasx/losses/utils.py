"""tf.keras's `losses_utils`: the reduction keys, rank matching of labels / predictions / sample
weights, and the weighted reduction every `Loss` ends with. Shared with `kerasx.metrics`."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor, is_float_dtype


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
        labels = _squeeze_last(labels)
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
