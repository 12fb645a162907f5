"""`DistributedOptimizer`: an optimizer whose `apply_gradients` first averages (or sums) the gradients
over the ranks, as Horovod's. The user gives each rank its own part of the data and a per-rank batch
size; the averaged gradients keep every replica's weights identical (after
`BroadcastGlobalVariablesCallback` made them start equal)."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.distribute.horovod import runtime


class Compression:
    """How gradients travel: `none` as they are; `fp16` rounded through float16 first (Horovod's lossy
    compression; the sum itself is taken in float32)."""

    none = "none"
    fp16 = "fp16"


def _compress(grads, compression):
    if compression == Compression.fp16:
        return [ops.cast(ops.cast(g, "float16"), g.dtype) if g.dtype.startswith("float") else g for g in grads]
    return grads


def DistributedOptimizer(optimizer, name=None, device_dense="", device_sparse="", compression=Compression.none,
                         sparse_as_dense=False, backward_passes_per_step=1, op=runtime.Average,
                         gradient_predivide_factor=1.0, average_aggregated_gradients=False, num_groups=0,
                         groups=None):
    """`optimizer` rebuilt (same class name and config, so saved models name the original class) as a
    subclass whose `apply_gradients` reduces the gradients over the ranks first."""
    runtime.check_op(op, "DistributedOptimizer")
    if compression not in (Compression.none, Compression.fp16):
        raise ValueError(f"DistributedOptimizer: `compression` must be Compression.none or Compression.fp16; "
                         f"received {compression!r}.")
    if backward_passes_per_step != 1:
        raise ValueError("DistributedOptimizer: kerasx reduces the gradients of every step; "
                         f"`backward_passes_per_step` must be 1, received {backward_passes_per_step!r}.")
    if gradient_predivide_factor != 1.0:
        raise ValueError("DistributedOptimizer: `gradient_predivide_factor` must be 1.0 (kerasx sums in "
                         f"float32 and divides once); received {gradient_predivide_factor!r}.")
    base = type(optimizer)
    if getattr(base, "_kerasx_distributed", False):
        raise ValueError(f"DistributedOptimizer: {optimizer!r} is already a DistributedOptimizer.")

    def apply_gradients(self, grads_and_vars, name=None, experimental_aggregate_gradients=True):
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        reduced = runtime.allreduce_list(_compress([as_tensor(g) for g, _ in pairs], compression), op)
        return base.apply_gradients(self, list(zip(reduced, [v for _, v in pairs])), name=name)

    cls = type(base.__name__, (base,), {"apply_gradients": apply_gradients, "_kerasx_distributed": True,
                                        "__module__": base.__module__, "__doc__": base.__doc__})
    config = optimizer.get_config()
    if name is not None:
        config["name"] = name
    return cls.from_config(config)
