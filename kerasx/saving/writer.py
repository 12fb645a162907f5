"""Who wrote a file: the kerasx version and the active backend's name, the root attributes
(``keras_version``, ``backend``) that tf.keras writes into .h5 files and JSON configs.

The one saving module that asks the kernel package anything, and only for a name."""
import backends
from kerasx.version import __version__


def writer_backend():
    """The name of the backend writing the file ('numpy', 'cupy'), as tf.keras writes 'tensorflow'."""
    return backends.get().name


__all__ = ["__version__", "writer_backend"]
