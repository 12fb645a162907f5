"""Finding and loading oneDNN's shared library, once, lazily.

The ``onednn-cpu-gomp`` wheel installs ``libdnnl.so.3`` into ``<prefix>/lib``, which is not on the dynamic
loader's path, so the file is looked for there (the environment's prefix, the base interpreter's, the
user base of ``pip install --user``), unless ``KERASX_ONEDNN_LIBRARY`` names a file. `find()` only looks
at the file system (cheap: backend selection calls it); `library()` loads the file on first use (about 50 MB
of code, so not at import), checks ``dnnl_version()`` against the headers of `onednn_capi`, and on any
failure warns once, naming the file, and returns None from then on: the caller runs the NumPy kernels.
"""
import ctypes
import os
import site
import sys
import warnings

from backends import onednn_capi as capi

LIBRARY_NAMES = ("libdnnl.so.3", "libdnnl.so")
PATH_VARIABLE = "KERASX_ONEDNN_LIBRARY"


class OneDNNError(RuntimeError):
    """A oneDNN call returned an error status, or the library cannot be used."""


class OneDNNLibrary:
    """A loaded, checked libdnnl: the bound ``ctypes.CDLL``, its file and its version."""

    def __init__(self, cdll, path, version):
        self.cdll = cdll
        self.path = path
        self.version = version  # (major, minor, patch)

    def version_string(self):
        return ".".join(str(v) for v in self.version)

    def threads(self):
        """How many OpenMP threads oneDNN's next primitive runs on: libgomp's ``omp_get_max_threads()``,
        found through libdnnl's own dependencies (the libgomp it runs on, whatever else is loaded). It
        follows ``OMP_NUM_THREADS`` at start and threadpoolctl's ``threadpool_limits`` afterwards (which
        sets OpenBLAS's count and libgomp's together: the one setting for both pools). None where the
        build has no OpenMP runtime to ask."""
        fn = getattr(self.cdll, "omp_get_max_threads", None)
        if fn is None:
            return None
        fn.restype, fn.argtypes = ctypes.c_int, []
        return int(fn())


def _prefixes():
    seen = []
    for p in (sys.prefix, sys.base_prefix, getattr(site, "USER_BASE", None)):
        if p and p not in seen:
            seen.append(p)
    return seen


def find():
    """The path of the library to load, or None when oneDNN is not installed (no file looked for exists)."""
    explicit = os.environ.get(PATH_VARIABLE, "").strip()
    if explicit:
        return explicit
    for prefix in _prefixes():
        for name in LIBRARY_NAMES:
            path = os.path.join(prefix, "lib", name)
            if os.path.isfile(path):
                return path
    return None


def load(path):
    """Loads and checks the library at `path`; `OneDNNError` says what is wrong with it."""
    try:
        cdll = ctypes.CDLL(path)
        capi.bind(cdll)
    except (OSError, AttributeError) as e:
        raise OneDNNError(f"cannot load it ({e})") from None
    v = cdll.dnnl_version().contents
    version = (v.major, v.minor, v.patch)
    want = capi.HEADER_VERSION
    if v.major != want[0] or v.minor < want[1]:
        raise OneDNNError(
            f"it is oneDNN {'.'.join(map(str, version))}, and kerasx's binding is written against the "
            f"v{want[0]}.{want[1]} headers (needs {want[0]}.x with x >= {want[1]})")
    return OneDNNLibrary(cdll, path, version)


_state = {"tried": False, "library": None, "error": None}


def library():
    """The loaded library, or None (not installed, or broken: then one warning was given)."""
    if not _state["tried"]:
        _state["tried"] = True
        path = find()
        if path is not None:
            try:
                _state["library"] = load(path)
            except OneDNNError as e:
                _state["error"] = f"{path}: {e}"
                warnings.warn(
                    f"kerasx: the oneDNN library {path} cannot be used: {e}. Running the NumPy kernels "
                    "instead (reinstall with `pip install kerasx[onednn]`, or set KERASX_CPU_KERNELS=numpy "
                    "to silence this).", RuntimeWarning, stacklevel=3)
    return _state["library"]


def load_error():
    """Why the last `library()` call found no usable library (None if it did, or if none is installed)."""
    return _state["error"]


def reset():
    """Forgets the load attempt (tests point `KERASX_ONEDNN_LIBRARY` elsewhere and load again)."""
    _state.update(tried=False, library=None, error=None)
