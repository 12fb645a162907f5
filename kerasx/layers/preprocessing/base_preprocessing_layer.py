"""`PreprocessingLayer` (tf.keras.layers.experimental.preprocessing.PreprocessingLayer): the base of the
layers whose state is computed from data by `adapt` rather than trained: `adapt` resets the state, feeds
the data batch by batch to `update_state` and ends with `finalize_state`."""
import math

from kerasx.data.dataset import Dataset
from kerasx.engine.base_layer import Layer

_DEFAULT_BATCH_SIZE = 32


def _positive(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise ValueError(f"`{name}` of adapt must be a positive integer or None. Received: {name}={value!r}")


def adapt_batches(layer, data, batch_size=None, steps=None):
    """The batches `adapt` feeds `update_state`: a `kerasx.data.Dataset`'s elements (as NumPy arrays),
    or slices of `batch_size` (32 by default) of an array, list or Tensor; at most `steps` of them."""
    _positive("batch_size", batch_size)
    _positive("steps", steps)
    where = f'layer "{layer.name}" ({type(layer).__name__})'
    if isinstance(data, Dataset):
        if batch_size is not None:
            raise ValueError(f"`batch_size` of adapt ({where}) must not be set when the data is a Dataset, "
                             f"which makes its own batches. Received: batch_size={batch_size}")
        for i, batch in enumerate(data.as_numpy_iterator()):
            if steps is not None and i >= steps:
                return
            if isinstance(batch, (tuple, dict)):
                raise ValueError(f"adapt of {where} takes features only; the Dataset gave a "
                                 f"{type(batch).__name__} element. Map it to its features first: "
                                 "`dataset.map(lambda x, y: x)`.")
            yield batch
        return
    if isinstance(data, (dict, tuple)) or not hasattr(data, "__len__") or isinstance(data, (str, bytes)):
        raise ValueError(f"adapt of {where} takes a kerasx.data.Dataset, a NumPy array, a list or a Tensor. "
                         f"Received: {type(data).__name__}")
    n = len(data)
    if n == 0:
        raise ValueError(f"adapt of {where} received empty data.")
    size = batch_size or _DEFAULT_BATCH_SIZE
    count = math.ceil(n / size) if steps is None else min(steps, math.ceil(n / size))
    for i in range(count):
        yield data[i * size:(i + 1) * size]


class PreprocessingLayer(Layer):
    """A layer with state computed by `adapt`. Subclasses define `update_state(batch)` (one batch of
    data, as given), `reset_state()` and `finalize_state()`, and build from the data's shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_adapted = False

    @property
    def is_adapted(self):
        """Whether `adapt` has run on this layer."""
        return self._is_adapted

    def update_state(self, data):
        """Accumulates the statistics of one batch of data."""
        raise NotImplementedError

    def reset_state(self):
        """Forgets every batch seen so far."""
        raise NotImplementedError

    def finalize_state(self):
        """Turns the accumulated statistics into the state `call` uses."""
        raise NotImplementedError

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the layer's state from `data` (a Dataset, a NumPy array, a list or a Tensor),
        replacing what an earlier `adapt` computed."""
        batches = adapt_batches(self, data, batch_size, steps)
        first = next(batches, None)
        if first is None:
            raise ValueError(f'adapt of layer "{self.name}" ({type(self).__name__}) received no data.')
        if not self.built:
            self._build_for_adapt(first)
        self.reset_state()
        self.update_state(first)
        for batch in batches:
            self.update_state(batch)
        self.finalize_state()
        self._is_adapted = True

    def _build_for_adapt(self, batch):
        shape = _shape_of(batch)
        self.build((None,) + shape[1:])
        self.built = True


def _shape_of(batch):
    """An array's or Tensor's shape, or a nested list's (read off its first elements)."""
    if hasattr(batch, "shape"):
        return tuple(batch.shape)
    shape, item = [], batch
    while isinstance(item, (list, tuple)):
        shape.append(len(item))
        item = item[0] if item else None
    return tuple(shape)
