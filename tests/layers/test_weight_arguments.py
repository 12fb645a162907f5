"""The weight block the layers share: arguments stored by Keras's names, weights built from them."""
import numpy as np

from kerasx import constraints, initializers, layers, regularizers
from kerasx.layers import weight_arguments as wa


class _TwoKernels(layers.Layer):
    def __init__(self, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.use_bias = use_bias
        wa.store_weight_arguments(self, "kernel", "ones", "l2", "non_neg")
        wa.store_weight_arguments(self, "recurrent", "zeros")
        wa.store_weight_arguments(self, "bias", "zeros")


def test_weights_take_the_arguments_stored_under_their_stem(backend):
    layer = _TwoKernels(name="two")
    assert isinstance(layer.kernel_regularizer, regularizers.L2)
    assert isinstance(layer.kernel_constraint, constraints.NonNeg) and layer.recurrent_constraint is None
    kernel = wa.add_configured_weight(layer, "kernel", (2, 3))
    recurrent = wa.add_configured_weight(layer, "recurrent_kernel", (3, 3))  # recurrent_* arguments
    bias = wa.add_bias(layer, (3,), initializers.Constant(0.5))  # the override wins over "zeros"
    assert kernel.name == "two/kernel:0" and kernel.constraint is layer.kernel_constraint
    np.testing.assert_array_equal(kernel.numpy(), np.ones((2, 3), "float32"))
    np.testing.assert_array_equal(recurrent.numpy(), np.zeros((3, 3), "float32"))
    np.testing.assert_array_equal(bias.numpy(), np.full(3, 0.5, "float32"))
    assert len(layer.losses) == 1  # the kernel's l2 penalty, and only it


def test_no_bias_without_use_bias(backend):
    layer = _TwoKernels(use_bias=False)
    assert wa.add_bias(layer, (3,)) is None and layer.weights == []


def test_serialize_arguments_by_suffix():
    layer = _TwoKernels()
    layer.activation, layer.units = layers.Activation("relu").activation, 4
    assert wa.serialize_arguments(layer, ("units", "activation", "kernel_initializer", "kernel_regularizer",
                                          "recurrent_constraint")) == {
        "units": 4, "activation": "relu", "kernel_initializer": {"class_name": "Ones", "config": {}},
        "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer), "recurrent_constraint": None}
