"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Identity (tf.keras.layers.core)."""
import math

from kerasx import activations, ops
from kerasx.autodiff.nest import map_structure
from kerasx.autodiff.tensor import as_tensor, is_float_dtype
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.weight_arguments import (add_bias, add_configured_weight, serialize_arguments,
                                            store_weight_arguments)
from kerasx.ops.conv_utils import normalize_data_format


def _shape_tuple(shape):
    return tuple(None if d is None else int(d) for d in shape)


_DENSE_CONFIG = ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                 "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                 "bias_constraint")


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``; inputs of rank > 2 are contracted on their last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        if isinstance(units, bool) or not _is_whole(units) or int(units) <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive integer. "
                             f"Received: units={units}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        store_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        store_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        if not is_float_dtype(self.dtype):
            raise TypeError("A Dense layer can only be built with a floating-point dtype. Received: "
                            f"dtype={self.dtype}")
        input_shape = _shape_tuple(input_shape)
        last_dim = input_shape[-1] if input_shape else None
        if last_dim is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be defined. Found "
                             f"None. Full input shape received: {input_shape}")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.kernel = add_configured_weight(self, "kernel", (last_dim, self.units))
        self.bias = add_bias(self, (self.units,))
        self.built = True

    def call(self, inputs):
        if inputs.dtype != self.dtype:
            inputs = ops.cast(inputs, dtype=self.dtype)
        if self.use_bias:
            # The common relu case runs as one fused kernel (bias and relu in place on the GEMM output).
            fused_relu = self.activation is activations.relu
            outputs = ops.dense(inputs, self.kernel, self.bias, relu=fused_relu)
            return outputs if fused_relu else self.activation(outputs)
        return self.activation(ops.matmul(inputs, self.kernel))

    def compute_output_shape(self, input_shape):
        input_shape = _shape_tuple(input_shape)
        if len(input_shape) < 2:
            raise ValueError(f"Shape {input_shape} must have rank at least 2")
        if input_shape[-1] is None:
            raise ValueError("The last dimension of the input shape of a Dense layer should be defined. "
                             f"Found None. Received: input_shape={input_shape}")
        return input_shape[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, _DENSE_CONFIG))
        return config


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Zeroes a fraction `rate` of the inputs during training and scales the rest by 1 / (1 - rate)
    (inverted dropout), so inference needs no rescaling. The mask is drawn on the device."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        if isinstance(rate, (int, float)) and not 0 <= rate < 1:
            raise ValueError(f"Invalid value {rate} received for `rate`, expected a value between 0 and 1 "
                             "(1 excluded).")
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return inputs.shape
        return tuple(inputs.shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        keep = 1.0 - float(self.rate)
        mask = ops.random_bernoulli(self._get_noise_shape(inputs), p=keep, dtype=inputs.dtype)
        return ops.multiply(inputs, ops.multiply(mask, 1.0 / keep))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


class Identity(Layer):
    """Returns its inputs (any nested structure of tensors) unchanged, as new tensors; gradients pass
    through. A placeholder where a model needs a layer that does nothing."""

    def call(self, inputs):
        return map_structure(lambda t: ops.reshape(as_tensor(t), tuple(as_tensor(t).shape)), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


class Flatten(Layer):
    """(batch, ...) -> (batch, prod(...)); with channels_first, channels move last first, so the
    flattened order matches a channels_last model's."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.transpose(inputs, axes=(0,) + tuple(range(2, inputs.ndim)) + (1,))
        # An explicit size rather than -1, so that an empty batch still reshapes.
        return ops.reshape(inputs, shape=(inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        input_shape = _shape_tuple(input_shape)
        if not input_shape:
            return (1,)
        rest = input_shape[1:]
        return (input_shape[0], math.prod(rest) if all(rest) else None)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes each example to `target_shape` (without the batch axis); one entry may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _fix_unknown_dimension(self, input_shape, output_shape):
        output_shape = list(output_shape)
        msg = ("total size of new array must be unchanged, input_shape = "
               f"{list(input_shape)}, output_shape = {output_shape}")
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                if unknown is not None:
                    raise ValueError("There must be at most one unknown dimension in output_shape. "
                                     f"Received: output_shape={output_shape}.")
                unknown = index
            else:
                known *= dim
        original = math.prod(input_shape)
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(msg)
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(msg)
        return tuple(output_shape)

    def call(self, inputs):
        target = self._fix_unknown_dimension(inputs.shape[1:], self.target_shape)
        return ops.reshape(inputs, shape=(inputs.shape[0],) + target)

    def compute_output_shape(self, input_shape):
        input_shape = _shape_tuple(input_shape)
        if None in input_shape[1:]:
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        return (input_shape[0],) + self._fix_unknown_dimension(input_shape[1:], self.target_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


def _is_whole(value):
    try:
        return int(value) == value
    except (TypeError, ValueError):
        return False
