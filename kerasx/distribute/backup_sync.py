"""`BackupAndRestore` under a multi-process strategy: one backup for the job, written by the chief, read
by the chief and handed to every rank.

The ranks hold the same weights and optimizer state after every step (the gradients are summed before
any update), so the chief's copy is everyone's; BatchNormalization's moving statistics, which drift apart
per replica, are averaged first (an average taken mid-epoch changes nothing later: the moving averages
are linear, so the epoch-end average is the same). Unlike tf.keras, the other ranks write nothing (tf.keras
writes theirs to temporary directories and deletes them), and `backup_dir` need not be shared between
hosts: the chief reads the file and broadcasts its bytes, so every rank restores the same state, and a
missing or unreadable backup is decided once, for all ranks, instead of each rank finding its own answer.
"""
import os

from kerasx.distribute.batch_norm_sync import average_moving_statistics
from kerasx.saving.hdf5_file import check_readable


class ReplicatedBackup:
    """What `BackupAndRestore` asks of the job (set as its `_replicas` by `fit_hooks.prepare_callbacks`)."""

    def __init__(self, strategy):
        self.strategy = strategy
        self.communicator = strategy.communicator

    @property
    def writes(self):
        """Whether this rank writes (and deletes) the backup file: the chief only."""
        return self.strategy.is_chief

    def read(self, path):
        """The backup's bytes on every rank (None when there is no backup), as the chief read them; an
        error reading it raises on every rank, with the chief's message."""
        data = error = None
        if self.strategy.is_chief:
            try:
                if os.path.exists(path):
                    with open(check_readable(path), "rb") as f:
                        data = f.read()
            except Exception as exc:  # told to every rank below, then raised here as it was
                error = exc
        data, message = self.communicator.bcast_object((data, None if error is None else f"{type(error).__name__}: "
                                                                                         f"{error}"))
        if error is not None:
            raise error
        if message is not None:
            raise RuntimeError(f"BackupAndRestore: the chief (rank 0) could not read the backup {path!r}: {message}")
        return data

    def before_backup(self, model):
        """Gives every replica the same BatchNormalization moving statistics (a collective)."""
        average_moving_statistics(self.strategy, model)

    def after_write(self):
        """Every rank waits until the chief's write (or deletion) is done."""
        self.communicator.barrier()
