"""What `Trainer` calls so that `fit`, `evaluate`, `predict` and `save` work on several replicas; with
one replica (no strategy, a single process, an MPI job of one rank) every hook hands back what it was
given, and training is exactly as without a strategy.

- `train_step` / `test_step` / `predict_step`: the model's own step, or the distributed one
  (`replica_steps.py`).
- `prepare_callbacks`: the callbacks run on every rank, in the same order, so that their decisions
  (EarlyStopping, ModelCheckpoint's "best", learning-rate schedules) agree; those that only write (the
  progress bar, CSVLogger, TensorBoard, RemoteMonitor) run on the chief (rank 0) alone. A `ReplicaSync`
  callback is added after the user's: it OR-reduces `model.stop_training` after every batch and epoch,
  so one rank's stop stops all, and names the step in the collective watchdog's messages. In `fit`, an
  `AverageMovingStatistics` callback comes first: BatchNormalization's moving statistics are averaged
  over the replicas at each epoch's end, before any callback saves (`batch_norm_sync.py`).
- `BackupAndRestore` gets a `ReplicatedBackup` (`backup_sync.py`): the chief writes one backup for the job
  and hands it to every rank when `fit` resumes.
- `chief_writes`: `model.save` / `save_weights` write on the chief only, then every rank waits at a
  barrier, so the file is whole when any rank goes on.
"""
from kerasx.autodiff.nest import flatten
from kerasx.callbacks import BackupAndRestore, CallbackList, CSVLogger, ProgbarLogger, RemoteMonitor, TensorBoard
from kerasx.callbacks.callback import Callback
from kerasx.distribute.backup_sync import ReplicatedBackup
from kerasx.distribute.batch_norm_sync import AverageMovingStatistics
from kerasx.distribute.communicator import share_host_random_state
from kerasx.distribute.replica_steps import ReplicaSteps
from kerasx.distribute.strategy import strategy_of

CHIEF_ONLY_CALLBACKS = (ProgbarLogger, CSVLogger, TensorBoard, RemoteMonitor)


def _replica_steps(model):
    """The model's `ReplicaSteps` under its multi-process strategy, or None with one replica."""
    strategy = strategy_of(model)
    if not strategy.is_multi_process:
        return None
    steps = model.__dict__.get("_kerasx_replica_steps")
    if steps is None or steps.strategy is not strategy:
        steps = ReplicaSteps(model, strategy)
        model._kerasx_replica_steps = steps
    return steps


def train_step(model, is_default):
    """The step `fit` and `train_on_batch` run: `model.train_step`, or the distributed one (for an
    overridden `train_step`, the user's step on this rank's rows with its gradients summed)."""
    steps = _replica_steps(model)
    if steps is None:
        return model.train_step
    if getattr(type(model.optimizer), "_kerasx_distributed", False):
        raise ValueError(f"Model {model.name!r} was compiled under a multi-process strategy with a horovod "
                         "DistributedOptimizer: the strategy already sums the gradients over the replicas. "
                         "Use the plain optimizer with the strategy, or the horovod API without a strategy.")
    return steps.train_step if is_default else steps.custom_train_step


def test_step(model, is_default):
    steps = _replica_steps(model)
    if steps is None:
        return model.test_step
    return steps.test_step if is_default else steps.custom_test_step


def predict_step(model):
    """`model.predict_step`, or the distributed one (each rank predicts its rows; all get everything)."""
    steps = _replica_steps(model)
    return model.predict_step if steps is None else steps.predict_step


class ReplicaSync(Callback):
    """Keeps the ranks in step: `stop_training` OR-reduced after every train batch and epoch, the host
    random state (the shuffled order) shared at every epoch's end, the step counts checked equal, and
    the watchdog told which step is running."""

    def __init__(self, strategy):
        super().__init__()
        self.strategy = strategy
        self.communicator = strategy.communicator
        self._epoch = 0

    def _check_steps(self, what):
        steps = (self.params or {}).get("steps")
        everyone = self.communicator.allgather_object(steps)
        if len(set(everyone)) > 1:
            raise ValueError(f"The ranks of this job would run different numbers of {what} steps per epoch "
                             f"({everyone}, by rank): every rank must be given the same data (the same "
                             "arrays, Dataset or generator), which the strategy then shards.")

    def on_train_begin(self, logs=None):
        self.communicator.where = "fit start"
        self._check_steps("training")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self.communicator.where = f"fit epoch {self._epoch}"

    def on_train_batch_begin(self, batch, logs=None):
        self.communicator.where = f"fit epoch {self._epoch} step {batch + 1}"

    def on_train_batch_end(self, batch, logs=None):
        self.model.stop_training = self.communicator.any(self.model.stop_training)

    def on_test_batch_begin(self, batch, logs=None):
        self.communicator.where = f"evaluate step {batch + 1}"

    def on_predict_batch_begin(self, batch, logs=None):
        self.communicator.where = f"predict step {batch + 1}"

    def on_epoch_end(self, epoch, logs=None):
        self.communicator.where = f"fit epoch {self._epoch} end"
        self.model.stop_training = self.communicator.any(self.model.stop_training)
        share_host_random_state(self.communicator)

    def on_train_end(self, logs=None):
        self.communicator.where = "outside fit"


def prepare_callbacks(model, callbacks, verbose, training=False):
    """`(callbacks, verbose)` for this rank: unchanged with one replica; otherwise the chief-only
    callbacks left out and `verbose` 0 on the other ranks, and a `ReplicaSync` added."""
    strategy = strategy_of(model)
    if not strategy.is_multi_process or isinstance(callbacks, CallbackList):
        return callbacks, verbose
    cbs = flatten(callbacks) if callbacks else []
    if training:
        for backup in (c for c in cbs if isinstance(c, BackupAndRestore)):
            backup._replicas = ReplicatedBackup(strategy)  # one backup for the job (backup_sync.py)
        share_host_random_state(strategy.communicator)
    if not strategy.is_chief:
        cbs = [c for c in cbs if not isinstance(c, CHIEF_ONLY_CALLBACKS)]
        verbose = 0
    first = [AverageMovingStatistics(strategy)] if training else []
    return first + cbs + [ReplicaSync(strategy)], verbose


def chief_writes(model, write):
    """Runs `write()` (a save) on the chief only under a multi-process strategy, then a barrier."""
    strategy = strategy_of(model)
    if not strategy.is_multi_process:
        return write()
    result = write() if strategy.is_chief else None
    strategy.barrier()
    return result
