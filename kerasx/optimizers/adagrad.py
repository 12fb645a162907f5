"""Adagrad and Adadelta, as tf.keras, composed from backend kernels on the variables' arrays."""
import backends
from backends.config import epsilon as default_epsilon
from kerasx.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """``acc += g^2; w -= lr g / (sqrt(acc) + epsilon)``, the accumulators starting at
    `initial_accumulator_value`."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name="Adagrad",
                 **kwargs):
        if initial_accumulator_value < 0.0:
            raise ValueError(f"initial_accumulator_value must be non-negative: {initial_accumulator_value}")
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon or default_epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accumulator", float(self._initial_accumulator_value))

    def _resource_apply_dense(self, grad, var, c):
        b = backends.get()
        acc, w = self.get_slot(var, "accumulator").data, var.data
        b.copy_(acc, b.add(acc, b.square(grad)))
        step = b.divide(b.multiply(grad, c["lr_t"]), b.add(b.sqrt(acc), float(self.epsilon)))
        b.copy_(w, b.subtract(w, step))

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate": self._serialize_hyperparameter("learning_rate"),
            "decay": self._initial_decay,
            "initial_accumulator_value": self._initial_accumulator_value,
            "epsilon": self.epsilon,
        })
        return config


class Adadelta(Optimizer):
    """``acc = rho acc + (1 - rho) g^2; d = sqrt(acc_d + eps) / sqrt(acc + eps) g;
    acc_d = rho acc_d + (1 - rho) d^2; w -= lr d``."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="Adadelta", **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper("learning_rate", kwargs.get("lr", learning_rate))
        self._set_hyper("decay", self._initial_decay)
        self._set_hyper("rho", rho)
        self.epsilon = epsilon or default_epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accum_grad")
        for var in var_list:
            self.add_slot(var, "accum_var")

    def _prepare(self):
        c = super()._prepare()
        c["rho"] = self._hyper_float("rho")
        return c

    def _resource_apply_dense(self, grad, var, c):
        b = backends.get()
        rho, eps = c["rho"], float(self.epsilon)
        acc, acc_d, w = self.get_slot(var, "accum_grad").data, self.get_slot(var, "accum_var").data, var.data
        b.copy_(acc, b.add(b.multiply(acc, rho), b.multiply(b.square(grad), 1.0 - rho)))
        update = b.multiply(b.divide(b.sqrt(b.add(acc_d, eps)), b.sqrt(b.add(acc, eps))), grad)
        b.copy_(acc_d, b.add(b.multiply(acc_d, rho), b.multiply(b.square(update), 1.0 - rho)))
        b.copy_(w, b.subtract(w, b.multiply(update, c["lr_t"])))

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate": self._serialize_hyperparameter("learning_rate"),
            "decay": self._initial_decay,
            "rho": self._serialize_hyperparameter("rho"),
            "epsilon": self.epsilon,
        })
        return config
