"""Callbacks that change the optimizer's learning rate: `LearningRateScheduler`, `ReduceLROnPlateau`.

Both read and write `model.optimizer.lr` with `K.get_value`/`K.set_value`, as Keras does."""
import logging
import math

from kerasx import backend as K
from kerasx.autodiff.tensor import Tensor
from kerasx.callbacks.callback import Callback
from kerasx.optimizers import schedules
from kerasx.utils.io_utils import print_msg

_logger = logging.getLogger("kerasx")


def _check_settable_lr(callback, optimizer):
    """Raises unless `optimizer.lr` is a variable the callback can set.

    A `LearningRateSchedule` (or a callable) given as `learning_rate` computes the rate at every step,
    so there is no rate to set: tf.keras 2.x fails there too, mid-training (`get_value` hands back the
    schedule and the bar or the comparison with `min_lr` raises a TypeError; 2.11's optimizers say "its
    learning rate is not settable"). Refused here, before the first epoch, naming the callback."""
    name = type(callback).__name__
    if not hasattr(optimizer, "lr"):
        raise ValueError('Optimizer must have a "lr" attribute.')
    lr = optimizer.lr
    if hasattr(lr, "assign"):
        return
    if isinstance(lr, schedules.LearningRateSchedule):
        given = f"a `LearningRateSchedule` ({type(lr).__name__})"
    else:
        given = "a callable"
    raise TypeError(
        f"{name} cannot set the learning rate of optimizer {optimizer.name!r}: the optimizer was created "
        f"with {given} as its `learning_rate`, which computes the rate at every step, so its learning "
        f"rate is not settable. Create the optimizer with a float `learning_rate` to use {name}.")


def _lr_value(optimizer):
    """The learning rate as a float32 scalar (what tf.keras puts in the logs)."""
    value = K.get_value(optimizer.lr)
    return value[()] if getattr(value, "ndim", None) == 0 else value


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of every epoch to `schedule(epoch, lr)` (or
    `schedule(epoch)` for one-argument schedules); the value is logged as `lr`."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _check_before_training(self):
        _check_settable_lr(self, self.model.optimizer)

    def on_epoch_begin(self, epoch, logs=None):
        _check_settable_lr(self, self.model.optimizer)
        try:
            lr = float(K.get_value(self.model.optimizer.lr))
            lr = self.schedule(epoch, lr)
        except TypeError:  # a one-argument schedule, the Keras 1 form
            lr = self.schedule(epoch)
        if not isinstance(lr, (Tensor, float)) and type(lr).__name__ not in ("float32", "float64"):
            raise ValueError(f'The output of the "schedule" function should be a float. Got: {lr}')
        if isinstance(lr, Tensor) and not lr.dtype.startswith("float"):
            raise ValueError(f"The dtype of `lr` Tensor should be float. Got: {lr.dtype}")
        K.set_value(self.model.optimizer.lr, K.get_value(lr) if isinstance(lr, Tensor) else lr)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = _lr_value(self.model.optimizer)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` has not improved for `patience` epochs.

    Args:
        monitor: Quantity to be monitored.
        factor: Factor by which the learning rate is reduced (`new_lr = lr * factor`), below 1.
        patience: Number of epochs with no improvement after which the rate is reduced.
        verbose: 0 (quiet) or 1 (a message per reduction).
        mode: "auto", "min" or "max"; "auto" maximises names containing "acc".
        min_delta: Threshold for measuring a new optimum.
        cooldown: Epochs to wait after a reduction before resuming normal operation.
        min_lr: Lower bound on the learning rate.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Got {factor}")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            _logger.warning("`epsilon` argument is deprecated and will be removed, use `min_delta` "
                            "instead.")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments to ReduceLROnPlateau: {sorted(kwargs)}")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        if self.mode not in ["auto", "min", "max"]:
            _logger.warning("Learning rate reduction mode %s is unknown, fallback to auto mode.", self.mode)
            self.mode = "auto"
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: a < b - self.min_delta
            self.best = math.inf
        else:
            self.monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def _check_before_training(self):
        _check_settable_lr(self, self.model.optimizer)

    def on_train_begin(self, logs=None):
        _check_settable_lr(self, self.model.optimizer)
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = _lr_value(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            _logger.warning("Learning rate reduction is conditioned on metric `%s` which is not available. "
                            "Available metrics are: %s", self.monitor, ",".join(list(logs.keys())))
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                lr = _lr_value(self.model.optimizer)
                # Compared in the variable's precision (float32), so that a rate already set to
                # min_lr counts as reached, as tf.keras's `old_lr > np.float32(min_lr)`.
                if lr > type(lr)(self.min_lr):
                    new_lr = max(float(lr) * self.factor, self.min_lr)
                    K.set_value(self.model.optimizer.lr, new_lr)
                    if self.verbose > 0:
                        print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                                  f"{new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0
