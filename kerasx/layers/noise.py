"""Regularization layers that add noise in training and are the identity otherwise: GaussianNoise,
GaussianDropout, AlphaDropout, SpatialDropout1D/2D/3D (tf.keras.layers.noise and the spatial dropouts).

As Dropout (kerasx.layers.core_layers), every draw is made on the device by the backend's generator, which
`set_random_seed` seeds; the noise is a constant to the tape, so gradients flow through the input only.
"""
import math

from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.core_layers import Dropout
from kerasx.ops.conv_utils import normalize_data_format

# SELU's constants: AlphaDropout drops to SELU's negative saturation value, -scale * alpha.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_rate(layer_cls, rate):
    if isinstance(rate, (int, float)) and not 0 <= rate < 1:
        raise ValueError(f"Invalid value {rate} received for `rate` of {layer_cls}, expected a value "
                         "between 0 and 1 (1 excluded).")


class _Noise(Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianNoise(_Noise):
    """Adds zero-centred Gaussian noise of standard deviation `stddev` in training."""

    def __init__(self, stddev, seed=None, **kwargs):
        if isinstance(stddev, (int, float)) and stddev < 0:
            raise ValueError(f"Invalid value {stddev} received for `stddev` of GaussianNoise, expected a "
                             "non-negative value.")
        super().__init__(seed=seed, **kwargs)
        self.stddev = stddev

    def call(self, inputs, training=None):
        if not training:
            return inputs
        noise = ops.random_normal(inputs.shape, mean=0.0, stddev=float(self.stddev), dtype=inputs.dtype)
        return ops.add(inputs, noise)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))`` in
    training: the variance of inverted Dropout with the same rate, without its zeros."""

    def __init__(self, rate, seed=None, **kwargs):
        _check_rate("GaussianDropout", rate)
        super().__init__(seed=seed, **kwargs)
        self.rate = rate

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = ops.random_normal(inputs.shape, mean=1.0, stddev=stddev, dtype=inputs.dtype)
        return ops.multiply(inputs, noise)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(_Noise):
    """Dropout for SELU networks: dropped units take SELU's saturation value and an affine map restores
    the mean and variance, so zero-mean unit-variance inputs keep them (self-normalization)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        _check_rate("AlphaDropout", rate)
        super().__init__(seed=seed, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        rate = float(self.rate)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        shape = inputs.shape if not self.noise_shape else tuple(
            inputs.shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))
        kept = ops.random_bernoulli(shape, p=1.0 - rate, dtype=inputs.dtype)
        # a * (x * kept + alpha_p * (1 - kept)) + b, with the constant part computed on the mask alone.
        dropped_value = ops.add(ops.multiply(ops.subtract(1.0, kept), a * alpha_p), b)
        return ops.add(ops.multiply(inputs, ops.multiply(kept, a)), dropped_value)

    def get_config(self):
        # tf.keras writes rate and seed only (noise_shape is not part of its config).
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one draw per (example, channel), shared over the other axes."""

    rank = None

    def __init__(self, rate, data_format=None, **kwargs):
        data_format = normalize_data_format(data_format)
        super().__init__(rate, **kwargs)
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _get_noise_shape(self, inputs):
        shape = inputs.shape
        spatial = (1,) * self.rank
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + spatial
        return (shape[0],) + spatial + (shape[-1],)

    def get_config(self):
        config = super().get_config()
        # tf.keras leaves data_format out of the config and so loses it on reload; it is written here
        # (tf.keras accepts it when reading) so that a channels_first layer survives the round trip.
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of ``(batch, steps, channels)`` inputs."""

    rank = 1

    def __init__(self, rate, **kwargs):
        super().__init__(rate, data_format="channels_last", **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole 2D feature maps; `data_format` says where the channels are."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole 3D feature maps; `data_format` says where the channels are."""

    rank = 3
