"""The CUDA backend: the generic kernels over CuPy.

CuPy imports without a GPU; only the first allocation needs a driver. `check_device()` turns that
late, deep failure into one clear error at selection time.
"""
from backends.cupy_conv import CupyConvolutionKernels
from backends.cupy_nccl import CupyCollectiveKernels
from backends.cupy_pool import CupyPoolingKernels
from backends.cupy_rnn import CupyRecurrentKernels
from backends.generic import XPBackend


class CupyUnavailableError(RuntimeError):
    """The CuPy backend was selected but cannot run here.

    Raised without a chained cause: the message is the whole story, and the user should not have to read
    a traceback from inside CuPy's import machinery or its CUDA runtime bindings to learn what to do."""


def _first_line(e):
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0] if text else ''}"


def import_cupy():
    """The `cupy` module, or a `CupyUnavailableError` saying which extra to install."""
    try:
        import cupy
    except ImportError as e:
        reason = _first_line(e)
    else:
        return cupy
    raise CupyUnavailableError(
        "The 'cupy' backend needs CuPy, which could not be imported. Install the extra that matches "
        "your CUDA toolkit: `pip install kerasx[cuda12]` (CUDA 12) or `pip install kerasx[cuda13]` "
        f"(CUDA 13), or select KERAS_BACKEND=numpy. ({reason})")


def check_device(cupy):
    """Raises `CupyUnavailableError` unless a CUDA device can be used."""
    try:
        available = cupy.is_available()
    except Exception as e:  # CuPy raises driver-specific errors when no driver is loaded.
        available, reason = False, f" ({_first_line(e)})"
    else:
        reason = ""
    if not available:
        raise CupyUnavailableError(
            f"The 'cupy' backend needs a CUDA device, but CuPy found none{reason}. Check the NVIDIA "
            "driver (`nvidia-smi`), or select KERAS_BACKEND=numpy to run on the CPU.")


class CupyBackend(CupyCollectiveKernels, CupyConvolutionKernels, CupyPoolingKernels, CupyRecurrentKernels,
                  XPBackend):
    name = "cupy"
    # An optimizer update in one block: a GPU has no per-core cache to fit, and fewer launches are faster.
    update_block_elements = 1 << 62
    # The generic max-pool gradient (other dtypes than the CUDA kernels') over the whole batch at once.
    pool_chunk_bytes = 1 << 62
    # Batch norm over the last axis in one chunk: its sums are cuBLAS GEMVs, no cache to fit.
    norm_chunk_bytes = 1 << 62
    # Attention over every batch entry and head at once: two batched cuBLAS GEMMs per pass.
    attention_chunk_bytes = 1 << 62

    def __init__(self):
        cupy = import_cupy()
        check_device(cupy)
        self.xp = cupy
        super().__init__()

    def to_numpy(self, x):
        # np.asarray on a device array raises; asnumpy is the one explicit host copy (and a device sync).
        self.transfers.to_host += 1
        return self.xp.asnumpy(x)

    def synchronize(self):
        self.xp.cuda.get_current_stream().synchronize()
