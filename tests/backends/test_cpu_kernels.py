"""Choosing the NumPy backend's kernel provider (backends/cpu_kernels.py): KERASX_CPU_KERNELS, else the
config file's ``cpu_kernels`` field, else oneDNN where installed; ``K.backend()`` stays 'numpy' and
``K.kernel_info()`` tells which kernels run."""
import json

import pytest

import backends
from backends import config as k_config
from backends import cpu_kernels, onednn_library
from backends.numpy_backend import NumpyBackend
from backends.onednn_backend import OneDNNNumpyBackend
from kerasx import backend as K


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """No active backend, no provider variables, an empty $KERASX_HOME; restored after. Returns a function
    writing the config file."""
    monkeypatch.setattr(backends, "_active", None)
    monkeypatch.setattr(k_config, "_settings", None)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.delenv(cpu_kernels.VARIABLE, raising=False)
    monkeypatch.setenv("KERASX_HOME", str(tmp_path))

    def write(content):
        (tmp_path / "kerasx.json").write_text(json.dumps(content))
        return str(tmp_path / "kerasx.json")
    return write


def test_oneDNN_runs_by_default_where_installed(fresh):
    installed = onednn_library.find() is not None
    b = backends.make("numpy")
    assert type(b) is (OneDNNNumpyBackend if installed else NumpyBackend)
    assert b.name == "numpy"
    backends._active = b
    assert K.backend() == "numpy"
    info = K.kernel_info()
    assert info.startswith("numpy backend: ") and "\n" not in info
    if installed and onednn_library.library() is not None:
        assert "oneDNN 3." in info


def test_environment_variable_selects_the_numpy_kernels(fresh, monkeypatch):
    monkeypatch.setenv(cpu_kernels.VARIABLE, "numpy")
    b = backends.make("numpy")
    assert type(b) is NumpyBackend
    backends._active = b
    assert K.kernel_info() == "numpy backend: the generic kernels over numpy"


def test_config_field_selects_the_numpy_kernels_and_the_variable_wins(fresh, monkeypatch):
    fresh({"cpu_kernels": "numpy"})
    assert type(backends.make("numpy")) is NumpyBackend
    if onednn_library.find() is not None:
        monkeypatch.setenv(cpu_kernels.VARIABLE, "onednn")
        assert type(backends.make("numpy")) is OneDNNNumpyBackend


def test_unknown_provider_names_its_source(fresh, monkeypatch):
    monkeypatch.setenv(cpu_kernels.VARIABLE, "mkl")
    with pytest.raises(ValueError, match=r"Unknown CPU kernel provider 'mkl' \(from the KERASX_CPU_KERNELS "
                                         r"environment variable\): expected one of 'auto', 'numpy', 'onednn'"):
        backends.make("numpy")
    monkeypatch.delenv(cpu_kernels.VARIABLE)
    path = fresh({"cpu_kernels": "blas"})
    with pytest.raises(ValueError, match=rf"{path}: 'cpu_kernels' must be one of \('auto', 'numpy', 'onednn'\), "
                                         r"received 'blas'"):
        backends.make("numpy")


def test_asking_for_onednn_without_it_names_the_extra(fresh, monkeypatch):
    monkeypatch.setenv(cpu_kernels.VARIABLE, "onednn")
    monkeypatch.setattr(onednn_library, "find", lambda: None)
    with pytest.raises(cpu_kernels.OneDNNUnavailableError,
                       match=r"selected \(by the KERASX_CPU_KERNELS environment variable\) but the oneDNN library "
                             r"is not installed: `pip install kerasx\[onednn\]`"):
        backends.make("numpy")
    monkeypatch.setenv(cpu_kernels.VARIABLE, "auto")
    assert type(backends.make("numpy")) is NumpyBackend


def test_strict_backend_keeps_the_generic_kernels(fresh):
    assert not isinstance(backends.make("strict"), OneDNNNumpyBackend)
