"""NCCL on the CuPy backend (`cupy.cuda.nccl`, from the nvidia-nccl wheel): the device-buffer all-reduce
of kerasx.distribute's `communication='nccl'`.

One process drives one GPU (the strategy picks it by local rank, `use_device`). Rank 0 makes the
NCCL unique id, which the strategy broadcasts over MPI (MPI stays for control and objects; device
buffers never go through it, so no MPI needs to be CUDA-aware). A step's packs are reduced in one
`groupStart`/`groupEnd` group on a side stream that waits for the compute stream and that the compute
stream then waits for, so the reduction is ordered with the kernels around it without a host sync.
"""

# The NCCL datatype of each dtype name the packs can have.
_NCCL_DTYPE_NAMES = {"float16": "NCCL_FLOAT16", "bfloat16": "NCCL_BFLOAT16", "float32": "NCCL_FLOAT32",
                     "float64": "NCCL_FLOAT64", "int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32",
                     "uint32": "NCCL_UINT32", "int64": "NCCL_INT64", "uint64": "NCCL_UINT64"}


def import_nccl():
    """`cupy.cuda.nccl`, or an ImportError naming the extra that brings the NCCL library."""
    from cupy.cuda import nccl
    if not nccl.available:
        raise ImportError("communication='nccl' needs the NCCL library: install the extra kerasx[nccl] "
                          "(`pip install 'nvidia-nccl-cu13>=2.27.7,<3'` next to cupy-cuda13x).")
    return nccl


class NcclReducer:
    """Sums device arrays over the ranks of an NCCL communicator, in place."""

    def __init__(self, xp, nccl, size, rank, unique_id):
        self.xp = xp
        self.nccl = nccl
        self.size = size
        self.rank = rank
        self.comm = nccl.NcclCommunicator(size, unique_id, rank)
        self.stream = xp.cuda.Stream(non_blocking=True)

    def allreduce_sum_(self, arrays):
        """Sums every contiguous device array of `arrays` over the ranks, in place, in one NCCL group."""
        nccl, compute = self.nccl, self.xp.cuda.get_current_stream()
        self.stream.wait_event(compute.record())
        nccl.groupStart()
        try:
            for a in arrays:
                datatype = getattr(nccl, _NCCL_DTYPE_NAMES[a.dtype.name])
                self.comm.allReduce(a.data.ptr, a.data.ptr, a.size, datatype, nccl.NCCL_SUM, self.stream.ptr)
        finally:
            nccl.groupEnd()
        compute.wait_event(self.stream.record())
        return arrays


class CupyCollectiveKernels:
    """The CuPy backend's NCCL entry points (mixed into `CupyBackend`)."""

    def use_device(self, local_rank):
        """Makes GPU ``local_rank % device count`` this process's current device; returns its id."""
        device = local_rank % self.xp.cuda.runtime.getDeviceCount()
        self.xp.cuda.Device(device).use()
        return device

    def nccl_unique_id(self):
        """A new NCCL unique id (rank 0 makes it; every rank passes it to `nccl_reducer`)."""
        nccl = import_nccl()
        return nccl.get_unique_id()

    def nccl_reducer(self, size, rank, unique_id):
        return NcclReducer(self.xp, import_nccl(), size, rank, unique_id)
