"""`BackupAndRestore`: backs up the training state so that a `fit` that was interrupted (a crash, a
killed job) resumes where it stopped when the same `fit` is run again, as tf.keras 2.x's.

The state (every layer's weights, the optimizer's variables with its iterations and slots, the epoch
and batch reached) is one HDF5 file in `backup_dir`, replaced atomically at every backup
(kerasx/saving/atomic.py), so an interruption during a backup leaves the previous one whole.

Under a multi-process strategy, `kerasx.distribute` sets `_replicas` (distribute/backup_sync.py): the
chief alone writes and deletes the file, reads it at the start and hands its bytes to every rank, and the
replicas' BatchNormalization statistics are averaged before each backup, so one file restores the job.
"""
import contextlib
import io
import logging
import os

import h5py  # host-side file I/O (a backup handed over by the chief is read from memory)

from kerasx.callbacks.callback import Callback
from kerasx.saving.atomic import atomic_path
from kerasx.saving.hdf5_file import open_for_reading, open_for_writing
from kerasx.saving.hdf5_weights import (load_optimizer_weights_from_hdf5_group, load_weights_from_hdf5_group,
                                        save_optimizer_weights_to_hdf5_group, save_weights_to_hdf5_group)
from kerasx.saving.training_config import restore_optimizer_state

_logger = logging.getLogger("kerasx")

BACKUP_FILENAME = "training_state.h5"


class TrainingState:
    """Where a resumed `fit` starts: what tf.keras's `WorkerTrainingState` tells `fit` (read by
    `Trainer.fit` as `model._training_state`)."""

    def __init__(self, epoch, batch, batch_level):
        self.epoch = epoch  # the last epoch backed up (-1: none)
        self.batch = batch  # the last batch backed up within it (-1: the epoch's end)
        self.batch_level = batch_level

    def initial_counters(self, steps_per_epoch, initial_epoch):
        """`(initial_epoch, initial_step)` for `fit`, as tf.keras's
        `maybe_load_initial_counters_from_ckpt`: after an epoch-end backup the next epoch; after a
        batch backup the next batch of that epoch (the next epoch after its last batch)."""
        if self.epoch < 0:
            return initial_epoch, 0
        if self.batch_level and self.batch >= 0:
            if steps_per_epoch is not None and self.batch == steps_per_epoch - 1:
                return self.epoch + 1, 0
            return self.epoch, self.batch + 1
        return self.epoch + 1, 0


class BackupAndRestore(Callback):
    """Backs up the model's weights, the optimizer's state and the epoch (and batch) reached in
    `backup_dir`; at the start of `fit`, restores them and makes `fit` resume after the backed-up
    epoch. The `History` of the resumed `fit` holds the epochs it ran.

    Args:
        backup_dir: The directory of the backup; use it for this one training only.
        save_freq: `"epoch"` (a backup after each epoch) or an integer number of batches between
            backups.
        delete_checkpoint: Delete the backup when `fit` finishes (not when it is interrupted).
        save_before_preemption: Accepted for compatibility: tf.keras backs up on a cluster's
            preemption notice, which a kerasx process does not receive.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True, save_before_preemption=False):
        super().__init__()
        if backup_dir is None or not os.fspath(backup_dir):
            raise ValueError("Empty `backup_dir` argument passed")
        if not save_freq and not save_before_preemption:
            raise ValueError("Either `save_freq` or `save_before_preemption` must be set.")
        if save_freq and save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                                   or save_freq < 1):
            raise ValueError("`save_freq` of BackupAndRestore must be 'epoch' or a positive integer number of "
                             f"batches. Received: save_freq={save_freq!r}")
        if save_before_preemption:
            _logger.warning("BackupAndRestore: save_before_preemption=True is accepted, but kerasx receives no "
                            "preemption notice; backups happen at `save_freq` only.")
        self._supports_tf_logs = True
        self._chief_worker_only = False
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.save_before_preemption = save_before_preemption
        self._batches_count = 0
        self._current_epoch = 0
        self._training_state = None
        self._replicas = None  # set by kerasx.distribute for a multi-process fit

    @property
    def _backup_path(self):
        return os.path.join(self.backup_dir, BACKUP_FILENAME)

    def _check_before_training(self):
        # A backup can only be restored into built weights; refused before anything trains.
        if os.path.exists(self._backup_path) and not self.model.built:
            raise ValueError(
                f"BackupAndRestore cannot restore the backup in {self.backup_dir!r}: model "
                f"{self.model.name!r} is not built, so it has no weights to restore into. Build it before "
                "`fit` (give the first layer an `input_shape`, or call the model on a batch).")

    def _implements_train_batch_hooks(self):
        return bool(self.save_freq) and self.save_freq != "epoch"

    def on_train_begin(self, logs=None):
        self._batches_count = 0
        self._training_state = self._restore()
        self.model._training_state = self._training_state

    def _restore(self):
        batch_level = self.save_freq != "epoch"
        if self._replicas is not None:
            data = self._replicas.read(self._backup_path)
            if data is None:
                return TrainingState(-1, -1, batch_level)
            with h5py.File(io.BytesIO(data), "r") as f:
                epoch, batch = self._restore_from(f)
            return TrainingState(epoch, batch, batch_level)
        if not os.path.exists(self._backup_path):
            return TrainingState(-1, -1, batch_level)
        with open_for_reading(self._backup_path) as f:
            epoch, batch = self._restore_from(f)
        return TrainingState(epoch, batch, batch_level)

    def _restore_from(self, f):
        """Loads the backup in the open HDF5 file `f` into the model and optimizer; `(epoch, batch)`."""
        epoch, batch = int(f.attrs["epoch"]), int(f.attrs["batch"])
        # the optimizer's values are read first, so a damaged file leaves the model untouched
        optimizer_values = load_optimizer_weights_from_hdf5_group(f) if "optimizer_weights" in f else None
        load_weights_from_hdf5_group(f["model_weights"], self.model)
        if optimizer_values is not None:
            restore_optimizer_state(self.model, optimizer_values)
        return epoch, batch

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batches_count += 1
        if self._batches_count >= self.save_freq:
            self._batches_count = 0
            self._back_up(self._current_epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._back_up(epoch, -1)

    def _back_up(self, epoch, batch):
        if self._replicas is not None:
            self._replicas.before_backup(self.model)
        if self._replicas is None or self._replicas.writes:
            with atomic_path(self._backup_path) as tmp, open_for_writing(tmp) as f:
                save_weights_to_hdf5_group(f.create_group("model_weights"), self.model)
                save_optimizer_weights_to_hdf5_group(f, self.model.optimizer)
                f.attrs["epoch"] = epoch
                f.attrs["batch"] = batch
        if self._replicas is not None:
            self._replicas.after_write()

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and (self._replicas is None or self._replicas.writes):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self._backup_path)
            # the directory goes too once nothing else is in it (it may hold the user's other files)
            with contextlib.suppress(OSError):
                os.rmdir(self.backup_dir)
        if self.delete_checkpoint and self._replicas is not None:
            self._replicas.after_write()
        self._training_state = None
        self.model._training_state = None
