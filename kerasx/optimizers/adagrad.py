"""Adagrad and Adadelta, as tf.keras."""
from backends.config import epsilon as default_epsilon
from kerasx import ops
from kerasx.optimizers.base import Optimizer, _is_number, check_hyperparameter


class Adagrad(Optimizer):
    """``acc += g^2; w -= lr g / (sqrt(acc) + epsilon)``, the accumulators starting at
    `initial_accumulator_value`."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name="Adagrad",
                 **kwargs):
        if _is_number(initial_accumulator_value) and initial_accumulator_value < 0.0:
            raise ValueError(f"Optimizer {type(self).__name__}: initial_accumulator_value must be "
                             f"non-negative: {initial_accumulator_value}")
        check_hyperparameter(self, "initial_accumulator_value", initial_accumulator_value, number_only=True)
        check_hyperparameter(self, "epsilon", epsilon or 0.0, number_only=True)
        super().__init__(name, learning_rate, **kwargs)
        self._initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon or default_epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accumulator", float(self._initial_accumulator_value))

    def _resource_apply_dense(self, grad, var, c):
        ops.adagrad_update(var, grad, self.get_slot(var, "accumulator"), c["lr_t"], float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({
            "initial_accumulator_value": self._initial_accumulator_value,
            "epsilon": self.epsilon,
        })
        return config


class Adadelta(Optimizer):
    """``acc = rho acc + (1 - rho) g^2; d = sqrt(acc_d + eps) / sqrt(acc + eps) g;
    acc_d = rho acc_d + (1 - rho) d^2; w -= lr d``."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="Adadelta", **kwargs):
        check_hyperparameter(self, "rho", rho, upper=1)
        check_hyperparameter(self, "epsilon", epsilon or 0.0, number_only=True)
        super().__init__(name, learning_rate, **kwargs)
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
        ops.adadelta_update(var, grad, self.get_slot(var, "accum_grad"), self.get_slot(var, "accum_var"),
                            c["lr_t"], c["rho"], float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({
            "rho": self._serialize_hyperparameter("rho"),
            "epsilon": self.epsilon,
        })
        return config
