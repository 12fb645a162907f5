"""Turns what users pass to `fit`/`evaluate`/`predict` into batches of device Tensors.

Handled inputs, as tf.keras 2.x: NumPy arrays, kerasx Tensors and array-likes (also lists of scalars,
and lists/tuples/dicts of them for several inputs or outputs), Python generators and iterators,
`kerasx.utils.Sequence` and `kerasx.data.Dataset`. Floating data becomes floatx on the host before it
is moved, so float64 arrays train in float32.

The arrays are checked on the host as they are converted (`data_checks`: NaN and infinity, object arrays,
sample weights' shapes): in-memory ones once per call, a stream's batches as they arrive.

In-memory arrays are moved to the device once per `fit` when they fit in `_DEVICE_RESIDENT_BYTES`;
each batch is then gathered on the device from a permutation drawn on the host, so a step performs no
host-to-device copy besides its slice of the permutation. Larger arrays are sliced on the host and each
batch is moved once.
"""
import inspect
import math

import numpy as np  # host-side input handling: user arrays are converted and permuted on the host

from backends.config import floatx
from kerasx import ops
from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as
from kerasx.autodiff.tensor import Tensor, as_tensor, is_device_array
from kerasx.data.dataset import Dataset
from kerasx.engine.batching import (class_weight_to_sample_weight, pack_x_y_sample_weight,
                                    unpack_x_y_sample_weight)
from kerasx.engine.data_checks import DataChecks
from kerasx.engine.string_inputs import is_string_array
from kerasx.losses.utils import host_value_range
from kerasx.utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence, uses_workers

_DEVICE_RESIDENT_BYTES = 1 << 30
_DEFAULT_SOURCE = "in the input data"


# ---------------------------------------------------------------- host/device conversion
def _is_scalar(v):
    return isinstance(v, (bool, int, float, complex, np.number, np.bool_))


def _is_list_of_scalars(v):
    # Strings count as scalars: a (nested) list of strings is one host string array, as a tf.string tensor.
    if isinstance(v, (list, tuple)):
        return len(v) > 0 and all(_is_list_of_scalars(e) or _is_scalar(e) or isinstance(e, (str, bytes))
                                  for e in v)
    return False


def _is_array_like(v):
    return isinstance(v, (np.ndarray, Tensor)) or hasattr(v, "__array__") or (
        hasattr(v, "shape") and hasattr(v, "dtype") and hasattr(v, "__getitem__") and hasattr(v, "__len__"))


def _standardize(structure):
    """Lists become tuples (as tf.keras's `list_to_tuple`); a flat list of numbers is one array;
    array-likes become NumPy arrays; Tensors stay on the device. Raises TypeError on anything else."""
    if structure is None:
        return None
    if _is_list_of_scalars(structure):
        return np.asarray(structure)
    if isinstance(structure, (list, tuple)):
        return tuple(_standardize(s) for s in structure)
    if isinstance(structure, dict):
        return {k: _standardize(v) for k, v in structure.items()}
    if isinstance(structure, (np.ndarray, Tensor)):
        return structure
    if is_device_array(structure):
        return as_tensor(structure)  # already on the device (e.g. a CuPy array): no round trip
    if _is_array_like(structure):
        return np.asarray(structure)
    raise TypeError(type(structure).__name__)


def standardize_for_split(structure):
    """Array data in the form `validation_split` can slice (lists of numbers as arrays); anything
    else unchanged, for `train_validation_split` to reject by type."""
    try:
        return _standardize(structure)
    except TypeError:
        return structure


def _host_floatx(a):
    """Floating host arrays as floatx (a copy only when the dtype changes)."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.dtype != np.dtype(floatx()):
        return a.astype(floatx())
    return a


def to_device(structure):
    """A host structure as device Tensors (floating data as floatx): one transfer per array."""
    fx = floatx()

    def convert(a):
        if a is None or isinstance(a, (str, bytes)):
            return a
        if isinstance(a, Tensor):
            return ops.cast(a, fx) if a.dtype != fx and a.dtype.startswith("float") else a
        a = np.asarray(a)
        if a.dtype.kind not in "biuf":
            return a
        return as_tensor(_host_floatx(a))
    return map_structure(convert, structure)


def _target_positions(data):
    """The positions of `y`'s arrays among `flatten(data)`, for data packed as `(x, y[, sw])`."""
    if not isinstance(data, tuple) or len(data) < 2 or data[1] is None:
        return range(0)
    start = len(flatten(data[0]))
    return range(start, start + len(flatten(data[1])))


def _target_ranges(data):
    """`{position: (min, max)}` of `y`'s host arrays: the sparse losses check class indices against it
    without reading the device (`losses.utils.host_value_range`)."""
    leaves = flatten(data)
    return {i: host_value_range(leaves[i]) for i in _target_positions(data)}


def _mark_targets(parts, ranges):
    for i, bounds in ranges.items():
        if isinstance(parts[i], Tensor):
            parts[i]._keras_host_range = bounds
    return parts


def _to_device_batch(data):
    """`to_device(data)` with the range of `y`'s host arrays on its target Tensors."""
    ranges = _target_ranges(data)
    moved = to_device(data)
    _mark_targets(flatten(moved), ranges)
    return moved


def _num_samples(a):
    return int(a.shape[0])


def check_data_cardinality(data):
    """Raises when the arrays of `(x, y, sample_weight)` disagree on their number of samples, or one of
    them is a scalar (which has no samples to count)."""
    for label, single in zip(["x", "y", "sample_weight"], data):
        for a in flatten(single):
            if a is not None and not a.shape:
                raise ValueError(f"`{label}` must be an array with one entry per sample; received a scalar: "
                                 f"{label}={a!r}.")
    sizes = {_num_samples(a) for a in flatten(data) if a is not None}
    if len(sizes) > 1:
        msg = "Data cardinality is ambiguous:\n"
        for label, single in zip(["x", "y", "sample_weight"], data):
            msg += "  {} sizes: {}\n".format(
                label, ", ".join(str(_num_samples(a)) for a in flatten(single) if a is not None))
        msg += "Make sure all arrays contain the same number of samples."
        raise ValueError(msg)


def _type_name(x):
    if isinstance(x, dict):
        key_types = {_type_name(k) for k in x.keys()}
        val_types = {_type_name(v) for v in x.values()}
        return f"({type(x)} containing {key_types} keys and {val_types} values)"
    if isinstance(x, (list, tuple)):
        return f"({type(x)} containing values of types {({_type_name(v) for v in x})})"
    return str(type(x))


# ---------------------------------------------------------------- adapters
class ArrayAdapter:
    """In-memory arrays: batches of `batch_size` rows (32 by default), reshuffled every pass."""

    def __init__(self, x, y=None, sample_weights=None, batch_size=None, steps=None, epochs=1,
                 shuffle=False, class_weight=None, checks=None, **kwargs):
        # kwargs: the worker settings, which in-memory arrays do not use (as in tf.keras)
        data = pack_x_y_sample_weight(_standardize(x), _standardize(y), _standardize(sample_weights))
        packed = data if isinstance(data, tuple) else (data,)
        check_data_cardinality(packed)
        x, y, sw = (checks or DataChecks(_DEFAULT_SOURCE)).arrays(unpack_x_y_sample_weight(packed))
        if class_weight:
            y_host = y.numpy() if isinstance(y, Tensor) else y
            sw_host = sw.numpy() if isinstance(sw, Tensor) else sw
            sw = class_weight_to_sample_weight(class_weight, y_host, sw_host)
        data = pack_x_y_sample_weight(x, y, sw)
        # Only the nesting is kept: batches are packed into it.
        self._structure = map_structure(lambda _: 0, data)
        self._target_ranges = _target_ranges(data)
        leaves = [to_device(a) if isinstance(a, Tensor) else _host_floatx(a) for a in flatten(data)]
        self._n = _num_samples(leaves[0])
        if not batch_size:
            batch_size = int(math.ceil(self._n / steps)) if steps else 32
        self._batch_size = int(batch_size)
        self._size = int(math.ceil(self._n / self._batch_size))
        self._epochs = epochs
        self._shuffle = shuffle.lower() if isinstance(shuffle, str) else shuffle
        host_bytes = sum(a.nbytes for a in leaves if isinstance(a, np.ndarray))
        self._resident = host_bytes <= _DEVICE_RESIDENT_BYTES
        if self._resident:
            # String arrays stay on the host (engine/string_inputs.py); their batches are sliced there.
            self._leaves = [a if isinstance(a, Tensor) or is_string_array(a) else as_tensor(a) for a in leaves]
        else:
            self._leaves = [a.numpy() if isinstance(a, Tensor) else a for a in leaves]

    def get_size(self):
        return self._size

    def batch_size(self):
        return self._batch_size

    def should_recreate_iterator(self):
        # One stream over all epochs, as tf.keras's repeated dataset: with `steps_per_epoch` an epoch
        # may end inside a pass over the data and the next epoch continues from there.
        return False

    def on_epoch_end(self):
        pass

    def close(self):
        pass

    def make_iterator(self):
        for _ in range(self._epochs):
            yield from self._one_pass()

    def _order(self):
        """The host index order for one pass, or None for the natural order."""
        n, bs = self._n, self._batch_size
        if self._shuffle == "batch":
            # tf.keras's shuffle="batch": batches of neighbouring rows, in random order, each shuffled.
            starts = np.random.permutation(self._size) * bs
            return np.concatenate([np.random.permutation(np.arange(s, min(s + bs, n))) for s in starts])
        if self._shuffle:
            return np.random.permutation(n)
        return None

    def _one_pass(self):
        n, bs = self._n, self._batch_size
        order = self._order()
        if self._resident:
            order_dev = None if order is None else as_tensor(order)
            for start in range(0, n, bs):
                sl = slice(start, min(start + bs, n))
                if order_dev is None:
                    parts = [t[sl] if is_string_array(t) else ops.getitem(t, sl) for t in self._leaves]
                else:
                    idx = ops.getitem(order_dev, sl)
                    parts = [t[order[sl]] if is_string_array(t) else ops.take(t, idx, axis=0)
                             for t in self._leaves]
                yield pack_sequence_as(self._structure, _mark_targets(parts, self._target_ranges))
        else:
            for start in range(0, n, bs):
                sl = slice(start, min(start + bs, n))
                idx = sl if order is None else order[sl]
                parts = [a[idx] if is_string_array(a) else as_tensor(a[idx]) for a in self._leaves]
                yield pack_sequence_as(self._structure, _mark_targets(parts, self._target_ranges))


class _BatchStreamAdapter:
    """Common part of the adapters whose batches come ready-made from user code."""

    _source_name = "input"

    def __init__(self, y, sample_weights, class_weight, checks):
        self._checks = checks or DataChecks(_DEFAULT_SOURCE)
        if y is not None and flatten(y):
            raise ValueError(f"`y` argument is not supported when using {self._source_name} as input.")
        if sample_weights is not None and flatten(sample_weights):
            raise ValueError(
                f"`sample_weight` argument is not supported when using {self._source_name} as input.")
        self._class_weight = class_weight

    def _prepare(self, data, index):
        """The user's batch number `index` as packed device Tensors: `(x, y, sample_weight)` structure
        kept, lists as tuples, checked and class weights applied on the host, then one transfer per
        array."""
        if isinstance(data, list):
            data = tuple(data)
        x, y, sw = unpack_x_y_sample_weight(data)
        x, y, sw = self._checks.batch((_standardize(x), _standardize(y), _standardize(sw)), index,
                                      self._source_name)
        if self._class_weight:
            y_host = y.numpy() if isinstance(y, Tensor) else y
            sw_host = sw.numpy() if isinstance(sw, Tensor) else sw
            sw = class_weight_to_sample_weight(self._class_weight, y_host, sw_host)
        return _to_device_batch(pack_x_y_sample_weight(x, y, sw))

    def batch_size(self):
        return None

    def on_epoch_end(self):
        pass

    def close(self):
        """Stops the workers reading ahead, if any (at the end of `fit`/`evaluate`/`predict`)."""


class GeneratorAdapter(_BatchStreamAdapter):
    """A Python generator or iterator: consumed once, across epochs, as tf.keras does."""

    _source_name = "python generator"

    def __init__(self, x, y=None, sample_weights=None, class_weight=None, checks=None, workers=1,
                 use_multiprocessing=False, max_queue_size=10, **kwargs):
        super().__init__(y, sample_weights, class_weight, checks)
        self._generator = x
        self._enqueuer = None
        if uses_workers(workers, use_multiprocessing):
            self._enqueuer = GeneratorEnqueuer(x, use_multiprocessing=use_multiprocessing)
            self._workers, self._max_queue_size = workers, max_queue_size

    def get_size(self):
        return None

    def should_recreate_iterator(self):
        return False

    def make_iterator(self):
        source = self._generator
        if self._enqueuer is not None:
            self._enqueuer.start(self._workers, self._max_queue_size)
            source = self._enqueuer.get()
        for index, data in enumerate(source):
            yield self._prepare(data, index)

    def close(self):
        if self._enqueuer is not None:
            self._enqueuer.stop()


class SequenceAdapter(_BatchStreamAdapter):
    """A `kerasx.utils.Sequence`: `len(seq)` batches per epoch, in shuffled order if `shuffle`."""

    _source_name = "`keras.utils.Sequence`"

    def __init__(self, x, y=None, sample_weights=None, shuffle=False, class_weight=None, checks=None,
                 workers=1, use_multiprocessing=False, max_queue_size=10, **kwargs):
        super().__init__(y, sample_weights, class_weight, checks)
        self._sequence = x
        self._shuffle = bool(shuffle)
        self._enqueuer = None
        if uses_workers(workers, use_multiprocessing):
            self._enqueuer = OrderedEnqueuer(x, use_multiprocessing=use_multiprocessing)
            self._workers, self._max_queue_size = workers, max_queue_size
            if use_multiprocessing:
                self._enqueuer.pickled_sequence()  # refused now, before training, if it cannot go

    def get_size(self):
        return len(self._sequence)

    def should_recreate_iterator(self):
        return True

    def on_epoch_end(self):
        if self._enqueuer is not None:
            self._enqueuer.end_epoch()  # calls the Sequence's on_epoch_end, then refreshes the workers
        else:
            self._sequence.on_epoch_end()

    def make_iterator(self):
        # The order is drawn here for the workers too, so `set_random_seed` gives the same batches
        # with or without them.
        order = np.arange(len(self._sequence))
        if self._shuffle:
            order = np.random.permutation(order)
        if self._enqueuer is None:
            batches = (self._sequence[int(i)] for i in order)
        else:
            if not self._enqueuer.is_running():
                self._enqueuer.start(self._workers, self._max_queue_size)
            batches = self._enqueuer.epoch(order)
        for i, batch in zip(order, batches):
            yield self._prepare(batch, int(i))

    def close(self):
        if self._enqueuer is not None:
            self._enqueuer.stop()


class DatasetAdapter(_BatchStreamAdapter):
    """A `kerasx.data.Dataset` whose elements are batches."""

    _source_name = "dataset"

    def __init__(self, x, y=None, sample_weights=None, steps=None, class_weight=None, checks=None,
                 **kwargs):
        super().__init__(y, sample_weights, class_weight, checks)
        self._dataset = x
        self._user_steps = steps
        if steps is None and x._cardinality() == -1:
            raise ValueError(
                "When providing an infinite dataset, you must specify the number of steps to run (if "
                "you did not intend to create an infinite dataset, make sure to not call `repeat()` on "
                "the dataset).")

    def get_size(self):
        return None

    def cardinality(self):
        return self._dataset._cardinality()

    def should_recreate_iterator(self):
        # A fresh pass per epoch, unless `steps_per_epoch` cuts epochs differently from the dataset:
        # then one iterator runs across epochs (how `repeat()` + `steps_per_epoch` work in tf.keras).
        return self._user_steps is None or self._dataset._cardinality() == self._user_steps

    def make_iterator(self):
        for index, element in enumerate(self._dataset._elements()):
            yield self._prepare(element, index)


def _is_generator(x):
    return inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def is_batch_stream(x):
    """Whether `x` brings its own batches (a generator or iterator, a `Sequence`, a `Dataset`), so that
    `batch_size`, `y`, `sample_weight` and `validation_split` do not apply to it."""
    return isinstance(x, (Dataset, Sequence)) or _is_generator(x)


def select_adapter(x, y):
    """The adapter class for `x` (and `y`), as tf.keras's `select_data_adapter`."""
    if isinstance(x, Dataset):
        return DatasetAdapter
    if isinstance(x, Sequence):
        return SequenceAdapter
    if _is_generator(x):
        return GeneratorAdapter
    try:
        if x is not None:
            _standardize(x)
            _standardize(y)
            return ArrayAdapter
    except TypeError:
        pass
    raise ValueError(f"Failed to find data adapter that can handle input: {_type_name(x)}, "
                     f"{_type_name(y)}")


def single_batch(x, y=None, sample_weight=None, class_weight=None, checks=None):
    """`(x, y, sample_weight)` as one packed batch of device Tensors, for the `*_on_batch` methods."""
    x, y, sw = _standardize(x), _standardize(y), _standardize(sample_weight)
    packed = pack_x_y_sample_weight(x, y, sw)
    check_data_cardinality(packed if isinstance(packed, tuple) else (packed,))
    # No finiteness check here: these methods run once per step, and the check is once per `fit`.
    x, y, sw = (checks or DataChecks(_DEFAULT_SOURCE, check_finite=False)).arrays((x, y, sw))
    data = pack_x_y_sample_weight(x, y, sw)
    if class_weight:
        y_host = y.numpy() if isinstance(y, Tensor) else y
        sw_host = sw.numpy() if isinstance(sw, Tensor) else sw
        sw = class_weight_to_sample_weight(class_weight, y_host, sw_host)
        data = pack_x_y_sample_weight(x, y, sw)
    return _to_device_batch(data)
