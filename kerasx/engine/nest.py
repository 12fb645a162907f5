"""Nested structures of tensors (lists, tuples, dicts), as tf.nest: flatten and map."""


def flatten(structure):
    """Leaves in order; dicts by sorted key. None counts as a leaf."""
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


def map_structure(fn, structure):
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def pack_sequence_as(structure, flat):
    it = iter(flat)

    def take(_):
        return next(it)
    return map_structure_sorted(take, structure)


def map_structure_sorted(fn, structure):
    """Like `map_structure` but visits dict keys in sorted order, matching `flatten`."""
    if isinstance(structure, list):
        return [map_structure_sorted(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure_sorted(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure_sorted(fn, structure[k]) for k in sorted(structure)}
    return fn(structure)
