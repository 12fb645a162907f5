"""The `K.` random functions of tf.keras 2.x's backend. Unseeded draws come from the active backend's
generator (on the device); a ``seed`` gives the same values on every call, as tf.keras's seeded
stateless draws do, through the seeded initializers (one home for seeded sampling)."""
from backends.config import floatx
from kerasx import initializers, ops
from kerasx.autodiff.tensor import Variable, as_tensor


def _float(dtype, name):
    dtype = dtype or floatx()
    if dtype not in ("float16", "float32", "float64"):
        raise ValueError(f"{name}: dtype must be a floating type, received {dtype!r}.")
    return dtype


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    dtype = _float(dtype, "random_uniform")
    if seed is not None:
        return initializers.RandomUniform(minval, maxval, seed=seed)(tuple(shape), dtype=dtype)
    return ops.random_uniform(tuple(shape), minval, maxval, dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = _float(dtype, "random_normal")
    if seed is not None:
        return initializers.RandomNormal(mean, stddev, seed=seed)(tuple(shape), dtype=dtype)
    return ops.random_normal(tuple(shape), mean, stddev, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values re-drawn until within two standard deviations of the mean."""
    dtype = _float(dtype, "truncated_normal")
    return initializers.TruncatedNormal(mean, stddev, seed=seed)(tuple(shape), dtype=dtype)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability ``p``, else 0."""
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"random_bernoulli: p must be a probability in [0, 1], received {p}.")
    dtype = _float(dtype, "random_bernoulli")
    if seed is not None:
        uniform = initializers.RandomUniform(0.0, 1.0, seed=seed)(tuple(shape), dtype=dtype)
        return ops.cast(ops.less(uniform, float(p)), dtype)
    return ops.random_bernoulli(tuple(shape), float(p), dtype)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """The deprecated name of `random_bernoulli`, as tf.keras keeps it."""
    return random_bernoulli(shape, p=p, dtype=dtype, seed=seed)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A Variable of uniform samples in ``[low, high)``."""
    return Variable(as_tensor(random_uniform(shape, low, high, dtype=dtype, seed=seed)),
                    name=name or "Variable")


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A Variable of normal samples with mean ``mean`` and standard deviation ``scale``."""
    return Variable(as_tensor(random_normal(shape, mean, scale, dtype=dtype, seed=seed)),
                    name=name or "Variable")
