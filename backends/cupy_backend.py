"""The CUDA backend: the generic kernels over CuPy.

CuPy imports without a GPU; only the first allocation needs a driver. `check_device()` turns that
late, deep failure into one clear error at selection time.
"""
from backends.generic import XPBackend


class CupyUnavailableError(RuntimeError):
    """The CuPy backend was selected but cannot run here."""


def import_cupy():
    """The `cupy` module, or a `CupyUnavailableError` saying which extra to install."""
    try:
        import cupy
    except ImportError as e:
        raise CupyUnavailableError(
            "KERAS_BACKEND=cupy needs CuPy, which is not installed. Install the extra that matches your "
            "CUDA toolkit: `pip install kerasx[cuda12]` (CUDA 12) or `pip install kerasx[cuda13]` "
            f"(CUDA 13). ({e})") from e
    return cupy


def check_device(cupy):
    """Raises `CupyUnavailableError` unless a CUDA device can be used."""
    try:
        available = cupy.is_available()
    except Exception as e:  # CuPy raises driver-specific errors when no driver is loaded.
        available = False
        reason = f" ({type(e).__name__}: {e})"
    else:
        reason = ""
    if not available:
        raise CupyUnavailableError(
            "KERAS_BACKEND=cupy needs a CUDA device, but CuPy found none" + reason + ". Use "
            "KERAS_BACKEND=numpy (the CPU backend) on this machine.")


class CupyBackend(XPBackend):
    name = "cupy"

    def __init__(self):
        cupy = import_cupy()
        check_device(cupy)
        self.xp = cupy
        super().__init__()

    def to_numpy(self, x):
        # np.asarray on a device array raises; asnumpy is the one explicit host copy.
        return self.xp.asnumpy(x)

    def synchronize(self):
        self.xp.cuda.get_current_stream().synchronize()
