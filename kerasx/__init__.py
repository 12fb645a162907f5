"""kerasx: the Keras 2 / tf.keras API on NumPy (CPU) and CuPy (CUDA) kernels.

    import kerasx as keras
    from kerasx import layers
"""
from kerasx.version import __version__  # noqa: F401

from kerasx.autodiff import GradientTape, Tensor, Variable, gradcheck
from kerasx import backend, ops
from kerasx import activations, constraints, initializers, regularizers
from kerasx import layers, utils, datasets
from kerasx.engine.input_layer import Input, InputLayer
from kerasx.engine.model import Model
from kerasx.engine.sequential import Sequential
from kerasx import callbacks, config, data
from kerasx import models, saving
from kerasx import losses, metrics, optimizers
