"""Finding, loading and checking the oneDNN library (backends/onednn_library.py): a broken file or a
version the binding was not written for gives one warning naming the file, and the NumPy kernels run."""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from backends import onednn_capi, onednn_library
from backends.numpy_backend import NumpyBackend
from backends.onednn_backend import OneDNNNumpyBackend
from tests.backends.onednn_host import backends_or_skip


@pytest.fixture
def fresh_load(monkeypatch):
    """Forgets the process's load attempt before and after the test."""
    onednn_library.reset()
    yield monkeypatch
    monkeypatch.undo()
    onednn_library.reset()


def test_broken_library_warns_once_naming_the_file_and_numpy_runs(fresh_load, tmp_path):
    bad = tmp_path / "libdnnl.so.3"
    bad.write_bytes(b"not a shared object")
    fresh_load.setenv(onednn_library.PATH_VARIABLE, str(bad))
    assert onednn_library.find() == str(bad)
    backend = OneDNNNumpyBackend()
    x, k = np.ones((1, 5, 5, 2), "float32"), np.ones((3, 3, 2, 3), "float32")
    with pytest.warns(RuntimeWarning, match=r"the oneDNN library .*libdnnl\.so\.3 cannot be used") as record:
        out = backend.conv(x, k, (1, 1), ((0, 0), (0, 0)), (1, 1))
    assert len(record) == 1
    np.testing.assert_array_equal(out, NumpyBackend().conv(x, k, (1, 1), ((0, 0), (0, 0)), (1, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning
        assert OneDNNNumpyBackend()._onednn_plans() is None
        assert onednn_library.library() is None
    info = backend.kernel_info()
    assert "generic kernels over numpy" in info and str(bad) in info and "\n" not in info


def test_version_check_names_both_versions(fresh_load):
    backends_or_skip()
    path = onednn_library.find()
    assert onednn_library.load(path).version[:2] >= onednn_capi.HEADER_VERSION
    fresh_load.setattr(onednn_capi, "HEADER_VERSION", (3, 99))
    with pytest.raises(onednn_library.OneDNNError, match=r"it is oneDNN 3\.\d+\.\d+.*v3\.99 headers"):
        onednn_library.load(path)
    fresh_load.setattr(onednn_capi, "HEADER_VERSION", (4, 0))
    with pytest.raises(onednn_library.OneDNNError, match=r"needs 4\.x"):
        onednn_library.load(path)


def test_loaded_library_reports_its_version_and_file():
    fast, _ = backends_or_skip()
    lib = onednn_library.library()
    assert lib.version[0] == 3 and lib.path == onednn_library.find()
    assert f"oneDNN {lib.version_string()} kernels ({lib.path}, " in fast.kernel_info()


def _threads_seen(env_threads, code):
    script = ("import backends.onednn_backend as ob; b = ob.OneDNNNumpyBackend(); b.onednn_off = frozenset()\n"
              "import numpy as np; lib = ob.onednn_library.library()\n" + code)
    env = {"PATH": "/usr/bin:/bin", "KERAS_BACKEND": "numpy"}
    if env_threads is not None:
        env["OMP_NUM_THREADS"] = str(env_threads)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env,
                          timeout=120).stdout.split("|")


def test_the_thread_count_follows_omp_num_threads_and_threadpoolctl():
    backends_or_skip()
    pytest.importorskip("threadpoolctl")
    out = _threads_seen(1, "print(lib.threads(), b.kernel_info(), sep='|')")
    assert out[0] == "1" and "1 OpenMP thread)" in out[1]
    out = _threads_seen(2, "print(lib.threads(), b.kernel_info(), sep='|')")
    assert out[0] == "2" and "2 OpenMP threads)" in out[1]
    # threadpoolctl's limit (OpenBLAS's and OpenMP's pools at once) reaches oneDNN's next primitive, and is
    # undone on leaving the block.
    code = ("from threadpoolctl import threadpool_limits\n"
            "x = np.ones((1, 6, 6, 2), 'float32'); k = np.ones((3, 3, 2, 4), 'float32')\n"
            "with threadpool_limits(1):\n"
            "    y = b.conv(x, k, (1, 1), ((0, 0), (0, 0)), (1, 1)); inside = lib.threads()\n"
            "print(inside, lib.threads(), float(y.sum()), sep='|')")
    inside, after, total = _threads_seen(2, code)
    assert (inside, after) == ("1", "2") and float(total) == 4 * 4 * 4 * 18.0


def test_making_the_backend_does_not_load_the_library():
    # Import cost: the 50 MB library is mapped on the first kernel that needs it, not at import.
    code = ("import kerasx, backends; b = backends.get(); "
            "maps = open('/proc/self/maps').read(); print(type(b).__name__, 'libdnnl' in maps)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "KERAS_BACKEND": "numpy"}).stdout.split()
    assert out[1] == "False", out
