"""Communicators: the collectives a data-parallel job needs, on host (NumPy) buffers.

`MPICommunicator` runs them over mpi4py on a private duplicate of `MPI.COMM_WORLD` (so a user's own
messages never mix with kerasx's), each under the collective watchdog; `LocalCommunicator` is the
one-process case, where every collective is the identity. Device arrays never reach MPI: the callers
(`reduction.py`, `weight_sync.py`) copy them to the host with `.numpy()` and back with `as_tensor`, so
the backends count every transfer, and no MPI needs to be CUDA-aware.
"""
import contextlib
import time

import numpy as np  # host-side: MPI sends and receives host buffers

from kerasx.distribute.mpi_runtime import abort
from kerasx.distribute.watchdog import CollectiveWatchdog, collective_timeout


class CommunicationStats:
    """What the collectives cost: calls, bytes reduced and seconds spent, per collective name."""

    def __init__(self):
        self.calls = {}
        self.bytes = {}
        self.seconds = {}

    def record(self, name, nbytes, seconds):
        self.calls[name] = self.calls.get(name, 0) + 1
        self.bytes[name] = self.bytes.get(name, 0) + int(nbytes)
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def reset(self):
        self.calls.clear()
        self.bytes.clear()
        self.seconds.clear()


class LocalCommunicator:
    """One process, one replica: every collective returns its input."""

    rank = 0
    size = 1
    local_rank = 0
    local_size = 1
    host = "localhost"

    def __init__(self):
        self.stats = CommunicationStats()
        self.where = "outside fit"

    def allreduce_sum_(self, buffer):
        return buffer

    def bcast_array_(self, buffer, root=0):
        return buffer

    def bcast_object(self, obj, root=0):
        return obj

    def allgather_object(self, obj):
        return [obj]

    def allgather_array(self, array):
        return [array]

    def barrier(self):
        pass

    def any(self, flag):
        return bool(flag)


class MPICommunicator:
    """The collectives over MPI. `where` (set by the training loop) names the step in the watchdog's
    message when a collective outlives `KERASX_COLLECTIVE_TIMEOUT`."""

    def __init__(self, MPI, comm=None):
        world = MPI.COMM_WORLD if comm is None else comm
        self._MPI = MPI
        self._world = world
        self.comm = world.Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        local = world.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank = local.Get_rank()
        self.local_size = local.Get_size()
        local.Free()
        self.host = MPI.Get_processor_name()
        self.stats = CommunicationStats()
        self.watchdog = CollectiveWatchdog(collective_timeout(), self.rank,
                                           lambda message: abort(self._world, 1))

    @property
    def where(self):
        return self.watchdog.where

    @where.setter
    def where(self, value):
        self.watchdog.where = value

    @contextlib.contextmanager
    def _collective(self, name, nbytes=0):
        self.watchdog.begin(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.watchdog.end()
            self.stats.record(name, nbytes, time.perf_counter() - start)

    def allreduce_sum_(self, buffer):
        """Sums the contiguous host array `buffer` over the ranks, in place; returns it."""
        if not (buffer.flags.c_contiguous and buffer.flags.writeable):
            raise ValueError("allreduce_sum_ needs a writeable C-contiguous host buffer.")
        with self._collective("allreduce", buffer.nbytes):
            self.comm.Allreduce(self._MPI.IN_PLACE, buffer, op=self._MPI.SUM)
        return buffer

    def bcast_array_(self, buffer, root=0):
        """Overwrites the host array `buffer` with rank `root`'s, in place; returns it."""
        with self._collective("broadcast", buffer.nbytes):
            self.comm.Bcast(buffer, root=root)
        return buffer

    def bcast_object(self, obj, root=0):
        """Rank `root`'s picklable `obj` on every rank."""
        with self._collective("broadcast_object"):
            return self.comm.bcast(obj, root=root)

    def allgather_object(self, obj):
        """Every rank's picklable `obj`, as a list in rank order."""
        with self._collective("allgather_object"):
            return self.comm.allgather(obj)

    def allgather_array(self, array):
        """Every rank's host array (same dtype and trailing shape, any length), in rank order."""
        array = np.ascontiguousarray(array)
        lengths = self.allgather_object((array.shape, array.dtype.str))
        for shape, dtype in lengths:
            if tuple(shape[1:]) != array.shape[1:] or dtype != array.dtype.str:
                raise ValueError(f"allgather_array: ranks hold arrays of different trailing shapes or dtypes: "
                                 f"{lengths}.")
        counts = [int(np.prod(shape)) for shape, _ in lengths]
        out = np.empty((sum(shape[0] for shape, _ in lengths),) + array.shape[1:], dtype=array.dtype)
        with self._collective("allgather", out.nbytes):
            self.comm.Allgatherv(array.reshape(-1), [out.reshape(-1), counts])
        rows = np.cumsum([0] + [shape[0] for shape, _ in lengths])
        return [out[rows[i]:rows[i + 1]] for i in range(self.size)]

    def barrier(self):
        with self._collective("barrier"):
            self.comm.Barrier()

    def any(self, flag):
        """True on every rank when `flag` is true on any rank (a logical-OR reduction)."""
        buffer = np.array([1 if flag else 0], dtype=np.int32)
        with self._collective("or_reduce", buffer.nbytes):
            self.comm.Allreduce(self._MPI.IN_PLACE, buffer, op=self._MPI.MAX)
        return bool(buffer[0])


def share_host_random_state(communicator):
    """Gives every rank rank 0's global NumPy random state, from which `fit` draws its shuffled order:
    every rank then draws the same permutation, and rank 0 the one it would draw alone."""
    if communicator.size > 1:
        np.random.set_state(communicator.bcast_object(np.random.get_state()))
