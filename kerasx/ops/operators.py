"""Tensor's Python operators (``x + y``, ``x @ w``, ``x[i]``, ``x < y``, ...), installed on `Tensor` here,
where the primitives they call are defined; and the two the tape's differentiable walk uses.

`Tensor` lives in `kerasx.autodiff`, the floor below the ops; it knows nothing of them, so it never imports
this package. Importing `kerasx.ops` (which `import kerasx` always does) gives every Tensor its operators.
"""
from kerasx.autodiff import higher_order
from kerasx.autodiff.tensor import Tensor
from kerasx.ops import elementwise as ew
from kerasx.ops import linalg, reduction, shape

# Binary operators with their reflected forms (`2 * x` calls `x.__rmul__(2)`).
_ARITHMETIC = {"add": ew.add, "sub": ew.subtract, "mul": ew.multiply, "truediv": ew.divide, "pow": ew.power,
               "floordiv": ew.floor_divide, "mod": ew.mod, "matmul": linalg.matmul}
# Comparisons are elementwise, as tf's (Tensor keeps identity hashing, see `Tensor.__hash__`).
_COMPARISONS = {"eq": ew.equal, "ne": ew.not_equal, "lt": ew.less, "le": ew.less_equal, "gt": ew.greater,
                "ge": ew.greater_equal}
_UNARY = {"neg": ew.negative, "abs": ew.abs}


def _forward(op):
    def method(self, other):
        return op(self, other)
    return method


def _reflected(op):
    def method(self, other):
        return op(other, self)
    return method


def _unary(op):
    def method(self):
        return op(self)
    return method


def _cast(self, dtype):
    """`as_tensor(t, dtype)` for a Tensor of another dtype: the differentiable cast."""
    return ew.cast(self, dtype=dtype)


def install():
    for name, op in _ARITHMETIC.items():
        setattr(Tensor, f"__{name}__", _forward(op))
        setattr(Tensor, f"__r{name}__", _reflected(op))
    for name, op in _COMPARISONS.items():
        setattr(Tensor, f"__{name}__", _forward(op))
    for name, op in _UNARY.items():
        setattr(Tensor, f"__{name}__", _unary(op))
    Tensor.__getitem__ = _forward(shape.getitem)
    Tensor._cast = _cast
    # The tape's arithmetic in its differentiable backward walk (higher-order gradients).
    higher_order.install_arithmetic(sum_to_shape=reduction.sum_to_shape, add=ew.add, stack=shape.stack,
                                    reshape=shape.reshape, transpose=shape.transpose)


install()
