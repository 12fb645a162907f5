"""How kerasx carries strings: as host NumPy arrays (dtype `str_`, `bytes_` or `object` holding str/bytes),
never as device Tensors. No kernel takes strings; the layers that do (Hashing, StringLookup,
TextVectorization, ...) compute on the host and hand integer or float Tensors to the device. A symbolic
`Input(dtype="string")` is a `KerasTensor` of dtype "string"; its placeholder runs feed empty strings.

Duck-typed on purpose (dtype.kind, the first element), so the engine's core needs no array library."""
from kerasx.autodiff.tensor import Tensor

STRING = "string"


def is_string_array(x):
    """Whether `x` is a host array of strings: NumPy dtype kind 'U' or 'S', or an object array whose first
    element is a str or bytes (an empty object array counts as strings only if it is not a Tensor)."""
    if isinstance(x, Tensor):
        return False
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if kind in ("U", "S"):
        return True
    if kind == "O" and hasattr(x, "flat"):
        return x.size > 0 and isinstance(x.flat[0], (str, bytes))
    return False


def is_string_like(x):
    """A string array, a str/bytes scalar, or a (nested) list/tuple whose first leaf is a str or bytes."""
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return isinstance(x, (str, bytes)) or is_string_array(x)


def string_placeholder(shape):
    """Nested lists of empty strings of `shape` (all dims known): a placeholder batch of a string input."""
    if not shape:
        return ""
    return [string_placeholder(shape[1:]) for _ in range(shape[0])]


def refuse_strings(layer, received):
    """The TypeError for a layer that cannot take strings (`received` describes what it was given)."""
    return TypeError(
        f'Layer "{layer.name}" ({type(layer).__name__}) does not take string inputs: received {received}. '
        "Strings stay on the host in kerasx; map them to numbers first with a string preprocessing layer "
        "(StringLookup, Hashing, TextVectorization).")
