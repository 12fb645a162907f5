"""`EarlyStopping`: stops training when a monitored metric has stopped improving."""
import logging
import math
import operator

from kerasx.callbacks.callback import Callback
from kerasx.utils.io_utils import print_msg

_logger = logging.getLogger("kerasx")


class EarlyStopping(Callback):
    """Stop training when a monitored metric has stopped improving.

    Args:
        monitor: Quantity to be monitored (a key of the epoch logs).
        min_delta: Minimum change in the monitored quantity to qualify as an improvement.
        patience: Number of epochs with no improvement after which training will be stopped.
        verbose: 0 (silent) or 1 (messages when the callback acts).
        mode: "auto", "min" or "max"; "auto" maximises names ending in acc/accuracy/auc.
        baseline: Training stops if the model does not improve on this value.
        restore_best_weights: Restore the weights of the best epoch when stopping.
        start_from_epoch: Number of warm-up epochs before improvements are looked for.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch
        if mode not in ["auto", "min", "max"]:
            _logger.warning("EarlyStopping mode %s is unknown, fallback to auto mode.", mode)
            mode = "auto"
        if mode == "min":
            self.monitor_op = operator.lt
        elif mode == "max":
            self.monitor_op = operator.gt
        elif monitor.endswith("acc") or monitor.endswith("accuracy") or monitor.endswith("auc"):
            self.monitor_op = operator.gt
        else:
            self.monitor_op = operator.lt
        if self.monitor_op is operator.lt:
            self.min_delta *= -1
        self.best = math.inf if self.monitor_op is operator.lt else -math.inf
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        # Reset, so that one instance can serve several `fit` calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.monitor_op is operator.lt else -math.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Keep the first epoch's weights, in case no epoch ever improves.
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only restart the wait when both the baseline and the previous best are beaten.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print_msg("Restoring model weights from the end of the best epoch: "
                              f"{self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")

    def get_monitor_value(self, logs):
        logs = logs or {}
        monitor_value = logs.get(self.monitor)
        if monitor_value is None:
            _logger.warning("Early stopping conditioned on metric `%s` which is not available. Available "
                            "metrics are: %s", self.monitor, ",".join(list(logs.keys())))
        return monitor_value

    def _is_improvement(self, monitor_value, reference_value):
        return self.monitor_op(monitor_value - self.min_delta, reference_value)
