"""Small layers defined for the engine tests, so they do not depend on the layer library."""
from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec


class Linear(Layer):
    """x @ kernel + bias, with a fixed initial kernel so outputs can be checked by formula."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), initializer="ones")
        self.bias = self.add_weight("bias", (self.units,), initializer="zeros")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel) + self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Twice(Layer):
    """Two outputs: x and 2x."""

    def call(self, inputs):
        return inputs, inputs * 2.0


class TrainingEcho(Layer):
    """Returns x+1 when training, x otherwise: shows how the training flag travels."""

    def call(self, inputs, training=None):
        return inputs + 1.0 if training else inputs
