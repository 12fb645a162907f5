"""`TensorSpec` and `Dataset.element_spec`: the shape and dtype of each component of a dataset's elements,
as tf.data reports them (`None` for a size that can vary, such as the batch dimension after `batch()`).

Sources know their spec from their arrays or their signature; transformations derive theirs from their
source's (see each class's `_element_spec`). Only where the structure comes from user code (`map`, a
generator without a signature) is one element computed to learn it, as tf.data traces the function once.
"""
from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as


class TensorSpec:
    """The type of one component of a dataset element: `shape` (a tuple, `None` for an unknown size),
    `dtype` (a name such as "float32"; "string" for text) and an optional `name`."""

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = _dtype_name(dtype)
        self.name = name

    @classmethod
    def from_value(cls, value):
        """The spec of a host array (or NumPy scalar) holding one component."""
        return cls(tuple(value.shape), value.dtype)

    def with_leading_dim(self, size):
        """This spec with a new first dimension (what `batch` adds); an unknown rank stays unknown."""
        if self.shape is None:
            return self
        return TensorSpec((size,) + self.shape, self.dtype, self.name)

    def without_leading_dim(self):
        """This spec without its first dimension (what `unbatch` and `from_tensor_slices` take off)."""
        if self.shape is None:
            return self
        if not self.shape:
            raise ValueError(f"Cannot remove the first dimension of a scalar component ({self!r}).")
        return TensorSpec(self.shape[1:], self.dtype, self.name)

    def most_specific_common(self, other):
        """The spec that covers both: sizes that differ become None (how `concatenate` merges)."""
        if self.shape is None or other.shape is None:
            return TensorSpec(None, self.dtype, self.name)
        if self.dtype != other.dtype or len(self.shape) != len(other.shape):
            raise TypeError(f"Incompatible dataset components: {self!r} and {other!r}.")
        shape = tuple(a if a == b else None for a, b in zip(self.shape, other.shape))
        return TensorSpec(shape, self.dtype, self.name if self.name == other.name else None)

    def is_compatible_with(self, value):
        """Whether an array (or spec) fits this spec: same dtype and rank, equal sizes where known."""
        shape = tuple(value.shape)
        dtype = _dtype_name(value.dtype)
        if self.shape is None:
            return dtype == self.dtype
        return dtype == self.dtype and len(shape) == len(self.shape) and all(
            a is None or b is None or a == b for a, b in zip(self.shape, shape))

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape and self.dtype == other.dtype
                and self.name == other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        shape = "<unknown>" if self.shape is None else self.shape
        return f"TensorSpec(shape={shape}, dtype={self.dtype}, name={self.name!r})"


_TEXT_TYPES = ("str", "str_", "bytes", "bytes_", "object", "object_")


def _dtype_name(dtype):
    """A dtype as its name: NumPy dtypes, scalar types and strings alike; text is "string", as tf.data
    calls it."""
    if isinstance(dtype, str):
        return "string" if dtype in _TEXT_TYPES else dtype
    if isinstance(dtype, type):  # np.float32, str, ...
        name = dtype.__name__
        return "string" if name in _TEXT_TYPES else name
    if getattr(dtype, "kind", None) in ("U", "S", "O"):
        return "string"
    return str(getattr(dtype, "name", dtype))


def spec_of(element):
    """The spec structure of one element (a nested tuple/dict of host arrays)."""
    return map_structure(TensorSpec.from_value, element)


def map_specs(fn, specs):
    """`fn` applied to every TensorSpec of a spec structure."""
    return pack_sequence_as(specs, [fn(s) for s in flatten(specs)])


def common_spec(first, second):
    """The spec covering elements of both structures (`concatenate`)."""
    a, b = flatten(first), flatten(second)
    if len(a) != len(b):
        raise TypeError(f"Incompatible dataset elements: {first!r} and {second!r}.")
    return pack_sequence_as(first, [x.most_specific_common(y) for x, y in zip(a, b)])


def from_signature(signature, output_types=None, output_shapes=None):
    """The spec structure `from_generator` declares: `output_signature` (specs, or any objects with
    `shape` and `dtype`), or `output_types` with optional `output_shapes`. None when neither is given."""
    if signature is not None:
        return map_structure(lambda s: TensorSpec(getattr(s, "shape", None), s.dtype,
                                                  getattr(s, "name", None)), signature)
    if output_types is None:
        return None
    return _pair(output_types, output_shapes)


def _pair(types, shapes):
    """Specs from `output_types` and `output_shapes` walked together (a shape is a tuple of sizes, so
    the two cannot be flattened alike)."""
    if isinstance(types, (tuple, list)):
        shapes = [None] * len(types) if shapes is None else shapes
        return tuple(_pair(t, s) for t, s in zip(types, shapes))
    if isinstance(types, dict):
        return {k: _pair(t, None if shapes is None else shapes[k]) for k, t in types.items()}
    return TensorSpec(shapes, types)
