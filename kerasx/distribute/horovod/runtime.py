"""The process-wide state of the Horovod-style API: `init()` makes the job's communicator (MPI under a
launcher, else this process alone), and the rank queries and tensor collectives use it."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.distribute.communicator import LocalCommunicator, MPICommunicator
from kerasx.distribute.mpi_runtime import install_abort_on_uncaught_exception, mpi_module
from kerasx.distribute.reduction import allreduce_tensors, writeable
from kerasx.distribute.weight_sync import broadcast_weights

# The gradients' pack size for `allreduce` and `DistributedOptimizer` (as the strategies' default).
BYTES_PER_PACK = 64 << 20
Average = "average"
Sum = "sum"
_state = {"communicator": None}


def init(comm=None):
    """Starts the job's communicator (once; later calls keep it). `comm`: an mpi4py communicator to use
    instead of `MPI.COMM_WORLD`."""
    if _state["communicator"] is None:
        MPI = mpi_module(required=comm is not None)
        communicator = LocalCommunicator() if MPI is None else MPICommunicator(MPI, comm)
        if communicator.size > 1:
            install_abort_on_uncaught_exception(communicator._world, communicator.rank, communicator.size)
        _state["communicator"] = communicator
    return _state["communicator"]


def is_initialized():
    return _state["communicator"] is not None


def shutdown():
    """Forgets the communicator (MPI itself is finalized at exit, by mpi4py)."""
    _state["communicator"] = None


def communicator():
    if _state["communicator"] is None:
        raise ValueError("Horovod has not been initialized; use hvd.init() (kerasx.distribute.horovod.init()).")
    return _state["communicator"]


def rank():
    return communicator().rank


def size():
    return communicator().size


def local_rank():
    return communicator().local_rank


def local_size():
    return communicator().local_size


def check_op(op, where):
    if op not in (Average, Sum):
        raise ValueError(f"{where}: `op` must be hvd.Average or hvd.Sum; received {op!r}.")
    return op


def allreduce_list(tensors, op=Average):
    """Each Tensor summed (or averaged) over the ranks, in one fused reduction."""
    comm = communicator()
    summed = allreduce_tensors(comm, list(tensors), BYTES_PER_PACK)
    if op == Average and comm.size > 1:
        return [ops.multiply(t, 1.0 / comm.size) if t.dtype.startswith("float") else t for t in summed]
    return summed


def allreduce(tensor, average=None, name=None, op=None):
    """`tensor` averaged (default) or summed over the ranks."""
    if op is None:
        op = Sum if average is False else Average
    check_op(op, "allreduce")
    return allreduce_list([as_tensor(tensor)], op)[0]


def broadcast(tensor, root_rank, name=None):
    """Rank `root_rank`'s value of `tensor` on every rank."""
    comm = communicator()
    return as_tensor(comm.bcast_array_(writeable(as_tensor(tensor).numpy().copy()), root=root_rank))


def allgather(tensor, name=None):
    """Every rank's `tensor` concatenated along the first axis, in rank order."""
    parts = communicator().allgather_array(as_tensor(tensor).numpy())
    tensors = [as_tensor(p) for p in parts]
    return tensors[0] if len(tensors) == 1 else ops.concatenate(tensors, axis=0)


def broadcast_variables(variables, root_rank):
    """Assigns rank `root_rank`'s value of every Variable on every rank."""
    broadcast_weights(communicator(), list(variables), root=root_rank)


def allgather_object(obj, name=None):
    return communicator().allgather_object(obj)


def broadcast_object(obj, root_rank=0, name=None):
    return communicator().bcast_object(obj, root=root_rank)
