"""kerasx: the Keras 2 / tf.keras API on NumPy (CPU) and CuPy (CUDA) kernels.

    import kerasx as keras
    from kerasx import layers
"""
from kerasx.version import __version__  # noqa: F401

from kerasx.autodiff import GradientTape, Tensor, Variable, gradcheck
from kerasx import backend, ops

# The kernel backend is chosen now, as Keras 3 chooses at import: an unknown name (KERAS_BACKEND or the
# config file's 'backend'), or 'cupy' without CuPy or without a CUDA device, fails at `import kerasx`
# with its message, instead of when a layer first builds.
backend.backend()
from kerasx import activations, constraints, initializers, regularizers
from kerasx import layers, utils, datasets, preprocessing
from kerasx.engine.input_layer import Input, InputLayer
from kerasx.engine.model import Model
from kerasx.engine.sequential import Sequential
from kerasx import callbacks, config, data
from kerasx import models, saving
from kerasx import losses, metrics, optimizers
from kerasx import distribute, wrappers
from kerasx import applications
