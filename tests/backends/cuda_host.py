"""The CUDA sources of `backends/cuda/` built as plain C++ for the host, so that their arithmetic is
tested on machines without a GPU: one 'thread' (index 0 of a one-block grid) walks each kernel's whole
grid-stride loop. Called through ctypes with NumPy arrays where the CuPy backend passes device arrays."""
import ctypes
import os
import shutil
import subprocess

import numpy as np
import pytest

_SHIM = """
#include <math.h>
struct Dim3 { unsigned x, y, z; };
static const Dim3 blockIdx = {0, 0, 0}, threadIdx = {0, 0, 0}, blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
#define __global__
#define __device__
#define __restrict__
#include "%s"
"""


def build(tmp_path_factory, source):
    """`source` (a .cu path) compiled into a shared library for the host, or a skip without a C++
    compiler."""
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no C++ compiler on PATH to build the CUDA sources for the host")
    tmp = tmp_path_factory.mktemp("cuda_host")
    name = os.path.splitext(os.path.basename(source))[0]
    src, lib = tmp / f"{name}_shim.cpp", tmp / f"{name}_host.so"
    src.write_text(_SHIM % os.path.abspath(source))
    proc = subprocess.run([cxx, "-O1", "-shared", "-fPIC", "-x", "c++", str(src), "-o", str(lib)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return ctypes.CDLL(str(lib))


def c_argument(value):
    """A CuPy-style kernel argument as ctypes takes it: arrays by pointer, NumPy scalars by C type."""
    if isinstance(value, np.ndarray):
        assert value.flags.c_contiguous, "a kernel argument must be C-contiguous"
        return ctypes.c_void_p(value.ctypes.data)
    if isinstance(value, np.int64):
        return ctypes.c_longlong(int(value))
    if isinstance(value, np.int32):
        return ctypes.c_int(int(value))
    raise TypeError(f"no C type for kernel argument {value!r}")


def launcher(lib, name):
    """A callable like a `cupy.RawModule` function: ``f(grid, block, args)``."""
    function = getattr(lib, name)

    def launch(grid, block, args):
        function(*[c_argument(a) for a in args])
    return launch


def cupy_backend_or_skip():
    """The CuPy backend, for the overrides' parity tests against the generic kernels; a skip, with the
    reason, where it cannot run (no CuPy, or no CUDA device)."""
    import backends
    try:
        return backends.make("cupy")
    except (RuntimeError, ImportError) as e:
        pytest.skip(f"cupy backend unavailable here: {e}")
