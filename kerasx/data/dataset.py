"""`Dataset`: the part of `tf.data.Dataset`'s API that Keras tutorials use, as a host-side pipeline.

Elements are nested tuples/dicts of NumPy arrays held on the host; iterating gives kerasx Tensors as
eager tf.data does, and `fit` moves each batch to the device once. Transformations are lazy and each
iteration starts afresh, so a dataset can be iterated again (once per epoch).
"""
from kerasx.autodiff.tensor import as_tensor
from kerasx.data import spec, structure

# The sources (sources.py) and transformations (transforms.py) are subclasses of `Dataset`, and each
# registers itself here when it is defined; the methods below build them by name, so this module never
# imports the modules that import it.
_KINDS = {}


def _make(kind, *args):
    return _KINDS[kind](*args)


class Dataset:
    """A sequence of elements, built from a source and a chain of transformations."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("kerasx."):  # a user's subclass must not replace a built-in kind
            _KINDS[cls.__name__] = cls

    # ------------------------------------------------------------ to implement
    def _elements(self):
        """An iterator over the elements, as host structures."""
        raise NotImplementedError("abstract: each dataset source or transformation implements it")

    def _cardinality(self):
        """Number of elements as an int, or `structure.INFINITE` / `structure.UNKNOWN`."""
        raise NotImplementedError("abstract: each dataset source or transformation implements it")

    def _element_spec(self):
        """The spec structure of the elements. By default learnt from the first element (user code
        decides the structure); sources and structural transformations derive it instead."""
        for element in self._elements():
            return spec.spec_of(element)
        raise ValueError(f"The element_spec of {self!r} cannot be known: its elements come from user code "
                         "and it has none to look at.")

    def _index_plan(self):
        """`(arrays, make_chunks)` when every element is a row of `arrays`, so that `batch` can gather
        rows by index: `make_chunks()` returns an iterator over arrays of row indices for one pass.
        None when elements must be produced one by one."""
        return None

    # ------------------------------------------------------------ sources
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A dataset whose elements are slices of `tensors` along their first dimension."""
        return _make("SliceDataset", tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with a single element, `tensors`."""
        return _make("TensorsDataset", tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """A dataset whose elements are what `generator(*args)` yields (called anew each iteration)."""
        return _make("GeneratorDataset", generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, **kwargs):
        """A dataset of int64 scalars, as Python's `range(start, stop, step)`."""
        return _make("RangeDataset", *args)

    @staticmethod
    def zip(datasets, name=None):
        """A dataset of the elements of `datasets` (a tuple or dict of datasets) side by side."""
        return _make("ZipDataset", datasets)

    # ------------------------------------------------------------ transformations
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Combines consecutive elements into batches (the last one smaller unless `drop_remainder`)."""
        return _make("BatchDataset", self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False,
                     name=None):
        """`batch`, each component padded to a common shape first: `padded_shapes` (a structure like the
        element's, each a shape whose None sizes mean "the batch's largest"; default: the largest of each
        dimension), with `padding_values` (a structure of scalars; default 0, or b"" for strings)."""
        return _make("PaddedBatchDataset", self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name=None):
        """Splits each element into its rows (the inverse of `batch`)."""
        return _make("UnbatchDataset", self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Randomly shuffles elements through a buffer of `buffer_size` elements, as tf.data."""
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return _make("ShuffleDataset", self, buffer_size, seed, reshuffle)

    def repeat(self, count=None, name=None):
        """Repeats the dataset `count` times (forever when `count` is None or -1)."""
        return _make("RepeatDataset", self, count)

    def take(self, count, name=None):
        """At most `count` elements (all when `count` is -1)."""
        return _make("TakeDataset", self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (none when `count` is -1)."""
        return _make("SkipDataset", self, count)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element (a tuple element is passed as separate arguments)."""
        return _make("MapDataset", self, map_func)

    def filter(self, predicate, name=None):
        """The elements for which `predicate` is true."""
        return _make("FilterDataset", self, predicate)

    def enumerate(self, start=0, name=None):
        """Pairs each element with its index: `(i, element)`."""
        return _make("EnumerateDataset", self, start)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s."""
        return _make("ConcatenateDataset", self, dataset)

    def prefetch(self, buffer_size, name=None):
        """Accepted for compatibility; elements are produced on demand on the host."""
        return self

    def cache(self, filename="", name=None):
        """Accepted for compatibility; sources are already held in memory."""
        return self

    def with_options(self, options, name=None):
        return self

    # ------------------------------------------------------------ inspection and iteration
    @property
    def element_spec(self):
        """The type of the elements: the elements' structure with a `TensorSpec` (shape, dtype) for each
        component; sizes that vary (the batch dimension after `batch()`) are None, as tf.data shows."""
        return self._element_spec()

    def cardinality(self):
        """The number of elements as a scalar int64 Tensor: `INFINITE_CARDINALITY` (-1) when the dataset
        repeats forever, `UNKNOWN_CARDINALITY` (-2) when it cannot be known (generators, filters)."""
        return as_tensor(self._cardinality(), dtype="int64")

    def __len__(self):
        n = self._cardinality()
        if n == structure.INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == structure.UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True

    def __iter__(self):
        for element in self._elements():
            yield structure.to_tensors(element)

    def as_numpy_iterator(self):
        """An iterator over the elements as NumPy arrays."""
        return iter(self._elements())

    def __repr__(self):
        return f"<{type(self).__name__} cardinality={self._cardinality()}>"
