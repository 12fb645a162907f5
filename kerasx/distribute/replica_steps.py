"""The steps `fit`, `evaluate` and `predict` run when a model trains on several replicas.

A train step, on every rank: take this rank's rows of the global batch (`sharding.py`); run the
forward pass and the loss on them; scale the loss by ``local rows / global rows`` (tf's
`compute_average_loss`: each rank's loss is its local sum over the global count, so the gradients
summed over the ranks are the gradients of the global batch's mean loss, and a regularization loss,
weighted by fractions that add up to 1, counts once); update the metrics with the local rows; sum the
gradients and the metric changes over the ranks in one fused allreduce (`reduction.py`,
`metric_sync.py`); and apply the summed gradients (the optimizer's clipping then sees the global
gradient, as in one process). Every rank therefore makes the same update as one process on the whole
batch, and every rank's logs hold the global metrics.

A rank whose slice of a ragged last batch is empty contributes zero gradients and no metric change.
The first step of a model checks that every rank built the same model and gives every rank rank 0's
weights (`weight_sync.py`).
"""
from kerasx import ops
from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as
from kerasx.autodiff.tape import GradientTape
from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.distribute import metric_sync
from kerasx.distribute.batch_norm_sync import synchronized_layers
from kerasx.distribute.reduction import ReductionTimer, allreduce_tensors
from kerasx.distribute.sharding import shard_batch
from kerasx.distribute.weight_sync import sync_model
from kerasx.engine.batching import unpack_x_y_sample_weight

_MEAN_REDUCTIONS = {"auto", "sum_over_batch_size"}
_SUM_REDUCTIONS = {"sum", "none"}


def loss_reductions(model):
    """The reductions of the compiled losses ('sum_over_batch_size', 'sum', ...), once built."""
    container = getattr(model, "compiled_loss", None)
    out = set()
    for loss in getattr(container, "_losses", None) or []:
        if loss is not None and hasattr(loss, "_get_reduction"):
            out.add(loss._get_reduction())
    return out


def scale_loss_for_replica(model, loss, local_rows, global_rows, num_replicas):
    """The loss whose gradients, summed over the replicas, are the gradients of the global batch's loss.

    Mean-reduced losses (the default): ``loss * local_rows / global_rows``. Sum-reduced losses already
    add up over the replicas; only the regularization losses they include are divided by the number of
    replicas, so they count once."""
    reductions = loss_reductions(model)
    if reductions and reductions <= _SUM_REDUCTIONS:
        regularization = model.losses
        if not regularization:
            return loss
        reg = regularization[0]
        for r in regularization[1:]:
            reg = ops.add(reg, r)
        return ops.subtract(loss, ops.multiply(reg, 1.0 - 1.0 / num_replicas))
    if reductions - _MEAN_REDUCTIONS:
        raise ValueError(f"Model {model.name!r}: under a multi-process strategy every compiled loss must be "
                         "reduced the same way, all 'sum_over_batch_size'/'auto' or all 'sum'; received "
                         f"{sorted(reductions)}.")
    return ops.multiply(loss, float(local_rows) / float(global_rows))


class ReplicaSteps:
    """The distributed train/test/predict steps of one model under one strategy."""

    def __init__(self, model, strategy):
        self.model = model
        self.strategy = strategy
        self.communicator = strategy.communicator
        self.timer = ReductionTimer()
        self._gradient_pattern = None  # which trainable variables get a gradient (from a step with rows)

    # ---------------------------------------------------------------- shared
    def _shard(self, data):
        comm = self.communicator
        local, local_rows, global_rows = shard_batch(data, comm.rank, comm.size)
        if not getattr(self.model, "_kerasx_replicas_synced", False):
            if global_rows < comm.size:
                raise ValueError(f"The first batch has {global_rows} rows for {comm.size} replicas: with a "
                                 "multi-process strategy `batch_size` is the global batch and must be at least "
                                 "`strategy.num_replicas_in_sync`.")
            if not self.model.weights:  # a subclassed model builds on its first call
                x, _, _ = unpack_x_y_sample_weight(local)
                self.model(x, training=False)
            sync_model(comm, self.model)
            self.model._kerasx_replicas_synced = True
        if global_rows < comm.size and synchronized_layers(self.model):
            # Known alike on every rank (the same global batch): all raise, none waits in a collective.
            raise ValueError(f"Model {self.model.name!r} has BatchNormalization layers with synchronized=True, "
                             f"which every replica must run; a batch of {global_rows} rows leaves some of the "
                             f"{comm.size} replicas without rows. Choose a number of samples whose last batch "
                             "has at least one row per replica.")
        return local, local_rows, global_rows

    def _reduce(self, tensors):
        return allreduce_tensors(self.communicator, tensors, self.strategy.bytes_per_pack, self.timer,
                                 device_reducer=self.strategy.device_reducer)

    # ---------------------------------------------------------------- train
    def train_step(self, data):
        model = self.model
        local, local_rows, global_rows = self._shard(data)
        variables = model.trainable_variables
        before = metric_sync.snapshot(model)
        if local_rows:
            x, y, sample_weight = unpack_x_y_sample_weight(local)
            with GradientTape() as tape, ops.replica_communicator(self.communicator):
                y_pred = model(x, training=True)
                loss = model.compute_loss(x, y, y_pred, sample_weight)
                model._validate_target_and_loss(y, loss)
                scaled = scale_loss_for_replica(model, loss, local_rows, global_rows, self.communicator.size)
            with ops.replica_communicator(self.communicator):
                grads = tape.gradient(scaled, variables)
            model.compiled_metrics.update_state(y, y_pred, sample_weight)
            mine = [g is not None for g in grads]
        else:
            grads, mine = [None] * len(variables), None
        if self._gradient_pattern is None:  # agreed once: a variable gets a gradient if it has one anywhere
            known = [p for p in self.communicator.allgather_object(mine) if p is not None]
            self._gradient_pattern = [any(column) for column in zip(*known)]
        pattern = self._gradient_pattern
        present = [i for i, has in enumerate(pattern) if has]
        grads = [grads[i] if grads[i] is not None else ops.zeros_like(variables[i]) for i in present]
        metric_vars, deltas = metric_sync.changes(model, before)
        summed = self._reduce(grads + deltas)
        metric_sync.apply_summed(metric_vars, before, summed[len(grads):])
        model.optimizer.apply_gradients(zip(summed[:len(grads)], [variables[i] for i in present]))
        return model.get_metrics_result()

    # ---------------------------------------------------------------- a model's own train_step
    def custom_train_step(self, data):
        """An overridden `train_step` on this rank's rows: every `apply_gradients` it makes first sums
        the gradients, scaled by ``local rows / global rows``, over the ranks (so its loss is taken as a
        mean over its rows, as `compiled_loss` gives); then the metric changes are summed."""
        model = self.model
        local, local_rows, global_rows = self._shard(data)
        if global_rows < self.communicator.size:  # known alike on every rank: all raise, none waits
            raise ValueError(f"Model {model.name!r} overrides `train_step`, and a batch of {global_rows} rows "
                             f"leaves some of the {self.communicator.size} replicas without rows. "
                             "With an overridden train_step every global batch needs at least one row per "
                             "replica: choose a number of samples whose last batch is large enough.")
        before = metric_sync.snapshot(model)
        optimizer = model.optimizer
        apply = type(optimizer).apply_gradients
        factor = float(local_rows) / float(global_rows)

        def apply_summed_gradients(grads_and_vars, name=None, experimental_aggregate_gradients=True):
            pairs = [(g, v) for g, v in grads_and_vars if g is not None]
            summed = self._reduce([ops.multiply(as_tensor(g), factor) for g, _ in pairs])
            return apply(optimizer, list(zip(summed, [v for _, v in pairs])), name=name)
        optimizer.apply_gradients = apply_summed_gradients  # for this step only
        try:
            with ops.replica_communicator(self.communicator):
                logs = model.train_step(local)
        finally:
            del optimizer.apply_gradients
        metric_vars, deltas = metric_sync.changes(model, before)
        metric_sync.apply_summed(metric_vars, before, self._reduce(deltas))
        return {**(logs or {}), **model.get_metrics_result()}

    def custom_test_step(self, data):
        """An overridden `test_step` on this rank's rows, its metric changes then summed."""
        model = self.model
        local, local_rows, _ = self._shard(data)
        before = metric_sync.snapshot(model)
        logs = model.test_step(local) if local_rows else {}
        metric_vars, deltas = metric_sync.changes(model, before)
        metric_sync.apply_summed(metric_vars, before, self._reduce(deltas))
        return {**(logs or {}), **model.get_metrics_result()}

    # ---------------------------------------------------------------- evaluate
    def test_step(self, data):
        model = self.model
        local, local_rows, _ = self._shard(data)
        before = metric_sync.snapshot(model)
        if local_rows:
            x, y, sample_weight = unpack_x_y_sample_weight(local)
            y_pred = model(x, training=False)
            model.compute_loss(x, y, y_pred, sample_weight)
            model.compiled_metrics.update_state(y, y_pred, sample_weight)
        metric_vars, deltas = metric_sync.changes(model, before)
        metric_sync.apply_summed(metric_vars, before, self._reduce(deltas))
        return model.get_metrics_result()

    # ---------------------------------------------------------------- predict
    def predict_step(self, data):
        """Each rank predicts its rows; the outputs of all ranks, in rank order (the global batch's
        order), are every rank's result."""
        local, local_rows, _ = self._shard(data)
        outputs = None
        if local_rows:
            outputs = map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else t,
                                    self.model.predict_step(local))
        gathered = [o for o in self.communicator.allgather_object(outputs) if o is not None]
        flat = [flatten(o) for o in gathered]
        joined = [_concatenate_rows([as_tensor(f[i]) for f in flat]) for i in range(len(flat[0]))]
        return pack_sequence_as(gathered[0], joined)


def _concatenate_rows(parts):
    return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=0)
