"""The CUDA sources of `backends/cuda/`, compiled with `cupy.RawModule` on first use and kept per process.

Every kernel comes in one version per floating dtype, named ``<name>_f32`` and ``<name>_f64``; the
launch helpers run one thread per element over a grid-stride loop, so any size fits in the grid."""
import os

CUDA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cuda")
SUFFIX = {"float32": "f32", "float64": "f64"}
THREADS = 256
MAX_BLOCKS = 1 << 20  # the kernels loop grid-stride past this

_modules = {}  # source path -> cupy.RawModule


def source(name):
    """The path of ``backends/cuda/<name>``."""
    return os.path.join(CUDA_DIR, name)


def function(xp, path, name, dtype):
    """Kernel ``<name>_<f32|f64>`` of the CUDA source at `path`, for arrays of `dtype`."""
    module = _modules.get(path)
    if module is None:
        with open(path, encoding="utf-8") as f:
            module = _modules[path] = xp.RawModule(code=f.read())
    return module.get_function(f"{name}_{SUFFIX[dtype.name]}")


def blocks(total):
    """The grid size for `total` threads of `THREADS` each, capped (the kernels loop past the cap)."""
    return min((total + THREADS - 1) // THREADS, MAX_BLOCKS)
