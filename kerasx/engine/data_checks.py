"""Checks on the numbers users hand to `fit`/`evaluate`/`predict`, made on the host at the data edge
before anything reaches the device: string arrays pass unchanged (they stay on the host), other object
arrays become numbers (or an error naming the first None),
NaN and infinity are refused (switch: `kerasx.config.disable_nonfinite_data_check()`), and a
`sample_weight` must have the shape of the per-sample loss it weights.

In-memory arrays are checked once per `fit` (when the adapter is made, before `on_train_begin`), the
batches of a generator, `Sequence` or `Dataset` one by one as they arrive, before their step runs: a
stream cannot be read ahead without consuming it, and one batch costs a fraction of its step.
"""
import numpy as np  # host-side: user arrays are inspected before they are moved to the device

from backends.config import nonfinite_data_check_enabled
from kerasx.autodiff.nest import flatten_with_paths, pack_sequence_as
from kerasx.engine.string_inputs import is_string_array

_ROLES = ("x", "y", "sample_weight")
_DISABLE = "kerasx.config.disable_nonfinite_data_check()"


def leaf_label(role, path):
    """How a message names one array: `x`, `x[1]`, `y['digits']`."""
    return "`" + role + "".join(f"[{p!r}]" for p in path) + "`"


class DataChecks:
    """The checks for one call's data.

    `source` completes the messages ("passed to `fit`", "in `validation_data`"); `check_finite` is off for
    `predict` (a NaN input gives a NaN output there, as in tf.keras, and trains nothing); `loss_shapes`
    holds, per model output, the shape of its per-sample loss without the batch axis (the output's shape
    less its last axis, which every Keras loss reduces), or None where the model does not know its
    outputs yet; `output_names` names the outputs in messages."""

    def __init__(self, source, check_finite=True, loss_shapes=None, output_names=None):
        self.source = source
        self._check_finite = check_finite
        self._loss_shapes = loss_shapes
        self._output_names = list(output_names or [])

    def arrays(self, data, where=None):
        """`data` = `(x, y, sample_weight)` (standardized structures), checked; returned with object
        arrays as numeric arrays."""
        where = where or self.source
        finite = self._check_finite and nonfinite_data_check_enabled()
        checked = []
        for role, part in zip(_ROLES, data):
            if part is None:
                checked.append(None)
                continue
            leaves = []
            for path, a in flatten_with_paths(part):
                if is_string_array(a):
                    # Strings stay on the host for the model's string layers (engine/string_inputs.py).
                    leaves.append(a)
                    continue
                if isinstance(a, np.ndarray) and a.dtype == object:
                    a = numeric_from_objects(a, leaf_label(role, path), where)
                if finite:
                    check_finite(a, leaf_label(role, path), where)
                leaves.append(a)
            checked.append(pack_sequence_as(part, leaves))
        self._check_sample_weight(checked[1], checked[2], where)
        return tuple(checked)

    def batch(self, data, index, stream_name):
        """One streamed batch `(x, y, sample_weight)`: the same checks, the message naming the batch."""
        return self.arrays(data, where=f"in batch {index} of the {stream_name} {self.source}")

    # ------------------------------------------------------------ sample weights
    def _check_sample_weight(self, y, sample_weight, where):
        if sample_weight is None:
            return
        y_pairs = dict(flatten_with_paths(y)) if y is not None else {}
        for path, sw in flatten_with_paths(sample_weight):
            if sw is None:
                continue
            shape = tuple(int(d) for d in sw.shape)
            for output, loss_shape in self._loss_shapes_for(path):
                if not _weight_fits(shape, loss_shape, y_pairs.get(path)):
                    raise ValueError(_sample_weight_message(leaf_label("sample_weight", path), where,
                                                            shape, loss_shape, output))

    def _loss_shapes_for(self, path):
        """`(output name, per-sample loss shape or None)` for the outputs a weight at `path` applies
        to: the output it is keyed or indexed by, or every output for a single weight array."""
        names = self._output_names
        shapes = self._loss_shapes or [None] * max(len(names), 1)
        named = list(zip(names or [None] * len(shapes), shapes))
        if path and isinstance(path[0], str) and path[0] in names:
            return [named[names.index(path[0])]]
        if path and isinstance(path[0], int) and path[0] < len(named):
            return [named[path[0]]]
        return named


def _weight_fits(shape, loss_shape, target):
    """Whether a weight of `shape` can weight losses of per-sample shape `loss_shape` (tf.keras squeezes a
    trailing 1 and broadcasts a per-sample weight over timesteps)."""
    n, rest = shape[:1], shape[1:]
    if not n:
        return False
    if not rest:
        return True
    if loss_shape is not None:
        for candidate in (loss_shape, loss_shape + (1,)):
            if len(candidate) == len(rest) and all(c is None or c == r for c, r in zip(candidate, rest)):
                return True
        return False
    # The model does not know its outputs yet: judge by the targets, whose leading axes the loss keeps.
    if rest == (1,):
        return True
    target_rest = tuple(getattr(target, "shape", ())[1:])
    return rest == target_rest[:len(rest)] or rest[:-1] == target_rest[:len(rest) - 1] and rest[-1] == 1


def _sample_weight_message(name, where, shape, loss_shape, output):
    n = shape[0] if shape else "n"
    if loss_shape:
        axes = [str(n)] + ["timesteps" if d is None else str(d) for d in loss_shape]
        per_step = "(" + ", ".join(axes) + ")"
        expected = f"({n},) or {per_step}"
    else:
        expected = f"({n},)"
    of = f" of output {output!r}" if output else ""
    return (f"{name} {where} does not fit the loss{of}: expected shape {expected} (one weight per "
            f"sample, or per timestep for a sequence loss), received shape {shape}.")


# ---------------------------------------------------------------- numbers
def numeric_from_objects(a, name, where):
    """An object array (a pandas column, a list with gaps) as a numeric array, or a ValueError naming
    the first entry that is None or not a number; NumPy would otherwise turn None into NaN."""
    is_none = np.frompyfunc(lambda v: v is None, 1, 1)(a).astype(bool)
    if is_none.any():
        pos = _first(is_none)
        raise ValueError(f"{name} {where} is an object array containing None at index {pos}: Keras needs "
                         f"numbers. Fill in or drop the missing values first.")
    try:
        out = np.asarray(a.tolist())
    except ValueError:  # ragged rows
        out = a
    if out.dtype.kind not in "biuf":
        is_number = np.frompyfunc(lambda v: isinstance(v, (int, float, np.number, bool)), 1, 1)(a)
        bad = ~is_number.astype(bool)
        pos = _first(bad) if bad.any() else ()
        found = type(a[pos]).__name__ if bad.any() else f"rows of different lengths (shape {a.shape})"
        raise ValueError(f"{name} {where} is an object array that does not hold numbers only: found "
                         f"{found} at index {pos}. Convert it to a numeric array first.")
    return out


def check_finite(a, name, where):
    """Raises when the floating host array `a` holds NaN or infinity, naming the first one."""
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or a.size == 0:
        return
    # A sum is finite only if every term is: one pass and no temporary array. A sum that overflows on
    # finite data (large values, float16's small range) falls through to the exact check.
    with np.errstate(all="ignore"):
        if np.isfinite(a.sum()):
            return
    bad = ~np.isfinite(a)
    if not bad.any():
        return
    pos = _first(bad)
    value = a[pos]
    kind = "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    raise ValueError(
        f"{name} {where} contains {kind} at index {pos} ({int(bad.sum())} non-finite value(s) in an array "
        f"of shape {a.shape}); training on it makes the loss NaN. Clean the data, or, if your loss or "
        f"`train_step` masks such values, turn this check off with `{_DISABLE}`.")


def _first(mask):
    """The index (a tuple) of the first True of `mask`, in C order."""
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))
