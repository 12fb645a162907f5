"""Keras-style unique names: the first Dense is 'dense', the next 'dense_1', ..."""
import re

_counts = {}


def to_snake_case(name):
    """'Conv2DTranspose' -> 'conv2d_transpose', 'Dense' -> 'dense' (Keras's own rule)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def unique_name(prefix, zero_based=True):
    """`prefix`, then `prefix_1`, `prefix_2`, ...; with `zero_based=False` (Keras's rule for inputs)
    the first is already `prefix_1`."""
    n = _counts.get(prefix, 0)
    _counts[prefix] = n + 1
    if zero_based:
        return prefix if n == 0 else f"{prefix}_{n}"
    return f"{prefix}_{n + 1}"


def reset_names():
    _counts.clear()


def get_uid(prefix=""):
    """Keras's `K.get_uid`: the next count of `prefix` in the same counters that name layers (so after
    one 'dense' layer, `get_uid('dense')` is 2), starting at 1."""
    _counts[prefix] = _counts.get(prefix, 0) + 1
    return _counts[prefix]
