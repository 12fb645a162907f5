"""Lion (EvoLved Sign Momentum), as tf.keras 2.13's `Lion`: a sign step with one momentum slot."""
from kerasx import ops
from kerasx.optimizers.base import Optimizer, _is_number, check_hyperparameter


class Lion(Optimizer):
    """``w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g``, in one fused kernel with the
    weight decay (``w -= w * lr * weight_decay``) when `weight_decay` is set."""

    _new_style_config = True
    _fuses_weight_decay = True

    def __init__(self, learning_rate=0.0001, beta_1=0.9, beta_2=0.99, name="Lion", **kwargs):
        check_hyperparameter(self, "beta_1", beta_1, upper=1)
        check_hyperparameter(self, "beta_2", beta_2, upper=1)
        if _is_number(beta_1) and beta_1 == 0:
            # tf.keras refuses it too: the step would ignore the momentum.
            raise ValueError(f"Optimizer Lion: `beta_1`={beta_1} must be between ]0, 1]. Otherwise, the "
                             "optimizer degenerates to SignSGD.")
        super().__init__(name, learning_rate, **kwargs)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "m")

    def _prepare(self):
        coefficients = super()._prepare()
        coefficients["beta_1"] = self._hyper_float("beta_1")
        coefficients["beta_2"] = self._hyper_float("beta_2")
        return coefficients

    def _resource_apply_dense(self, grad, var, c):
        ops.lion_update(var, grad, self.get_slot(var, "m"), c["lr_t"], c["beta_1"], c["beta_2"],
                        c["weight_decay"])

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_1": self._serialize_hyperparameter("beta_1"),
            "beta_2": self._serialize_hyperparameter("beta_2"),
        })
        return config
