"""FTRL-Proximal ("Follow The Regularized Leader"), as tf.keras's `Ftrl`, with its L1, L2, L2-shrinkage
and `beta` terms."""
from kerasx import ops
from kerasx.optimizers.base import Optimizer, _is_number, check_hyperparameter

# The arguments tf.keras requires to be non-negative numbers.
_NON_NEGATIVE = ("initial_accumulator_value", "l1_regularization_strength", "l2_regularization_strength",
                 "l2_shrinkage_regularization_strength", "beta")


class Ftrl(Optimizer):
    """Per element, with ``p = learning_rate_power`` and ``n = accumulator + g^2``:
    ``linear += g + 2 l2_shrinkage w - (n^-p - accumulator^-p) / lr * w;
    w = (clip(linear, -l1, l1) - linear) / (n^-p / lr + 2 (l2 + beta / (2 lr))); accumulator = n``."""

    _new_style_config = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, name="Ftrl", **kwargs):
        values = {"initial_accumulator_value": initial_accumulator_value,
                  "l1_regularization_strength": l1_regularization_strength,
                  "l2_regularization_strength": l2_regularization_strength,
                  "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength, "beta": beta}
        if not _is_number(learning_rate_power):
            raise TypeError("Optimizer Ftrl: `learning_rate_power` must be a number. Received: "
                            f"learning_rate_power={learning_rate_power!r}.")
        if learning_rate_power > 0:
            raise ValueError("Optimizer Ftrl: `learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        for arg in _NON_NEGATIVE:
            check_hyperparameter(self, arg, values[arg], number_only=True)
        super().__init__(name, learning_rate, **kwargs)
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accumulator", self.initial_accumulator_value)
        for var in var_list:
            self.add_slot(var, "linear")

    def _resource_apply_dense(self, grad, var, c):
        lr = c["lr_t"]
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        ops.ftrl_update(var, grad, self.get_slot(var, "accumulator"), self.get_slot(var, "linear"), lr,
                        self.learning_rate_power, self.l1_regularization_strength, l2,
                        self.l2_shrinkage_regularization_strength)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
