"""The layers tf.keras's architectures get from plain TensorFlow ops on symbolic tensors.

tf.keras turns `x + 3.0` or `tf.math.multiply(x, c)` on a Keras tensor into a `TFOpLambda` layer
named after the op ("tf.__operators__.add", "tf.math.multiply_3", ...), and those layers count in
`model.layers`. kerasx's symbolic tensors have no operators, so the architectures that use such ops
(MobileNetV3's hard sigmoid, EfficientNet's ImageNet rescaling) call `ConstantOp` instead: one layer
per op, with the same names, no weights, and a config that saves and loads.
"""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer
from kerasx.engine.naming import unique_name

# tf.keras's `function` names of the ops, and what they compute here.
_FUNCTIONS = {"__operators__.add": ops.add, "math.multiply": ops.multiply}


class ConstantOp(Layer):
    """``function(inputs, constant)``: `function` is "__operators__.add" or "math.multiply" (tf.keras's
    TFOpLambda names), `constant` a number or a nested list broadcast against the inputs."""

    def __init__(self, function, constant, **kwargs):
        if function not in _FUNCTIONS:
            raise ValueError(f"ConstantOp `function` must be one of {sorted(_FUNCTIONS)}. "
                             f"Received: function={function!r}")
        self.function = function
        self.constant = constant
        super().__init__(**kwargs)

    def _default_name(self):
        # Named as tf.keras names its TFOpLambda layers, through the same counters as other layers.
        return unique_name(f"tf.{self.function}")

    def call(self, inputs):
        return _FUNCTIONS[self.function](inputs, as_tensor(self.constant, dtype=inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"function": self.function, "constant": self.constant})
        return config
