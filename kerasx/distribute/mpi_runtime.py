"""The MPI runtime behind the multi-process strategies: whether this process was started by an MPI
launcher, the `mpi4py.MPI` module when it is, and the hooks that keep a failing job from hanging.

`mpi4py.MPI` initialises MPI when it is imported, so it is imported (here, at the top of this module,
the one place kerasx imports it) only when MPI is in use: when an MPI launcher started this process
(`mpiexec`, `srun`: the PMI/PMIx/Open MPI rank variables are set) or when the program has already
imported `mpi4py.MPI` itself (``python -m mpi4py train.py``). A plain single process never initialises
MPI. A worker process that `fit`'s `use_multiprocessing` spawns inherits its launcher's variables but is
no rank of the job, so it does not initialise MPI either.
"""
import multiprocessing
import os
import sys
import time
import traceback

# Variables an MPI launcher sets in every process it starts: MPICH's Hydra and Intel MPI (PMI_*),
# PMIx launchers (Open MPI 5, Slurm --mpi=pmix), Open MPI's own.
LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK")

MISSING_MPI_MESSAGE = ("Training on several processes needs mpi4py and an MPI library: install the extra "
                       "kerasx[mpi] (`pip install 'kerasx[mpi]'`, i.e. mpi4py and the mpich wheel; "
                       "mpiexec then sits next to the Python executable).")


def launched_by_mpi(environ=None):
    """True when an MPI launcher started this process (and it is not a helper process it spawned)."""
    environ = os.environ if environ is None else environ
    return any(name in environ for name in LAUNCHER_VARIABLES) and multiprocessing.parent_process() is None


try:
    import mpi4py  # the package alone: importing it initialises nothing
except ImportError as error:  # the `mpi` extra is not installed
    mpi4py = None
    _IMPORT_ERROR = error
else:
    _IMPORT_ERROR = None

MPI = None
if mpi4py is not None and (launched_by_mpi() or "mpi4py.MPI" in sys.modules):
    from mpi4py import MPI  # initialises MPI (thread level 'multiple', mpi4py's default)


def mpi_module(required):
    """The initialised `mpi4py.MPI`, or None where MPI is not in use (one process, no launcher).

    With `required` (the user asked for MPI, or a launcher started the process), a missing mpi4py is an
    ImportError naming the extra to install."""
    module = MPI if MPI is not None else sys.modules.get("mpi4py.MPI")
    if module is not None:
        return module
    if mpi4py is None and (required or launched_by_mpi()):
        raise ImportError(MISSING_MPI_MESSAGE) from _IMPORT_ERROR
    if launched_by_mpi():
        raise RuntimeError("An MPI launcher started this process, but mpi4py.MPI could not be initialised "
                           "when kerasx was imported; check the installation of the kerasx[mpi] extra.")
    return None


_installed = {"hook": None}


_ABORT_GRACE_SECONDS = 1.0


def install_abort_on_uncaught_exception(comm, rank, size):
    """Makes an exception that nothing catches, on any rank, end the whole job: the traceback is printed
    with the rank's number, then `MPI_Abort`. Without it the failing rank would wait in `MPI_Finalize`
    (or exit) while the others wait forever in their next collective."""
    if _installed["hook"] is not None:
        return
    previous = sys.excepthook

    def abort_on_uncaught_exception(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt) and size == 1:
            previous(exc_type, exc, tb)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        tag = f"[kerasx rank {rank}/{size}] "
        sys.stderr.write(tag + "uncaught exception; aborting the MPI job (MPI_Abort).\n"
                         + "".join(tag + line + "\n" for line in text.rstrip("\n").split("\n")))
        sys.stderr.flush()
        # mpiexec forwards a rank's output asynchronously: aborting at once can kill its proxy before
        # the traceback reaches the terminal (seen on a loaded machine). Give it a moment.
        time.sleep(_ABORT_GRACE_SECONDS)
        abort(comm, 1)

    sys.excepthook = abort_on_uncaught_exception
    _installed["hook"] = abort_on_uncaught_exception


def abort(comm, code):
    """Ends every process of the job with exit status `code` (`MPI_Abort`; `os._exit` if that fails)."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        comm.Abort(code)
    finally:
        os._exit(code)
