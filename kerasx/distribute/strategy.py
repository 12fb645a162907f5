"""The user's strategies: `MultiWorkerMirroredStrategy` (data parallelism over the processes of an MPI
job, one replica per process) and `MirroredStrategy` (the same for the GPUs of one host); a single
process, with no MPI launcher or with an MPI job of one rank, is one replica and trains as without a
strategy.

    # mpiexec -n 4 python -m mpi4py train.py
    strategy = keras.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = build_model()
        model.compile(...)
    model.fit(x, y, batch_size=GLOBAL_BATCH)    # every rank passes the same full arrays

What `fit`/`evaluate`/`predict` do with it is in `replica_steps.py` and `fit_hooks.py`.
"""
import contextlib

from kerasx import backend as K
from kerasx import ops
from kerasx.distribute import context
from kerasx.distribute.communicator import LocalCommunicator, MPICommunicator
from kerasx.distribute.mpi_runtime import install_abort_on_uncaught_exception, mpi_module

COMMUNICATIONS = ("auto", "mpi", "nccl")
# The gradients of one step are reduced in packs of at most this many bytes, in variable order (the
# `bytes_per_pack` knob of `CommunicationOptions`; 0 means this default). Measured by
# benchmarks/bench_distribute.py: on host buffers one pack per step is fastest.
DEFAULT_BYTES_PER_PACK = 64 << 20


class CommunicationOptions:
    """tf.distribute.experimental.CommunicationOptions: `bytes_per_pack` (0: the default, 64 MiB),
    `timeout_seconds` (None: `KERASX_COLLECTIVE_TIMEOUT`, else 300) and `implementation`
    ('auto', 'mpi' or 'nccl')."""

    def __init__(self, bytes_per_pack=0, timeout_seconds=None, implementation="auto"):
        if isinstance(bytes_per_pack, bool) or not isinstance(bytes_per_pack, int) or bytes_per_pack < 0:
            raise ValueError(f"CommunicationOptions: `bytes_per_pack` must be a non-negative integer; "
                             f"received {bytes_per_pack!r}.")
        if timeout_seconds is not None and (isinstance(timeout_seconds, bool)
                                            or not isinstance(timeout_seconds, (int, float))
                                            or not timeout_seconds > 0):
            raise ValueError(f"CommunicationOptions: `timeout_seconds` must be None or a positive number; "
                             f"received {timeout_seconds!r}.")
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = timeout_seconds
        self.implementation = _check_communication(implementation, "CommunicationOptions: `implementation`")


def _check_communication(value, what):
    name = getattr(value, "value", value)  # an enum-like object with a `.value`
    name = name.lower() if isinstance(name, str) else name
    if name not in COMMUNICATIONS:
        raise ValueError(f"{what} must be one of {COMMUNICATIONS}; received {value!r}.")
    return name


class ClusterResolver:
    """Who this process is in the job (tf's cluster resolver): `task_type` 'worker', `task_id` (the
    MPI rank), `num_workers`, and on this host `local_rank` / `local_size`."""

    task_type = "worker"

    def __init__(self, communicator):
        self.task_id = communicator.rank
        self.num_workers = communicator.size
        self.local_rank = communicator.local_rank
        self.local_size = communicator.local_size
        self.host = communicator.host
        self.rpc_layer = "mpi" if communicator.size > 1 else None

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None):
        return {"GPU": 1} if K.backend() == "cupy" else {}

    def __repr__(self):
        return (f"ClusterResolver(task_type='worker', task_id={self.task_id}, num_workers={self.num_workers}, "
                f"local_rank={self.local_rank})")


class Strategy:
    """One replica per process; the processes of an MPI job together (`num_replicas_in_sync`)."""

    def __init__(self, communication="auto", communication_options=None, _communicator=None):
        if communication_options is not None and not isinstance(communication_options, CommunicationOptions):
            raise TypeError(f"{type(self).__name__}: `communication_options` must be a "
                            f"kerasx.distribute.experimental.CommunicationOptions; received "
                            f"{type(communication_options).__name__}.")
        communication = _check_communication(communication, f"{type(self).__name__}: `communication`")
        options = communication_options or CommunicationOptions(implementation=communication)
        if communication == "auto" and options.implementation != "auto":
            communication = options.implementation
        if communication == "nccl" and K.backend() != "cupy":
            raise ValueError(f"{type(self).__name__}: communication='nccl' reduces GPU buffers and needs the "
                             f"'cupy' backend (KERAS_BACKEND=cupy); the active backend is {K.backend()!r}. "
                             "Use communication='mpi' (or 'auto') on this backend.")
        self.communication_options = options
        self.bytes_per_pack = options.bytes_per_pack or DEFAULT_BYTES_PER_PACK
        if _communicator is None:
            MPI = mpi_module(required=communication == "mpi")
            _communicator = LocalCommunicator() if MPI is None else MPICommunicator(MPI)
        self.communicator = _communicator
        if options.timeout_seconds is not None and hasattr(_communicator, "watchdog"):
            _communicator.watchdog.timeout = float(options.timeout_seconds)
        # NCCL is used for the gradients only where it helps: GPU buffers of several ranks.
        self.communication = ("nccl" if communication == "nccl" or (
            communication == "auto" and K.backend() == "cupy" and self.communicator.size > 1) else "mpi")
        self.device_reducer = None
        if K.backend() == "cupy" and self.communicator.size > 1:
            ops.use_device(self.communicator.local_rank)  # one process per GPU: the local rank's GPU
        if self.communication == "nccl" and self.communicator.size > 1:
            # MPI carries the unique id (control and objects); NCCL the gradients, on the device.
            unique_id = ops.nccl_unique_id() if self.communicator.rank == 0 else None
            unique_id = self.communicator.bcast_object(unique_id)
            self.device_reducer = ops.nccl_reducer(self.communicator.size, self.communicator.rank, unique_id)
        self.cluster_resolver = ClusterResolver(self.communicator)
        if self.communicator.size > 1:
            install_abort_on_uncaught_exception(self.communicator._world, self.communicator.rank,
                                                self.communicator.size)

    @property
    def num_replicas_in_sync(self):
        return self.communicator.size

    @property
    def is_chief(self):
        """True on the process that writes files (rank 0), as tf's `task_id == 0` worker."""
        return self.communicator.rank == 0

    @property
    def is_multi_process(self):
        return self.communicator.size > 1

    @property
    def local_rank(self):
        return self.communicator.local_rank

    @contextlib.contextmanager
    def scope(self):
        """Models compiled inside train with this strategy (`get_strategy()` returns it here)."""
        context.push(self)
        try:
            yield self
        finally:
            context.pop(self)

    def barrier(self):
        """Waits until every process of the job gets here."""
        self.communicator.barrier()

    def __repr__(self):
        return (f"{type(self).__name__}(num_replicas_in_sync={self.num_replicas_in_sync}, "
                f"task_id={self.cluster_resolver.task_id}, communication={self.communication!r})")


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous data parallelism over the processes of an MPI job (`mpiexec -n N python -m mpi4py
    train.py`): every process holds the whole model, takes its slice of each global batch, and the
    gradients are summed over the processes before every update.

    Args:
        communication: 'auto' (MPI over host buffers; NCCL on the 'cupy' backend), 'mpi' or 'nccl'.
        communication_options: a `CommunicationOptions` (`bytes_per_pack`, `timeout_seconds`).
    """

    def __init__(self, cluster_resolver=None, communication_options=None, communication="auto"):
        if cluster_resolver is not None:
            raise ValueError("MultiWorkerMirroredStrategy: the cluster is the MPI job that started this "
                             f"process; `cluster_resolver` must be None, received {cluster_resolver!r}.")
        super().__init__(communication=communication, communication_options=communication_options)


class MirroredStrategy(Strategy):
    """Data parallelism over the GPUs of one host: one process per GPU under `mpiexec` (the local rank
    picks the GPU), or, run as a single process, one replica on whatever the backend is.

    Args:
        devices: None, or the one device of this process (a list of several devices in one process is
            refused: start one process per device with mpiexec).
        cross_device_ops: None, or 'mpi' / 'nccl' (as `communication`).
    """

    def __init__(self, devices=None, cross_device_ops=None, communication="auto"):
        if devices is not None and len(list(devices)) > 1:
            raise ValueError(f"MirroredStrategy: one kerasx process drives one device, received devices="
                             f"{list(devices)}. Start one process per device: `mpiexec -n {len(list(devices))} "
                             "python -m mpi4py train.py`, each process using the GPU of its local rank.")
        if cross_device_ops is not None:
            communication = cross_device_ops
        super().__init__(communication=communication)
        if self.communicator.size != self.communicator.local_size:
            raise ValueError(f"MirroredStrategy is for the processes of one host; this job has "
                             f"{self.communicator.size} ranks, {self.communicator.local_size} on this host. "
                             "Use MultiWorkerMirroredStrategy for several hosts.")


class _DefaultStrategy(Strategy):
    """What `get_strategy()` returns outside every scope: this process, one replica."""

    def __init__(self):
        super().__init__(_communicator=LocalCommunicator())


context.set_default_factory(_DefaultStrategy)


def strategy_of(model):
    """The strategy a model trains with: the one it was compiled under, else the current scope's."""
    recorded = getattr(model, "_distribution_strategy", None)
    return recorded if recorded is not None else context.get_strategy()
