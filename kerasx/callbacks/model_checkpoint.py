"""`ModelCheckpoint`: saves the model or its weights every epoch or every `save_freq` batches."""
import logging
import math
import operator
import os

from kerasx.callbacks.callback import Callback, sync_logs
from kerasx.saving.save import check_model_save_path
from kerasx.utils.io_utils import print_msg

_logger = logging.getLogger("kerasx")


class ModelCheckpoint(Callback):
    """Saves the model (`model.save`) or its weights (`model.save_weights`) at some frequency.

    `filepath` may hold format fields filled from `epoch` (1-based) and the logs, e.g.
    `"weights.{epoch:02d}-{val_loss:.2f}.hdf5"`.

    Args:
        filepath: Where to save.
        monitor: The metric deciding what is "best" with `save_best_only`.
        verbose: 0 (silent) or 1 (a message per save).
        save_best_only: Save only when `monitor` improves.
        save_weights_only: Save only the weights.
        mode: "auto", "min" or "max"; "auto" maximises names containing "acc".
        save_freq: "epoch", or an integer number of batches between saves.
        initial_value_threshold: Initial "best" value of `monitor`.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", options=None,
                 initial_value_threshold=None, **kwargs):
        super().__init__()
        self._supports_tf_logs = True
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self.best = initial_value_threshold
        if "period" in kwargs:
            self.period = kwargs.pop("period")
            _logger.warning("`period` argument is deprecated. Please use `save_freq` to specify the "
                            "frequency in number of batches seen.")
        else:
            self.period = 1
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments to ModelCheckpoint: {sorted(kwargs)}")
        if mode not in ["auto", "min", "max"]:
            _logger.warning("ModelCheckpoint mode %s is unknown, fallback to auto mode.", mode)
            mode = "auto"
        maximize = mode == "max" or (mode == "auto" and ("acc" in self.monitor
                                                          or self.monitor.startswith("fmeasure")))
        self.monitor_op = operator.gt if maximize else operator.lt
        if self.best is None:
            self.best = -math.inf if maximize else math.inf
        if self.save_freq != "epoch" and not isinstance(self.save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {self.save_freq}. Expected save_freq are 'epoch' or "
                             "integer")
        # A whole model goes to HDF5 only under an HDF5 extension: refused now, not after the first epoch.
        # (An existing directory gets its own error when the first save is due, as in tf.keras.)
        if not save_weights_only and not os.path.isdir(self.filepath):
            check_model_save_path(self.filepath)

    def _implements_train_batch_hooks(self):
        # Batch-level saving only needs the batch hooks when saving by number of batches.
        return self.save_freq != "epoch"

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        if not (isinstance(self.save_freq, int) or self.epochs_since_last_save >= self.period):
            return
        logs = sync_logs(logs)  # only read the metrics back when a save is due
        self.epochs_since_last_save = 0
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an "
                          f"existing directory: {filepath}")
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                _logger.warning("Can save best model only with %s available, skipping.", self.monitor)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}')
