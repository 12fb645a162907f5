"""Helpers shared by the kernel tests (`tests/backends/test_kernels*.py`): the coverage registry and the
NumPy-reference checks. Tolerances follow CUPY.md: rtol 1e-4 for elementwise kernels, 1e-3 for
reductions and GEMM (a GPU may sum in another order)."""
import contextlib
import warnings

import numpy as np

EW, RED = 1e-4, 1e-3

# Kernels covered by a test in tests/backends/test_kernels*.py; `test_every_kernel_is_covered` keeps
# this list honest.
COVERED = set()


def covers(*names):
    COVERED.update(names)
    return lambda fn: fn


@contextlib.contextmanager
def strict_floats():
    """Overflow, division by zero and NaN raise (NumPy) or warn-as-error; underflow to 0 is fine."""
    strict = np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")
    with warnings.catch_warnings(), strict:
        warnings.simplefilter("error")
        yield


def rand(*shape, low=-2.0, high=2.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype("float32")


def dev(backend, x):
    return backend.asarray(np.asarray(x))


def host(backend, x):
    out = backend.to_numpy(x)
    assert isinstance(out, np.ndarray)
    return out


def check(backend, out, ref, rtol=EW, atol=1e-6, dtype="float32"):
    """`out` (device) equals `ref` (host) in shape, dtype and value."""
    ref = np.asarray(ref)
    got = host(backend, out)
    assert got.shape == ref.shape
    assert backend.dtype_name(out) == dtype
    np.testing.assert_allclose(got, ref.astype(got.dtype), rtol=rtol, atol=atol)
