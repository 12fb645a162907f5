"""`kerasx.distribute.experimental`: tf.distribute.experimental's `CommunicationOptions` and
`CommunicationImplementation` (also spelled `CollectiveCommunication`)."""
from kerasx.distribute.strategy import CommunicationOptions


class CommunicationImplementation:
    """The values `communication` / `CommunicationOptions(implementation=...)` take."""

    AUTO = "auto"
    RING = "mpi"  # tf's ring all-reduce over gRPC; here the MPI library's own all-reduce
    MPI = "mpi"
    NCCL = "nccl"


CollectiveCommunication = CommunicationImplementation
