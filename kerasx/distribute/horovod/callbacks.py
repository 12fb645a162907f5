"""Horovod's Keras callbacks (`hvd.callbacks`): `BroadcastGlobalVariablesCallback`,
`MetricAverageCallback`, `LearningRateWarmupCallback`."""
from kerasx import backend as K
from kerasx.callbacks.callback import Callback
from kerasx.distribute.horovod import runtime
from kerasx.distribute.weight_sync import optimizer_variables


class BroadcastGlobalVariablesCallback(Callback):
    """Gives every rank rank `root_rank`'s model and optimizer weights when training starts (or after
    the first batch, for a model that builds on its first call), so all replicas start equal."""

    def __init__(self, root_rank, device=""):
        super().__init__()
        self.root_rank = root_rank
        self.broadcast_done = False

    def _broadcast(self):
        runtime.broadcast_variables(list(self.model.weights) + optimizer_variables(self.model), self.root_rank)
        self.broadcast_done = True

    def on_train_begin(self, logs=None):
        if self.model.weights:
            self._broadcast()

    def on_train_batch_end(self, batch, logs=None):
        if not self.broadcast_done:
            self._broadcast()


class MetricAverageCallback(Callback):
    """Replaces every number in the epoch's logs by its average over the ranks (put it before the
    callbacks that read the logs: checkpoints, early stopping)."""

    def __init__(self, device=""):
        super().__init__()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
        everyone = runtime.allgather_object([float(logs[k]) for k in keys])
        for i, k in enumerate(keys):
            logs[k] = sum(values[i] for values in everyone) / len(everyone)


class LearningRateWarmupCallback(Callback):
    """Horovod's warm-up: over the first `warmup_epochs` epochs the learning rate rises linearly (per
    batch) from ``initial_lr / size`` to `initial_lr`, then stays there:
    ``lr = initial_lr / size * (epoch * (size - 1) / warmup_epochs + 1)`` with `epoch` fractional,
    ``epoch + (batch + 1) / steps_per_epoch``, so the warm-up's last batch runs at `initial_lr`.
    With `momentum_correction`, a momentum optimizer's momentum is scaled by ``new_lr / old_lr`` for the
    batch in which the learning rate changes (Goyal et al.), then restored."""

    def __init__(self, initial_lr, warmup_epochs=5, momentum_correction=True, steps_per_epoch=None, verbose=0):
        super().__init__()
        if not isinstance(initial_lr, (int, float)) or isinstance(initial_lr, bool) or not initial_lr > 0:
            raise ValueError(f"LearningRateWarmupCallback: `initial_lr` must be a positive number; received "
                             f"{initial_lr!r}.")
        if not isinstance(warmup_epochs, (int, float)) or isinstance(warmup_epochs, bool) or warmup_epochs <= 0:
            raise ValueError(f"LearningRateWarmupCallback: `warmup_epochs` must be a positive number; received "
                             f"{warmup_epochs!r}.")
        self.initial_lr = float(initial_lr)
        self.warmup_epochs = warmup_epochs
        self.momentum_correction = momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.verbose = verbose
        self.current_epoch = 0
        self._restore_momentum = None

    def multiplier(self, epoch):
        size = runtime.size()
        return 1.0 / size * (epoch * (size - 1) / self.warmup_epochs + 1)

    def on_train_begin(self, logs=None):
        if self.steps_per_epoch is None:
            self.steps_per_epoch = (self.params or {}).get("steps")
        if not self.steps_per_epoch:
            raise ValueError("LearningRateWarmupCallback: `steps_per_epoch` is unknown for this data; pass it.")

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.current_epoch >= self.warmup_epochs:
            return
        # As Horovod: one step ahead, so that the last batch of the warm-up runs at `initial_lr`.
        epoch = self.current_epoch + float(batch + 1) / self.steps_per_epoch
        optimizer = self.model.optimizer
        old_lr = float(K.get_value(optimizer.learning_rate))
        new_lr = self.initial_lr * self.multiplier(min(epoch, self.warmup_epochs))
        K.set_value(optimizer.learning_rate, new_lr)
        if self.momentum_correction and "momentum" in getattr(optimizer, "_hyper", {}) and old_lr > 0:
            momentum = float(K.get_value(optimizer.momentum))
            self._restore_momentum = momentum
            K.set_value(optimizer.momentum, momentum * new_lr / old_lr)

    def on_train_batch_end(self, batch, logs=None):
        if self._restore_momentum is not None:
            K.set_value(self.model.optimizer.momentum, self._restore_momentum)
            self._restore_momentum = None

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose and epoch == self.warmup_epochs - 1:
            print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to "
                  f"{float(K.get_value(self.model.optimizer.learning_rate)):g}.")
        if logs is not None:
            logs["lr"] = float(K.get_value(self.model.optimizer.learning_rate))
