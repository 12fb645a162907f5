"""Tensors made from nothing: constants and random draws (not differentiable)."""
import random

import backends
from backends.config import floatx
from kerasx.autodiff.tensor import Tensor


def _dtype(dtype):
    return floatx() if dtype is None else dtype


def zeros(shape, dtype=None):
    return Tensor(backends.get().zeros(tuple(shape), _dtype(dtype)))


def ones(shape, dtype=None):
    return Tensor(backends.get().ones(tuple(shape), _dtype(dtype)))


def fill(shape, value, dtype=None):
    return Tensor(backends.get().full(tuple(shape), value, _dtype(dtype)))


def zeros_like(x, dtype=None):
    return Tensor(backends.get().zeros(x.shape, dtype or x.dtype))


def ones_like(x, dtype=None):
    return Tensor(backends.get().ones(x.shape, dtype or x.dtype))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None):
    return Tensor(backends.get().uniform(tuple(shape), minval, maxval, _dtype(dtype)))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None):
    return Tensor(backends.get().normal(tuple(shape), mean, stddev, _dtype(dtype)))


def random_bernoulli(shape, p=0.5, dtype=None):
    return Tensor(backends.get().bernoulli(tuple(shape), p, _dtype(dtype)))


class SeedGenerator:
    """The random draws of one layer with a `seed` (tf.keras's per-layer generator): draws that repeat
    for a given seed, whatever else the program draws. Without a seed they come from the global
    generators that `set_random_seed` seeds (the backend's on the device, Python's on the host).

    `uniform` draws on the device; `host_uniform` draws one Python float, for what must be known on the
    host (a crop offset, a new image size)."""

    def __init__(self, seed=None):
        self.seed = seed
        self._backend = None
        self._generator = None
        self._host = random.Random(seed) if seed is not None else random

    def _device_generator(self, backend):
        if self.seed is None:
            return None
        if backend is not self._backend:  # one generator per backend, each starting from the seed
            self._backend, self._generator = backend, backend.generator(self.seed)
        return self._generator

    def uniform(self, shape, minval=0.0, maxval=1.0, dtype=None):
        backend = backends.get()
        return Tensor(backend.uniform(tuple(shape), minval, maxval, _dtype(dtype),
                                      generator=self._device_generator(backend)))

    def host_uniform(self, minval=0.0, maxval=1.0):
        return self._host.uniform(minval, maxval)

    def host_randint(self, low, high):
        """A Python int in [low, high], both included."""
        return self._host.randint(low, high)
