"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax
(tf.keras.layers.advanced_activations)."""
from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.weight_arguments import add_configured_weight, serialize_arguments, store_weight_arguments


class _Elementwise(Layer):
    """An activation applied position by position: the output has the input's shape and mask."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """``min(x, max_value)`` above `threshold`, ``negative_slope * (x - threshold)`` below it."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. Received: "
                             f"{negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be a negative value. Received: {threshold}")
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def call(self, inputs):
        return ops.relu_variant(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(_Elementwise):
    """``x`` for ``x > 0``, ``alpha * x`` otherwise."""

    def __init__(self, alpha=0.3, **kwargs):
        if alpha is None:
            raise ValueError("The alpha value of a Leaky ReLU layer cannot be None, Expecting a float. "
                             f"Received: {alpha}")
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.relu_variant(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """Leaky ReLU with a learned slope `alpha` per position (per channel with `shared_axes`)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        store_weight_arguments(self, "alpha", alpha_initializer, alpha_regularizer, alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        shared = self.shared_axes or []
        bad = [a for a in shared if not 1 <= a < rank]
        if bad:
            raise ValueError(f'Layer "{self.name}" (PReLU): `shared_axes` must name axes 1 to {rank - 1} of '
                             f"an input of rank {rank} (axis 0 is the batch). Received: shared_axes={shared}")
        param_shape = [1 if i in shared else input_shape[i] for i in range(1, rank)]
        if None in param_shape:
            raise ValueError(f'Layer "{self.name}" (PReLU) needs every unshared axis defined. Received '
                             f"input_shape={input_shape}, shared_axes={self.shared_axes}")
        self.alpha = add_configured_weight(self, "alpha", param_shape)
        self.input_spec = InputSpec(ndim=rank,
                                    axes={i: input_shape[i] for i in range(1, rank) if i not in shared})
        self.built = True

    def call(self, inputs):
        # As tf.keras: relu(x) - alpha * relu(-x), so the slope's gradient is exactly -relu(-x).
        return ops.subtract(ops.relu(inputs), ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, ("alpha_initializer", "alpha_regularizer", "alpha_constraint",
                                                 "shared_axes")))
        return config


class ELU(_Elementwise):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        if alpha is None:
            raise ValueError(f"Alpha of an ELU layer cannot be None, expecting a float. Received: {alpha}")
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return ops.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ThresholdedReLU(_Elementwise):
    """``x`` for ``x > theta``, 0 otherwise."""

    def __init__(self, theta=1.0, **kwargs):
        if theta is None:
            raise ValueError("Theta of a Thresholded ReLU layer cannot be None, expecting a float. Received: "
                             f"{theta}")
        if theta < 0:
            raise ValueError(f"The theta value of a Thresholded ReLU layer should be >=0. Received: {theta}")
        super().__init__(**kwargs)
        self.theta = float(theta)

    def call(self, inputs):
        return ops.multiply(inputs, ops.cast(ops.greater(inputs, self.theta), dtype=inputs.dtype))

    def get_config(self):
        config = super().get_config()
        config["theta"] = self.theta
        return config


class Softmax(_Elementwise):
    """Softmax over `axis` (an int or a list of axes); positions where `mask` is 0 get no weight."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            # As tf.keras: a large negative number rather than -inf, so a fully masked row stays finite.
            large_negative = -65504.0 if inputs.dtype == "float16" else -1e9
            adder = ops.multiply(ops.subtract(1.0, ops.cast(mask, dtype=inputs.dtype)), large_negative)
            inputs = ops.add(inputs, adder)
        axis = self.axis
        if isinstance(axis, (list, tuple)):
            axis = axis[0] if len(axis) == 1 else tuple(axis)
        return ops.softmax(inputs, axis=axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
