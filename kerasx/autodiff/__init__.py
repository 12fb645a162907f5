"""Reverse-mode automatic differentiation over the backend kernels."""
from kerasx.autodiff.tensor import Tensor, Variable, as_tensor
from kerasx.autodiff.tape import GradientTape
from kerasx.autodiff.primitive import REGISTRY, primitive
from kerasx.autodiff.gradcheck import gradcheck, numeric_gradient
