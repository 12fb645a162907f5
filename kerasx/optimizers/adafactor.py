"""Adafactor, as tf.keras 2.11's `Adafactor`: second moments factored into row and column averages
for variables of two or more dimensions, an update clipped by its RMS and scaled by the variable's."""
import math

from kerasx import ops
from kerasx.optimizers.base import Optimizer, _is_number, check_hyperparameter


class Adafactor(Optimizer):
    """With ``t`` the step: ``rho_t = min(lr, 1/sqrt(t))``, ``beta_2_t = 1 - t^beta_2_decay``; see
    `kerasx.ops.adafactor_update` for the rest. tf.keras's `relative_step` caps a constant learning rate
    at ``1/sqrt(t)``, which ``rho_t`` already does; the flag is kept for the config."""

    _new_style_config = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, name="Adafactor", **kwargs):
        if not _is_number(beta_2_decay):
            raise TypeError(f"Optimizer Adafactor: `beta_2_decay` must be a number. Received: "
                            f"beta_2_decay={beta_2_decay!r}.")
        check_hyperparameter(self, "epsilon_1", epsilon_1, number_only=True)
        check_hyperparameter(self, "epsilon_2", epsilon_2, number_only=True)
        check_hyperparameter(self, "clip_threshold", clip_threshold, number_only=True)
        if clip_threshold == 0:
            raise ValueError("Optimizer Adafactor: `clip_threshold` must be positive (the update's RMS is "
                             "divided by it). Received: clip_threshold=0.")
        if not isinstance(relative_step, bool):
            raise TypeError(f"Optimizer Adafactor: `relative_step` must be a bool. Received: "
                            f"relative_step={relative_step!r}.")
        super().__init__(name, learning_rate, **kwargs)
        self.beta_2_decay = float(beta_2_decay)
        self.epsilon_1 = float(epsilon_1)
        self.epsilon_2 = float(epsilon_2)
        self.clip_threshold = float(clip_threshold)
        self.relative_step = relative_step

    def _create_slots(self, var_list):
        # As tf.keras: r and c for every variable, scalar placeholders below two dimensions.
        for var in var_list:
            self.add_slot(var, "r", shape=var.shape[:-1] if len(var.shape) >= 2 else ())
        for var in var_list:
            self.add_slot(var, "c", shape=var.shape[:-2] + var.shape[-1:] if len(var.shape) >= 2 else ())
        for var in var_list:
            self.add_slot(var, "v")

    def _prepare(self):
        coefficients = super()._prepare()
        step = self.iterations._host + 1
        coefficients["rho_t"] = min(coefficients["lr_t"], 1.0 / math.sqrt(step))
        coefficients["beta_2_t"] = 1.0 - step ** self.beta_2_decay
        return coefficients

    def _resource_apply_dense(self, grad, var, c):
        ops.adafactor_update(var, grad, self.get_slot(var, "r"), self.get_slot(var, "c"),
                             self.get_slot(var, "v"), c["rho_t"], c["beta_2_t"], self.epsilon_1,
                             self.epsilon_2, self.clip_threshold)

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        })
        return config
