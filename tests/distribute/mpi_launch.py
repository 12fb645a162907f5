"""Launching real MPI jobs from the tests: `mpiexec` from the environment that runs the tests (the
`mpich` wheel of the `test` extra puts it next to the Python executable), each job under a timeout."""
import importlib.util
import os
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers")
MPIEXEC = os.path.join(os.path.dirname(sys.executable), "mpiexec")


def why_no_mpi():
    """None where the tests can launch MPI jobs, else the reason they cannot."""
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed (pip install 'kerasx[mpi]')"
    if not os.access(MPIEXEC, os.X_OK):
        return f"no mpiexec next to {sys.executable} (pip install 'kerasx[mpi]' brings the mpich wheel's)"
    return None


requires_mpi = pytest.mark.skipif(why_no_mpi() is not None, reason=str(why_no_mpi()))


def worker_env(backend_name, **extra):
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend_name
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    # One BLAS thread per rank: the ranks share the machine's cores.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_job(n, worker, args=(), backend_name="numpy", timeout=120, use_mpi4py_module=False, **env):
    """Runs `workers/<worker>` on `n` ranks (`n=None`: one plain process without mpiexec); returns the
    CompletedProcess (stdout and stderr as text)."""
    script = [os.path.join(WORKERS, worker), *[str(a) for a in args]]
    python = [sys.executable] + (["-m", "mpi4py"] if use_mpi4py_module else [])
    command = python + script if n is None else [MPIEXEC, "-n", str(n)] + python + script
    proc = subprocess.Popen(command, env=worker_env(backend_name, **env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # The whole job (mpiexec and its ranks share the new session's process group), not just mpiexec.
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"the MPI job {command} ran past {timeout} s:\n{out[-3000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def describe(result):
    return f"rc={result.returncode}\n--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
