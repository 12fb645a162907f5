"""Shared by the oneDNN tests: a oneDNN-backed NumPy backend and the generic one to compare it with, or a
skip naming why oneDNN cannot run here."""
import pytest

from backends import onednn_library
from backends.numpy_backend import NumpyBackend
from backends.onednn_backend import OneDNNNumpyBackend


def backends_or_skip():
    """``(oneDNN backend with every family on, generic NumPy backend)``; skips when the library is missing
    or unusable."""
    if onednn_library.find() is None:
        pytest.skip("oneDNN is not installed here (pip install kerasx[onednn])")
    if onednn_library.library() is None:
        pytest.skip(f"the oneDNN library cannot be used: {onednn_library.load_error()}")
    fast = OneDNNNumpyBackend()
    fast.onednn_off = frozenset()
    return fast, NumpyBackend()


def served(backend, op):
    """The implementation names of the plans for `op` that oneDNN served (empty: it fell back)."""
    return [impl for key, (impl, _) in backend.onednn_implementations().items() if key[0] == op]
