"""Which kernels the NumPy backend runs: the generic NumPy kernels, or oneDNN's (`onednn_backend`).

``KERASX_CPU_KERNELS`` (``auto``, ``numpy`` or ``onednn``), else the ``cpu_kernels`` field of the config
file, else ``auto``: oneDNN when its library is installed (``pip install kerasx[onednn]``), NumPy otherwise.
Only the file system is looked at here; the library itself loads on the first kernel that needs it.
"""
import os

from backends import onednn_library
from backends.config import DEFAULTS, config_path, read_config

VARIABLE = "KERASX_CPU_KERNELS"
CHOICES = ("auto", "numpy", "onednn")


class OneDNNUnavailableError(RuntimeError):
    """oneDNN kernels were asked for explicitly, but the library is not installed."""


def choice():
    """``(provider, source)``: the environment, else the config file, else 'auto'."""
    value = os.environ.get(VARIABLE, "").strip().lower()
    source = f"the {VARIABLE} environment variable"
    if not value:
        value = str(read_config().get("cpu_kernels", DEFAULTS["cpu_kernels"])).lower()
        source = f"the 'cpu_kernels' field of {config_path()}"
    if value not in CHOICES:
        raise ValueError(f"Unknown CPU kernel provider {value!r} (from {source}): expected one of "
                         f"{', '.join(repr(c) for c in CHOICES)}.")
    return value, source


def use_onednn():
    """Whether the NumPy backend is made with oneDNN kernels (see the module docstring)."""
    provider, source = choice()
    if provider == "numpy":
        return False
    installed = onednn_library.find() is not None
    if provider == "onednn" and not installed:
        raise OneDNNUnavailableError(
            f"oneDNN kernels were selected (by {source}) but the oneDNN library is not installed: "
            "`pip install kerasx[onednn]`, or select KERASX_CPU_KERNELS=numpy.")
    return installed
