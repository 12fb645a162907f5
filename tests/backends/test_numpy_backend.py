"""The NumPy backend's overrides: each gives the same result as the generic kernel it replaces
(STYLE.md 4). An override added without an entry in `PARITY` fails the first test."""
import numpy as np
import pytest

from backends.generic import XPBackend
from backends.numpy_backend import NumpyBackend

# Overrides that are device plumbing rather than numeric kernels, so have no parity case.
PLUMBING = {"name", "xp", "to_numpy", "synchronize"}

# kernel name -> function(rng) giving the positional host arguments of one parity case.
PARITY = {}


def _overrides():
    return sorted(k for k, v in vars(NumpyBackend).items()
                  if not k.startswith("_") and k not in PLUMBING and callable(v))


def test_every_override_has_a_parity_case():
    missing = sorted(set(_overrides()) - set(PARITY))
    assert not missing, f"NumpyBackend overrides without a parity case in PARITY: {missing}"


@pytest.mark.parametrize("name", _overrides())
def test_override_matches_generic(name):
    b = NumpyBackend()
    args = PARITY[name](np.random.default_rng(0))
    fast = getattr(b, name)(*args)
    generic = getattr(XPBackend, name)(b, *args)
    assert fast.dtype == generic.dtype and fast.shape == generic.shape
    np.testing.assert_allclose(fast, generic, rtol=1e-6, atol=0)
