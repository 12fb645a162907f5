"""SGD with optional (Nesterov) momentum, as tf.keras's `SGD`."""
from kerasx import ops
from kerasx.optimizers.base import Optimizer, _is_number, check_hyperparameter


def check_momentum(optimizer, momentum):
    """Whether `momentum` needs a slot, once checked to be in [0, 1] (or a Tensor or a callable)."""
    check_hyperparameter(optimizer, "momentum", momentum, upper=1)
    # As tf.keras: a momentum slot exists when momentum is positive (or not a plain number).
    return not _is_number(momentum) or momentum > 0


class SGD(Optimizer):
    """``velocity = momentum * velocity - lr * g; w += velocity`` (``w += momentum * velocity - lr * g``
    with Nesterov); plain ``w -= lr * g`` without momentum."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        self._momentum = check_momentum(self, momentum)
        super().__init__(name, learning_rate, **kwargs)
        self._set_hyper("momentum", momentum)
        self.nesterov = nesterov

    def _create_slots(self, var_list):
        if self._momentum:
            for var in var_list:
                self.add_slot(var, "momentum")

    def _prepare(self):
        coefficients = super()._prepare()
        coefficients["momentum"] = self._hyper_float("momentum")
        return coefficients

    def _resource_apply_dense(self, grad, var, coefficients):
        velocity = self.get_slot(var, "momentum") if self._momentum else None
        ops.sgd_update(var, grad, velocity, coefficients["lr_t"], coefficients["momentum"], self.nesterov)

    def get_config(self):
        config = super().get_config()
        config.update({
            "momentum": self._serialize_hyperparameter("momentum"),
            "nesterov": self.nesterov,
        })
        return config
