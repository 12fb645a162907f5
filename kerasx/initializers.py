"""Weight initializers, as `tf.keras.initializers` (v2).

Values are drawn on the host from NumPy and then moved to the device (DESIGN: one seed gives the same
initial model on every backend). An initializer built with a `seed` gives the same values on every
call; an unseeded one draws from the global host generator (`kerasx.utils.set_random_seed` seeds it).
"""
import inspect
import math

import numpy as np  # host-side: initial values are drawn on the host, then moved to the device

from backends.config import floatx
from kerasx.autodiff.tensor import as_tensor
from kerasx.saving.object_registration import (deserialize_keras_object, register_serialization,
                                               serialize_keras_object)
from kerasx.utils.random import host_generator

# tf.random.truncated_normal re-draws beyond two standard deviations, which shrinks the spread to this
# fraction of the requested stddev; VarianceScaling divides by it to hit the target variance.
_TRUNCATED_STDDEV_FACTOR = 0.87962566103423978


def _dtype(dtype):
    return np.dtype(getattr(dtype, "name", dtype) or floatx())


def _float_dtype(dtype):
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"Expected floating point type, got {dt.name}.")
    return dt


def _check_kwargs(kwargs):
    if kwargs:
        raise TypeError(f"Unknown keyword arguments: {sorted(kwargs)}. Initializers take only `shape` "
                        "and `dtype`.")


def _shape(shape):
    return tuple(int(d) for d in shape)


def _to_device(array, dt):
    return as_tensor(np.array(array, dtype=dt, order="C"), dtype=dt.name)


def _truncated_standard_normal(rng, shape):
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return z


def _compute_fans(shape):
    """(fan_in, fan_out) as tf.keras: conv kernels (HWIO, ...) multiply channels by the receptive field."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = 1
    for d in shape[:-2]:
        receptive_field *= d
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: `initializer(shape, dtype=None)` returns a Tensor of that shape."""

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError(f"abstract: initializer subclass {type(self).__name__} must implement __call__.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)


class _Seeded(Initializer):
    """Shared by the random initializers: a seeded one re-creates its generator on every call."""

    def _rng(self):
        return np.random.default_rng(self.seed) if self.seed is not None else host_generator()


class Zeros(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _dtype(dtype)
        return _to_device(np.zeros(_shape(shape), dt), dt)


class Ones(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _dtype(dtype)
        return _to_device(np.ones(_shape(shape), dt), dt)


class Constant(Initializer):
    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _dtype(dtype)
        shape = _shape(shape)
        value = np.asarray(self.value, dtype=dt)
        if value.size == 1:
            out = np.full(shape, value.reshape(()), dt)
        elif value.size == math.prod(shape):
            out = value.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Value {self.value} "
                            f"has {value.size} elements, but got `shape` {shape} with "
                            f"{math.prod(shape)} elements).")
        return _to_device(out, dt)

    def get_config(self):
        value = self.value
        return {"value": value.tolist() if isinstance(value, np.ndarray) else value}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _dtype(dtype)
        if dt.kind not in "fiu":
            raise ValueError(f"Expected float or integer dtype, got {dt.name}.")
        shape = _shape(shape)
        if dt.kind in "iu":
            return _to_device(self._rng().integers(int(self.minval), int(self.maxval), shape), dt)
        return _to_device(self._rng().uniform(self.minval, self.maxval, shape), dt)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _float_dtype(dtype)
        z = self._rng().standard_normal(_shape(shape))
        return _to_device(self.mean + self.stddev * z, dt)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(_Seeded):
    """Normal values re-drawn until they lie within two standard deviations of the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _float_dtype(dtype)
        z = _truncated_standard_normal(self._rng(), _shape(shape))
        return _to_device(self.mean + self.stddev * z, dt)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Samples scaled to variance ``scale / fan`` (fan_in, fan_out or their mean)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        allowed_modes = {"fan_in", "fan_out", "fan_avg"}
        if mode not in allowed_modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of the "
                             f"{sorted(allowed_modes)}.")
        distribution = distribution.lower()
        # Keras 2 saved configs may say 'normal', its old name for the truncated normal.
        if distribution == "normal":
            distribution = "truncated_normal"
        allowed = {"uniform", "truncated_normal", "untruncated_normal"}
        if distribution not in allowed:
            raise ValueError(f"Invalid `distribution` argument: {distribution}. Allowed distributions: "
                             f"{sorted(allowed)}.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _float_dtype(dtype)
        shape = _shape(shape)
        fan_in, fan_out = _compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            values = math.sqrt(scale) / _TRUNCATED_STDDEV_FACTOR * _truncated_standard_normal(rng, shape)
        elif self.distribution == "untruncated_normal":
            values = math.sqrt(scale) * rng.standard_normal(shape)
        else:
            limit = math.sqrt(3.0 * scale)
            values = rng.uniform(-limit, limit, shape)
        return _to_device(values, dt)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed parameters, configured by its seed alone."""
    _params = ()

    def __init__(self, seed=None):
        scale, mode, distribution = self._params
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    _params = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    _params = (1.0, "fan_avg", "truncated_normal")


class LecunNormal(_Preset):
    _params = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    _params = (1.0, "fan_in", "uniform")


class HeNormal(_Preset):
    _params = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    _params = (2.0, "fan_in", "uniform")


class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample, reshaped to `shape`
    (rows are the product of all axes but the last)."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _float_dtype(dtype)
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. Received: "
                             f"shape={shape} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        # Fixing the signs by diag(r) makes the result uniformly distributed over orthogonal matrices.
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _to_device(self.gain * q.reshape(shape), dt)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        _check_kwargs(kwargs)
        dt = _float_dtype(dtype)
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. Received: "
                             f"shape={shape} of rank {len(shape)}.")
        return _to_device(self.gain * np.eye(*shape), dt)

    def get_config(self):
        return {"gain": self.gain}


# Keras's snake_case aliases are the classes themselves: `initializers.constant(2.0)` is an instance.
zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_uniform = uniform = RandomUniform
random_normal = normal = RandomNormal
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
he_normal = HeNormal
he_uniform = HeUniform
orthogonal = Orthogonal
identity = Identity

_ALL_OBJECTS = {name: obj for name, obj in dict(globals()).items()
                if inspect.isclass(obj) and issubclass(obj, Initializer) and not name.startswith("_")}


def serialize(initializer):
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=_ALL_OBJECTS, custom_objects=custom_objects,
                                    printable_module_name="initializer")


def get(identifier):
    """An initializer from a name, a config dict, an instance, a class or any callable."""
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier() if inspect.isclass(identifier) else identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


# Found by name where importing this module would close a cycle (`utils.warmstart_embedding_matrix`).
register_serialization("initializer", serialize=serialize, deserialize=deserialize, get=get)
