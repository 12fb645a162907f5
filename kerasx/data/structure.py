"""Elements of a `Dataset`: nested tuples/dicts of host NumPy arrays, and their conversions."""
import numpy as np  # host-side input pipeline: dataset elements live on the host until `fit` moves a batch

from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as
from kerasx.autodiff.tensor import Tensor, as_tensor

INFINITE = -1
UNKNOWN = -2


def to_host(value):
    """A leaf as a NumPy array: Tensors are read back, Python numbers and lists become arrays."""
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (str, bytes)):
        return np.asarray(value)
    return np.asarray(value)


def normalize(structure):
    """A user structure as a dataset element: tuples and dicts stay structure; a list is one array
    (as tf.data, where `[a, b]` is stacked into one tensor)."""
    if isinstance(structure, tuple):
        return tuple(normalize(s) for s in structure)
    if isinstance(structure, dict):
        return {k: normalize(v) for k, v in structure.items()}
    return to_host(structure)


def to_tensors(element):
    """An element as kerasx Tensors (what iterating a tf.data dataset gives: eager tensors)."""
    def convert(a):
        if isinstance(a, np.ndarray) and a.dtype.kind in "biuf":
            return as_tensor(a)
        return a
    return map_structure(convert, element)


def call_with_element(fn, element):
    """Calls a `map`/`filter` function as tf.data does: a tuple element is unpacked into arguments."""
    args = to_tensors(element)
    if isinstance(args, tuple):
        return fn(*args)
    return fn(args)


def stack(elements):
    """One batch from a list of same-structure elements (each leaf gains a leading axis)."""
    flat = [flatten(e) for e in elements]
    leaves = [np.stack([f[i] for f in flat]) for i in range(len(flat[0]))]
    return pack_sequence_as(elements[0], leaves)


def gather(arrays, indices):
    """Rows `indices` of every array in a structure."""
    return map_structure(lambda a: a[indices], arrays)


def num_rows(arrays):
    """The common first dimension of every array in a structure."""
    sizes = {int(a.shape[0]) if a.ndim else None for a in flatten(arrays)}
    if None in sizes:
        raise ValueError("from_tensor_slices: every component needs at least one dimension to slice; "
                         "received a scalar.")
    if len(sizes) != 1:
        shapes = [tuple(a.shape) for a in flatten(arrays)]
        raise ValueError(f"Dimensions {sorted(sizes)} in the components of `from_tensor_slices` are not "
                         f"compatible: all components must have the same size in their first dimension. "
                         f"Received shapes {shapes}.")
    return sizes.pop()


def unbatch_rows(element):
    """The rows of a batched element, one element each."""
    n = num_rows(element)
    return [map_structure(lambda a: a[i], element) for i in range(n)]


def combined_cardinality(values, combine):
    """Cardinality of a combination (zip: min, concatenate: sum) honouring INFINITE and UNKNOWN."""
    if any(v == UNKNOWN for v in values):
        return UNKNOWN
    finite = [v for v in values if v != INFINITE]
    if combine == "min":
        return min(finite) if finite else INFINITE
    if len(finite) != len(values):
        return INFINITE
    return sum(finite)
