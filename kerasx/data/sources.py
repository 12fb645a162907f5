"""Datasets that produce elements: slices of arrays, one whole element, a Python generator, a range,
and combinations (zip, concatenate)."""
import itertools

import numpy as np  # host-side input pipeline: dataset elements are NumPy arrays on the host

from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as
from kerasx.data import spec, structure
from kerasx.data.dataset import Dataset


class SliceDataset(Dataset):
    """`from_tensor_slices`: element i is row i of every component."""

    def __init__(self, tensors):
        self._arrays = structure.normalize(tensors)
        self._n = structure.num_rows(self._arrays)

    def _cardinality(self):
        return self._n

    def _element_spec(self):
        return spec.map_specs(lambda s: s.without_leading_dim(), spec.spec_of(self._arrays))

    def _index_plan(self):
        # Batching can gather rows by index instead of stacking elements one by one.
        return self._arrays, lambda: iter([np.arange(self._n)])

    def _elements(self):
        arrays = self._arrays
        for i in range(self._n):
            yield map_structure(lambda a: a[i], arrays)


class TensorsDataset(Dataset):
    """`from_tensors`: a single element holding the whole structure."""

    def __init__(self, tensors):
        self._element = structure.normalize(tensors)

    def _cardinality(self):
        return 1

    def _element_spec(self):
        return spec.spec_of(self._element)

    def _elements(self):
        yield self._element


class GeneratorDataset(Dataset):
    """`from_generator`: calls `generator(*args)` afresh for every iteration."""

    def __init__(self, generator, output_types=None, output_shapes=None, args=None,
                 output_signature=None):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable that returns an iterator; received "
                            f"{type(generator).__name__}.")
        self._generator = generator
        self._args = tuple(args) if args is not None else ()
        self._dtypes = None
        self._declared_spec = spec.from_signature(output_signature, output_types, output_shapes)
        if output_signature is not None:
            self._dtypes = map_structure(lambda spec: getattr(spec, "dtype", None), output_signature)
        elif output_types is not None:
            self._dtypes = output_types

    def _cardinality(self):
        return structure.UNKNOWN

    def _element_spec(self):
        if self._declared_spec is not None:
            return self._declared_spec
        return super()._element_spec()  # no signature (tf.data would require one): the first element

    def _elements(self):
        for item in self._generator(*self._args):
            element = structure.normalize(tuple(item) if isinstance(item, list) else item)
            if self._dtypes is not None:
                element = _cast_like(element, self._dtypes)
            yield element


class RangeDataset(Dataset):
    """`Dataset.range(start, stop, step)` of int64 scalars."""

    def __init__(self, *args):
        self._range = range(*args)

    def _cardinality(self):
        return len(self._range)

    def _element_spec(self):
        return spec.TensorSpec((), "int64")

    def _index_plan(self):
        values = np.arange(self._range.start, self._range.stop, self._range.step, dtype="int64")
        return values, lambda: iter([np.arange(len(values))])

    def _elements(self):
        for v in self._range:
            yield np.int64(v)


class ZipDataset(Dataset):
    """`Dataset.zip(datasets)`: elements of several datasets side by side, stopping at the shortest."""

    def __init__(self, datasets):
        self._datasets = datasets
        for d in flatten(datasets):
            if not isinstance(d, Dataset):
                raise TypeError(f"`Dataset.zip` expects a nested structure of datasets; received "
                                f"{type(d).__name__}.")

    def _cardinality(self):
        return structure.combined_cardinality([d._cardinality() for d in flatten(self._datasets)], "min")

    def _element_spec(self):
        return _pack(self._datasets, [d._element_spec() for d in flatten(self._datasets)])

    def _elements(self):
        flat = flatten(self._datasets)
        for items in zip(*(d._elements() for d in flat)):
            yield _pack(self._datasets, items)


class ConcatenateDataset(Dataset):
    """`a.concatenate(b)`: all of `a`'s elements, then all of `b`'s."""

    def __init__(self, first, second):
        self._parts = (first, second)

    def _cardinality(self):
        return structure.combined_cardinality([p._cardinality() for p in self._parts], "sum")

    def _element_spec(self):
        return spec.common_spec(*(p._element_spec() for p in self._parts))

    def _elements(self):
        return itertools.chain(*(p._elements() for p in self._parts))


def _pack(datasets, items):
    if isinstance(datasets, tuple):
        return tuple(items)
    if isinstance(datasets, dict):
        return dict(zip(sorted(datasets), items))
    return items[0]


def _cast_like(element, dtypes):
    flat_dtypes = flatten(dtypes) if isinstance(dtypes, (tuple, dict, list)) else [dtypes]
    leaves = flatten(element)
    if len(flat_dtypes) != len(leaves):
        raise TypeError(f"`generator` yielded an element with {len(leaves)} component(s), which does not "
                        f"match the {len(flat_dtypes)} declared in `output_types`/`output_signature`.")
    cast = [a if dt is None else a.astype(getattr(dt, "name", dt)) for a, dt in zip(leaves, flat_dtypes)]
    return pack_sequence_as(element, cast)
