"""BatchNormalization's moving statistics under several replicas: each replica normalizes with the
statistics of its own rows (tf.keras's default, `synchronized=False`), so each replica's moving mean and
variance drift apart; at the end of every epoch (before the epoch's callbacks save anything) every
replica takes their average over the replicas, so all replicas, and the files the chief writes, hold one
set of statistics."""
from kerasx import ops
from kerasx.callbacks.callback import Callback
from kerasx.distribute.reduction import allreduce_tensors


def moving_statistics(model):
    """The moving mean and variance Variables of every normalization layer in the model, in layer order."""
    out, seen = [], set()

    def visit(layer):
        for name in ("moving_mean", "moving_variance"):
            v = layer.__dict__.get(name)
            if v is not None and hasattr(v, "assign") and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for sub in layer.__dict__.get("_tracked_layers", []):
            visit(sub)
    visit(model)
    return out


def synchronized_layers(model):
    """The layers of the model built with `synchronized=True` (BatchNormalization's global statistics)."""
    out = []

    def visit(layer):
        if layer.__dict__.get("synchronized") is True:
            out.append(layer)
        for sub in layer.__dict__.get("_tracked_layers", []):
            visit(sub)
    visit(model)
    return out


def average_moving_statistics(strategy, model):
    """Sets every moving statistic to its mean over the replicas (one fused allreduce)."""
    stats = moving_statistics(model)
    if not stats:
        return
    summed = allreduce_tensors(strategy.communicator, stats, strategy.bytes_per_pack,
                               device_reducer=strategy.device_reducer)
    scale = 1.0 / strategy.num_replicas_in_sync
    for v, total in zip(stats, summed):
        v.assign(ops.multiply(total, scale))


class AverageMovingStatistics(Callback):
    """Runs first among the callbacks: averages the moving statistics at every epoch's end."""

    def __init__(self, strategy):
        super().__init__()
        self.strategy = strategy

    def on_epoch_end(self, epoch, logs=None):
        average_moving_statistics(self.strategy, self.model)
