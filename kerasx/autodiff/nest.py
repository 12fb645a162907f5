"""Nested structures (lists, tuples, dicts of leaves), as tf.nest: the one place kerasx walks them.

It lives in `kerasx.autodiff`, the lowest floor of `kerasx`, because the tape is the lowest code that
needs it (`GradientTape.watch` and `gradient` take nested sources); everything above imports it from here.
It imports nothing.

Order, as tf.nest: `flatten` visits dict values by sorted key, and `pack_sequence_as` fills dicts in that
same order, so ``pack_sequence_as(s, flatten(s))`` rebuilds `s`. `map_structure` keeps each dict's own
key order in the dict it returns (the values are the same either way). None is a leaf.
"""


def is_nested(x):
    """True for the containers these helpers descend into: lists, tuples and dicts."""
    return isinstance(x, (list, tuple, dict))


def flatten(structure):
    """The leaves in order; dicts by sorted key."""
    if isinstance(structure, (list, tuple)):
        out = []
        for s in structure:
            out.extend(flatten(s))
        return out
    if isinstance(structure, dict):
        out = []
        for k in sorted(structure):
            out.extend(flatten(structure[k]))
        return out
    return [structure]


def flatten_with_paths(structure, path=()):
    """`(path, leaf)` pairs in `flatten`'s order; a path is the tuple of indices and keys leading to the
    leaf, so that error messages can name it (``x[1]``, ``y['digits']``)."""
    if isinstance(structure, (list, tuple)):
        return [pair for i, s in enumerate(structure) for pair in flatten_with_paths(s, path + (i,))]
    if isinstance(structure, dict):
        return [pair for k in sorted(structure) for pair in flatten_with_paths(structure[k], path + (k,))]
    return [(path, structure)]


def map_structure(fn, structure):
    """`fn` applied to every leaf, in a structure like `structure` (lists, tuples and dicts as such)."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def map_structure_sorted(fn, structure):
    """Like `map_structure` but visits dict keys in sorted order, matching `flatten`."""
    if isinstance(structure, list):
        return [map_structure_sorted(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure_sorted(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure_sorted(fn, structure[k]) for k in sorted(structure)}
    return fn(structure)


def pack_sequence_as(structure, flat):
    """The leaves of `flat`, in order, put into the nesting of `structure` (the inverse of `flatten`)."""
    it = iter(flat)

    def take(_):
        return next(it)
    return map_structure_sorted(take, structure)


def map_structure_up_to(shallow, fn, *structures):
    """`fn` applied where `shallow` has leaves, to the matching parts of `structures` (which may nest
    deeper, e.g. a list of metrics per output). Lists and tuples of `shallow` come back as lists, dicts by
    sorted key."""
    if isinstance(shallow, (list, tuple)):
        return [map_structure_up_to(s, fn, *[st[i] for st in structures]) for i, s in enumerate(shallow)]
    if isinstance(shallow, dict):
        return {k: map_structure_up_to(shallow[k], fn, *[st[k] for st in structures]) for k in sorted(shallow)}
    return fn(*structures)


def flatten_up_to(shallow, structure):
    """The parts of `structure` where `shallow` has leaves, in `flatten`'s order (they may be nested)."""
    if isinstance(shallow, (list, tuple)):
        return [leaf for i, s in enumerate(shallow) for leaf in flatten_up_to(s, structure[i])]
    if isinstance(shallow, dict):
        return [leaf for k in sorted(shallow) for leaf in flatten_up_to(shallow[k], structure[k])]
    return [structure]
