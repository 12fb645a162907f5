"""Tensors made from nothing: constants and random draws (not differentiable)."""
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
