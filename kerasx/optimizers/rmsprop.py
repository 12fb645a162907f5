"""RMSprop, plain, centered and with momentum, as tf.keras's `RMSprop`."""
from backends.config import epsilon as default_epsilon
from kerasx import ops
from kerasx.optimizers.base import Optimizer, check_hyperparameter
from kerasx.optimizers.sgd import check_momentum


class RMSprop(Optimizer):
    """``ms = rho ms + (1 - rho) g^2``, ``w -= lr g / (sqrt(ms) + epsilon)``; centered subtracts the
    squared mean gradient; with momentum, tf's ``mom = momentum mom + lr g / sqrt(ms + epsilon)``."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name="RMSprop", **kwargs):
        check_hyperparameter(self, "rho", rho, upper=1)
        check_hyperparameter(self, "epsilon", epsilon or 0.0, number_only=True)
        self._momentum = check_momentum(self, momentum)
        super().__init__(name, learning_rate, **kwargs)
        self._set_hyper("rho", rho)
        self._set_hyper("momentum", momentum)
        self.epsilon = epsilon or default_epsilon()
        self.centered = centered

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "rms")
        if self._momentum:
            for var in var_list:
                self.add_slot(var, "momentum")
        if self.centered:
            for var in var_list:
                self.add_slot(var, "mg")

    def _prepare(self):
        coefficients = super()._prepare()
        coefficients["rho"] = self._hyper_float("rho")
        coefficients["momentum"] = self._hyper_float("momentum")
        return coefficients

    def _resource_apply_dense(self, grad, var, coefficients):
        ms = self.get_slot(var, "rms")
        mom = self.get_slot(var, "momentum") if self._momentum else None
        mg = self.get_slot(var, "mg") if self.centered else None
        ops.rmsprop_update(var, grad, ms, mom, mg, coefficients["lr_t"], coefficients["rho"],
                           coefficients["momentum"], float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update({
            "rho": self._serialize_hyperparameter("rho"),
            "momentum": self._serialize_hyperparameter("momentum"),
            "epsilon": self.epsilon,
            "centered": self.centered,
        })
        return config
