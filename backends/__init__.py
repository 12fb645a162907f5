"""Kernel backends: `get()` returns the active one.

Selection order: `set_backend(name)`, else the ``KERAS_BACKEND`` environment variable, else ``backend``
in ``$KERASX_HOME/kerasx.json`` (default ``~/.kerasx``), else ``numpy``. The ``numpy`` backend runs oneDNN's
kernels where they are installed, unless ``KERASX_CPU_KERNELS=numpy`` (`backends.cpu_kernels`).
"""
import os

from backends.base import Backend
from backends import cpu_kernels
from backends.config import config_path, read_config
from backends.cupy_backend import CupyUnavailableError

_FACTORIES = {
    "numpy": lambda: (_load("backends.onednn_backend", "OneDNNNumpyBackend") if cpu_kernels.use_onednn()
                      else _load("backends.numpy_backend", "NumpyBackend")),
    "cupy": lambda: _load("backends.cupy_backend", "CupyBackend"),
    # Test-only: NumPy with CuPy's host/device rules made strict (backends/strict_backend.py).
    "strict": lambda: _load("backends.strict_backend", "StrictBackend"),
}
_active = None


def _load(module, cls):
    import importlib
    return getattr(importlib.import_module(module), cls)()


def available():
    """Names of the backends that can run on this machine."""
    names = []
    for name in _FACTORIES:
        try:
            make(name)
        except (RuntimeError, ImportError):
            continue
        names.append(name)
    return names


def make(name, source="set_backend()"):
    """A new backend instance by name; a clear error for an unknown name or one that cannot run.

    `source` says where the name came from, so the error points at what the user has to change."""
    if name not in _FACTORIES:
        raise ValueError(
            f"Unknown backend {name!r} (from {source}): expected one of "
            f"{', '.join(repr(n) for n in _FACTORIES)}.")
    return _FACTORIES[name]()


def _default_choice():
    """``(name, source)``: the environment, else the config file, else numpy."""
    name = os.environ.get("KERAS_BACKEND", "").strip()
    if name:
        return name.lower(), "the KERAS_BACKEND environment variable"
    return str(read_config()["backend"]).lower(), f"the 'backend' field of {config_path()}"


def default_name():
    """The backend name from the environment, else the config file, else numpy."""
    return _default_choice()[0]


def set_backend(name):
    """Makes `name` the active backend and returns it.

    A `Backend` instance (one returned earlier) is reactivated as it is, keeping its random generator:
    benchmarks and tests switch between backends without rebuilding them."""
    global _active
    _active = name if isinstance(name, Backend) else make(name)
    return _active


def get():
    """The active backend, created on first use."""
    global _active
    if _active is None:
        _active = make(*_default_choice())
    return _active


__all__ = ["Backend", "CupyUnavailableError", "available", "default_name", "get", "make", "set_backend"]
