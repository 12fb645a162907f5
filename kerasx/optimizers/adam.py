"""The Adam family, as tf.keras: `Adam` (with AMSGrad), `AdamW`, `Adamax` and `Nadam`.

Bias corrections are computed on the host from the mirrored step count and passed to the update ops
(`kerasx.ops.updates`) as Python floats."""
import math

from backends.config import epsilon as default_epsilon
from kerasx import ops
from kerasx.optimizers.base import HostMirroredVariable, Optimizer, check_hyperparameter
from kerasx.optimizers.schedules import LearningRateSchedule


class _AdamBase(Optimizer):
    """Shared constructor, 'm' then 'v' slots, and config."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, name, **kwargs):
        check_hyperparameter(self, "beta_1", beta_1, upper=1)
        check_hyperparameter(self, "beta_2", beta_2, upper=1)
        check_hyperparameter(self, "epsilon", epsilon or 0.0, number_only=True)
        super().__init__(name, learning_rate, **kwargs)
        self._set_hyper("beta_1", beta_1)
        self._set_hyper("beta_2", beta_2)
        self.epsilon = epsilon or default_epsilon()

    def _create_slots(self, var_list):
        # One loop per slot name: tf.keras orders the weights [all m..., all v...].
        for var in var_list:
            self.add_slot(var, "m")
        for var in var_list:
            self.add_slot(var, "v")

    def _prepare(self):
        coefficients = super()._prepare()
        coefficients["beta_1"] = self._hyper_float("beta_1")
        coefficients["beta_2"] = self._hyper_float("beta_2")
        coefficients["step"] = self.iterations._host + 1
        return coefficients

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_1": self._serialize_hyperparameter("beta_1"),
            "beta_2": self._serialize_hyperparameter("beta_2"),
            "epsilon": self.epsilon,
        })
        return config


class Adam(_AdamBase):
    """``m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr_t m / (sqrt(v) + epsilon)`` with
    ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``; AMSGrad uses the running maximum of `v`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 name="Adam", **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name, **kwargs)
        self.amsgrad = amsgrad

    def _create_slots(self, var_list):
        super()._create_slots(var_list)
        if self.amsgrad:
            for var in var_list:
                self.add_slot(var, "vhat")

    def _prepare(self):
        c = super()._prepare()
        t = c["step"]
        c["lr"] = c["lr_t"] * math.sqrt(1.0 - c["beta_2"] ** t) / (1.0 - c["beta_1"] ** t)
        return c

    _fuses_weight_decay = True

    def _resource_apply_dense(self, grad, var, c):
        vhat = self.get_slot(var, "vhat") if self.amsgrad else None
        ops.adam_update(var, grad, self.get_slot(var, "m"), self.get_slot(var, "v"), c["lr"], c["beta_1"],
                        c["beta_2"], float(self.epsilon), vhat, c["weight_decay"])

    def get_config(self):
        config = super().get_config()
        config["amsgrad"] = self.amsgrad
        return config


class AdamW(Adam):
    """tf.keras 2.11's AdamW: Adam after the decoupled weight decay ``w -= w * lr * weight_decay``
    (the learning rate without Adam's bias correction), both in one fused kernel."""

    _new_style_config = True

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="AdamW", **kwargs):
        if weight_decay is None:
            raise ValueError("Optimizer AdamW: missing value of `weight_decay`, which is required and must "
                             "be a non-negative number. Received: weight_decay=None.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, name, weight_decay=weight_decay,
                         **kwargs)


class Adamax(_AdamBase):
    """Adam with the infinity norm: ``u = max(b2 u, |g|); w -= lr / (1 - b1^t) * m / (u + epsilon)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="Adamax",
                 **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name, **kwargs)

    def _resource_apply_dense(self, grad, var, c):
        lr_t = c["lr_t"] / (1.0 - c["beta_1"] ** c["step"])
        ops.adamax_update(var, grad, self.get_slot(var, "m"), self.get_slot(var, "v"), lr_t, c["beta_1"],
                          c["beta_2"], float(self.epsilon))


class Nadam(_AdamBase):
    """Adam with Nesterov momentum and tf.keras's momentum schedule
    ``mu_t = b1 (1 - 0.5 * 0.96^(schedule_decay t))``; `decay` is that schedule decay (0.004), not a
    learning-rate decay, exactly as tf.keras's Nadam reuses the keyword."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="Nadam", **kwargs):
        # tf.keras: `schedule_decay` (default 0.004) replaces any `decay` given.
        kwargs["decay"] = kwargs.pop("schedule_decay", 0.004)
        learning_rate = kwargs.get("lr", learning_rate)
        if isinstance(learning_rate, LearningRateSchedule):
            raise ValueError("The Nadam optimizer does not support tf.keras.optimizers.LearningRateSchedules "
                             "as the learning rate.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name, **kwargs)
        self._m_cache = None

    def _create_slots(self, var_list):
        if self._m_cache is None and var_list:
            self._m_cache = HostMirroredVariable(1.0, var_list[0].dtype, name=f"{self._name}/momentum_cache:0")
            self._weights.append(self._m_cache)
        super()._create_slots(var_list)

    def _prepare(self):
        c = super()._prepare()
        t, b1 = c["step"], c["beta_1"]
        decay = self._initial_decay
        m_t = b1 * (1.0 - 0.5 * 0.96 ** (decay * t))
        m_t_1 = b1 * (1.0 - 0.5 * 0.96 ** (decay * (t + 1)))
        m_schedule_new = self._m_cache._host * m_t
        self._m_cache.assign(m_schedule_new)
        # Nadam's `decay` is the momentum schedule's, so the rate (and the weight decay's) is undecayed.
        lr = self._hyper_float("learning_rate")
        c.update(lr=lr, lr_t=lr, m_t=m_t, m_t_1=m_t_1,
                 m_schedule_new=m_schedule_new, m_schedule_next=m_schedule_new * m_t_1,
                 v_correction=1.0 - c["beta_2"] ** t)
        return c

    def _resource_apply_dense(self, grad, var, c):
        ops.nadam_update(var, grad, self.get_slot(var, "m"), self.get_slot(var, "v"), c["lr"], c["beta_1"],
                         c["beta_2"], float(self.epsilon), c["m_t"], c["m_t_1"], c["m_schedule_new"],
                         c["m_schedule_next"], c["v_correction"])
