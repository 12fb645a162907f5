"""Dataset transformations: batch, padded_batch, shuffle, repeat, take, skip, map, filter, enumerate, unbatch.

Where the upstream elements are rows of in-memory arrays (`_index_plan`), shuffle/repeat/take/skip act
on row indices and `batch` gathers whole batches at once, instead of stacking elements one by one.
"""
import itertools
import math

import numpy as np  # host-side input pipeline: index permutations and batches are built on the host

from kerasx.autodiff.nest import flatten, pack_sequence_as
from kerasx.data import spec, structure
from kerasx.data.dataset import Dataset


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer; received {value!r}.")
    return int(value)


class BatchDataset(Dataset):

    def __init__(self, source, batch_size, drop_remainder):
        self._source = source
        self._batch_size = _check_count("batch_size", batch_size)
        if self._batch_size <= 0:
            raise ValueError(f"`batch_size` must be greater than zero; received {batch_size}.")
        self._drop_remainder = bool(drop_remainder)

    def _cardinality(self):
        n = self._source._cardinality()
        if n < 0:
            return n
        if self._drop_remainder:
            return n // self._batch_size
        return math.ceil(n / self._batch_size)

    def _element_spec(self):
        # Only `drop_remainder` makes every batch the same size, as tf.data reports it.
        size = self._batch_size if self._drop_remainder else None
        return spec.map_specs(lambda s: s.with_leading_dim(size), self._source._element_spec())

    def _elements(self):
        plan = self._source._index_plan()
        if plan is not None:
            arrays, make_chunks = plan
            for idx in _rechunk(make_chunks(), self._batch_size, self._drop_remainder):
                yield structure.gather(arrays, idx)
            return
        pending = []
        for element in self._source._elements():
            pending.append(element)
            if len(pending) == self._batch_size:
                yield structure.stack(pending)
                pending = []
        if pending and not self._drop_remainder:
            yield structure.stack(pending)


class PaddedBatchDataset(Dataset):
    """tf.data's `padded_batch`: elements batched one by one, each component padded at the end of each
    axis to the size `padded_shapes` gives (None: the batch's largest)."""

    def __init__(self, source, batch_size, padded_shapes, padding_values, drop_remainder):
        self._source = source
        self._batch_size = _check_count("batch_size", batch_size)
        if self._batch_size <= 0:
            raise ValueError(f"`batch_size` must be greater than zero; received {batch_size}.")
        self._drop_remainder = bool(drop_remainder)
        self._padded_shapes = padded_shapes
        self._padding_values = padding_values

    def _cardinality(self):
        return BatchDataset._cardinality(self)

    def _per_leaf(self, value, element, what):
        """`value` (None, or a structure like `element`'s with a shape or scalar at each leaf) as one
        entry per leaf of `element`, in `flatten`'s order."""
        if value is None:
            return [None] * len(flatten(element))
        return _leaves_like(element, value, what)

    def _element_spec(self):
        source = self._source._element_spec()
        size = self._batch_size if self._drop_remainder else None
        leaves = flatten(source)
        shapes = self._per_leaf(self._padded_shapes, source, "padded_shapes")
        out = [s.with_leading_dim(size) if shape is None else
               spec.TensorSpec((size,) + tuple(shape), s.dtype, s.name) for s, shape in zip(leaves, shapes)]
        return pack_sequence_as(source, out)

    def _elements(self):
        pending = []
        for element in self._source._elements():
            pending.append(element)
            if len(pending) == self._batch_size:
                yield self._pad_and_stack(pending)
                pending = []
        if pending and not self._drop_remainder:
            yield self._pad_and_stack(pending)

    def _pad_and_stack(self, elements):
        flat = [flatten(e) for e in elements]
        shapes = self._per_leaf(self._padded_shapes, elements[0], "padded_shapes")
        values = self._per_leaf(self._padding_values, elements[0], "padding_values")
        leaves = []
        for i, (shape, value) in enumerate(zip(shapes, values)):
            column = [np.asarray(f[i]) for f in flat]
            leaves.append(_pad_column(column, shape, value, i))
        return pack_sequence_as(elements[0], leaves)


def _leaves_like(element, value, what):
    """Walks `value` alongside `element`'s structure (tuples and dicts; a list is one component, as in
    dataset elements), so that a shape such as ``[None, 1]`` is read as a leaf, not as a structure."""
    if isinstance(element, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(element):
            raise ValueError(f"`{what}` must have the structure of the dataset's elements ({len(element)} "
                             f"components); received {value!r}.")
        return [leaf for e, v in zip(element, value) for leaf in _leaves_like(e, v, what)]
    if isinstance(element, dict):
        if not isinstance(value, dict) or set(value) != set(element):
            raise ValueError(f"`{what}` must have the keys of the dataset's elements {sorted(element)}; "
                             f"received {value!r}.")
        return [leaf for k in sorted(element) for leaf in _leaves_like(element[k], value[k], what)]
    if what == "padded_shapes":
        return [None if value is None else tuple(value)]
    return [value]


def _pad_column(column, shape, value, index):
    ranks = {a.ndim for a in column}
    if len(ranks) != 1:
        raise ValueError(f"padded_batch: component {index} has elements of different ranks {sorted(ranks)}.")
    largest = [max(a.shape[d] for a in column) for d in range(column[0].ndim)]
    if shape is None:
        target = largest
    else:
        if len(shape) != column[0].ndim:
            raise ValueError(f"padded_batch: the padded shape {tuple(shape)} of component {index} does not "
                             f"have the rank of its elements, shape {column[0].shape}.")
        target = [big if size is None else int(size) for size, big in zip(shape, largest)]
        for size, big in zip(target, largest):
            if big > size:
                raise ValueError(f"padded_batch: attempted to pad component {index} to a smaller size than "
                                 f"its elements: padded shape {tuple(shape)}, element sizes {tuple(largest)}.")
    if value is None:
        value = b"" if column[0].dtype.kind in "SUO" else 0
    out = np.full([len(column)] + target, value, dtype=column[0].dtype)
    for row, a in enumerate(column):
        out[(row,) + tuple(slice(0, n) for n in a.shape)] = a
    return out


def _rechunk(chunks, size, drop_remainder):
    """Index arrays of exactly `size` (the last one shorter unless dropped) from arbitrary chunks."""
    buffer, held = [], 0
    for chunk in chunks:
        buffer.append(chunk)
        held += len(chunk)
        if held < size:
            continue
        flat = np.concatenate(buffer)
        n_full = len(flat) // size
        for i in range(n_full):
            yield flat[i * size:(i + 1) * size]
        rest = flat[n_full * size:]
        buffer, held = ([rest], len(rest)) if len(rest) else ([], 0)
    if held and not drop_remainder:
        yield np.concatenate(buffer)


class UnbatchDataset(Dataset):

    def __init__(self, source):
        self._source = source

    def _cardinality(self):
        n = self._source._cardinality()
        return structure.INFINITE if n == structure.INFINITE else structure.UNKNOWN

    def _element_spec(self):
        return spec.map_specs(lambda s: s.without_leading_dim(), self._source._element_spec())

    def _elements(self):
        for element in self._source._elements():
            yield from structure.unbatch_rows(element)


class ShuffleDataset(Dataset):
    """tf.data's buffer shuffle: keep `buffer_size` elements, emit a random one, refill from upstream.
    A buffer at least as large as a finite upstream is a uniform permutation, drawn in one go."""

    def __init__(self, source, buffer_size, seed, reshuffle_each_iteration):
        self._source = source
        self._buffer_size = _check_count("buffer_size", buffer_size)
        if self._buffer_size <= 0:
            raise ValueError(f"`buffer_size` must be greater than zero; received {buffer_size}.")
        self._reshuffle = reshuffle_each_iteration
        # Without a seed, draw from NumPy's global state, so `set_random_seed` makes runs repeatable.
        base = int(seed) if seed is not None else int(np.random.randint(0, 2 ** 31 - 1))
        self._seed_sequence = np.random.default_rng(base)
        self._fixed_seed = base

    def _cardinality(self):
        return self._source._cardinality()

    def _rng(self):
        if self._reshuffle:
            return np.random.default_rng(int(self._seed_sequence.integers(0, 2 ** 63 - 1)))
        return np.random.default_rng(self._fixed_seed)

    def _index_plan(self):
        plan = self._source._index_plan()
        if plan is None:
            return None
        arrays, make_chunks = plan

        def chunks():
            rng = self._rng()
            n = self._source._cardinality()
            if 0 <= n <= self._buffer_size:
                yield rng.permutation(np.concatenate(list(make_chunks())))
                return
            shuffled = _buffer_shuffle(itertools.chain.from_iterable(make_chunks()), self._buffer_size, rng)
            while True:
                chunk = np.fromiter(itertools.islice(shuffled, 1024), dtype="int64")
                if not len(chunk):
                    return
                yield chunk
        return arrays, chunks

    def _element_spec(self):
        return self._source._element_spec()

    def _elements(self):
        plan = self._index_plan()
        if plan is not None:
            arrays, chunks = plan
            for chunk in chunks():
                for i in chunk:
                    yield structure.gather(arrays, int(i))
            return
        yield from _buffer_shuffle(self._source._elements(), self._buffer_size, self._rng())


def _buffer_shuffle(stream, buffer_size, rng):
    buffer = []
    for item in stream:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        k = int(rng.integers(len(buffer)))
        yield buffer[k]
        buffer[k] = item
    while buffer:
        k = int(rng.integers(len(buffer)))
        buffer[k], buffer[-1] = buffer[-1], buffer[k]
        yield buffer.pop()


class RepeatDataset(Dataset):

    def __init__(self, source, count):
        self._source = source
        self._count = -1 if count is None else _check_count("count", count)

    def _cardinality(self):
        n = self._source._cardinality()
        if self._count == -1:
            return 0 if n == 0 else structure.INFINITE
        if n < 0:
            return n
        return n * self._count

    def _passes(self):
        return itertools.count() if self._count == -1 else range(self._count)

    def _index_plan(self):
        plan = self._source._index_plan()
        if plan is None:
            return None
        arrays, make_chunks = plan

        def chunks():
            for _ in self._passes():
                empty = True
                for c in make_chunks():
                    empty = empty and len(c) == 0
                    yield c
                if empty:
                    return
        return arrays, chunks

    def _element_spec(self):
        return self._source._element_spec()

    def _elements(self):
        for _ in self._passes():
            empty = True
            for element in self._source._elements():
                empty = False
                yield element
            if empty:
                return


class TakeDataset(Dataset):

    def __init__(self, source, count):
        self._source = source
        self._count = _check_count("count", count)

    def _cardinality(self):
        n = self._source._cardinality()
        if self._count == -1:
            return n
        if n == structure.INFINITE:
            return self._count
        if n == structure.UNKNOWN:
            return structure.UNKNOWN
        return min(n, self._count)

    def _index_plan(self):
        plan = self._source._index_plan()
        if plan is None or self._count == -1:
            return plan
        arrays, make_chunks = plan

        def chunks():
            left = self._count
            for c in make_chunks():
                if left <= 0:
                    return
                yield c[:left]
                left -= len(c)
        return arrays, chunks

    def _element_spec(self):
        return self._source._element_spec()

    def _elements(self):
        if self._count == -1:
            return self._source._elements()
        return itertools.islice(self._source._elements(), self._count)


class SkipDataset(Dataset):

    def __init__(self, source, count):
        self._source = source
        self._count = _check_count("count", count)

    def _cardinality(self):
        n = self._source._cardinality()
        if self._count == -1:
            return 0
        if n < 0:
            return n
        return max(n - self._count, 0)

    def _index_plan(self):
        plan = self._source._index_plan()
        if plan is None:
            return None
        arrays, make_chunks = plan

        def chunks():
            if self._count == -1:
                return
            left = self._count
            for c in make_chunks():
                if left > 0:
                    dropped = min(left, len(c))
                    c = c[dropped:]
                    left -= dropped
                if len(c):
                    yield c
        return arrays, chunks

    def _element_spec(self):
        return self._source._element_spec()

    def _elements(self):
        if self._count == -1:
            return iter(())
        return itertools.islice(self._source._elements(), self._count, None)


class MapDataset(Dataset):

    def __init__(self, source, map_func):
        if not callable(map_func):
            raise TypeError(f"`map_func` must be callable; received {type(map_func).__name__}.")
        self._source = source
        self._fn = map_func

    def _cardinality(self):
        return self._source._cardinality()

    def _element_spec(self):
        # The function decides the structure: learnt from its output on the first element. A batched
        # source's varying batch size stays unknown in the output, as tf.data's traced spec keeps it.
        out = super()._element_spec()
        source = flatten(self._source._element_spec())
        if source and all(s.shape and s.shape[0] is None for s in source):
            out = spec.map_specs(lambda s: s.without_leading_dim().with_leading_dim(None) if s.shape else s,
                                 out)
        return out

    def _elements(self):
        for element in self._source._elements():
            out = structure.call_with_element(self._fn, element)
            yield structure.normalize(tuple(out) if isinstance(out, list) else out)


class FilterDataset(Dataset):

    def __init__(self, source, predicate):
        self._source = source
        self._predicate = predicate

    def _cardinality(self):
        n = self._source._cardinality()
        return structure.INFINITE if n == structure.INFINITE else structure.UNKNOWN

    def _element_spec(self):
        return self._source._element_spec()

    def _elements(self):
        for element in self._source._elements():
            if bool(structure.call_with_element(self._predicate, element)):
                yield element


class EnumerateDataset(Dataset):

    def __init__(self, source, start):
        self._source = source
        self._start = _check_count("start", start)

    def _cardinality(self):
        return self._source._cardinality()

    def _element_spec(self):
        return spec.TensorSpec((), "int64"), self._source._element_spec()

    def _elements(self):
        for i, element in enumerate(self._source._elements(), self._start):
            yield np.int64(i), element

