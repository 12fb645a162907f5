"""Kernel backends: `get()` returns the active one.

Selection order: `set_backend(name)`, else the ``KERAS_BACKEND`` environment variable, else ``backend``
in ``$KERASX_HOME/kerasx.json`` (default ``~/.kerasx``), else ``numpy``.
"""
import os

from backends.base import Backend
from backends.config import read_config

_FACTORIES = {
    "numpy": lambda: _load("backends.numpy_backend", "NumpyBackend"),
    "cupy": lambda: _load("backends.cupy_backend", "CupyBackend"),
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


def make(name):
    """A new backend instance by name; a clear error for an unknown name or one that cannot run."""
    if name not in _FACTORIES:
        raise ValueError(
            f"Unknown backend {name!r}: expected one of {', '.join(repr(n) for n in _FACTORIES)} "
            "(set with KERAS_BACKEND or the 'backend' field of kerasx.json).")
    return _FACTORIES[name]()


def default_name():
    """The backend name from the environment, else the config file, else numpy."""
    name = os.environ.get("KERAS_BACKEND")
    if name:
        return name.strip().lower()
    return str(read_config()["backend"]).lower()


def set_backend(name):
    """Makes `name` the active backend and returns it."""
    global _active
    _active = make(name)
    return _active


def get():
    """The active backend, created on first use."""
    global _active
    if _active is None:
        _active = make(default_name())
    return _active



__all__ = ["Backend", "available", "default_name", "get", "make", "set_backend"]
