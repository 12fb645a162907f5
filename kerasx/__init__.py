"""kerasx: the Keras 2 / tf.keras API on NumPy (CPU) and CuPy (CUDA) kernels."""
__version__ = "0.1.0"

from kerasx.autodiff import GradientTape, Tensor, Variable, gradcheck
from kerasx import backend, ops
