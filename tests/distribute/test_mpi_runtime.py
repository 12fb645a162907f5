"""Failures end the job instead of hanging it (tests/distribute/workers/failure_job.py): an uncaught
exception on one rank (a plain `mpiexec -n 2 python train.py`, without `-m mpi4py`), a rank killed by
SIGKILL, and a rank that stops calling collectives (past KERASX_COLLECTIVE_TIMEOUT). And without mpi4py,
a launched job names the extra to install."""
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import HOST_BACKEND
from tests.distribute.mpi_launch import ROOT, describe, requires_mpi, run_job, worker_env


@requires_mpi
def test_an_uncaught_exception_on_one_rank_aborts_the_job_with_a_rank_tagged_traceback():
    result = run_job(2, "failure_job.py", ["raise"], backend_name=HOST_BACKEND, timeout=60)
    assert result.returncode != 0, describe(result)
    assert "[kerasx rank 1/2] RuntimeError: planted failure on rank 1" in result.stderr, describe(result)
    assert "fit returned" not in result.stdout


@requires_mpi
def test_the_same_under_python_m_mpi4py():
    result = run_job(2, "failure_job.py", ["raise"], backend_name=HOST_BACKEND, timeout=60, use_mpi4py_module=True)
    assert result.returncode != 0, describe(result)
    assert "planted failure on rank 1" in result.stderr


@requires_mpi
def test_a_killed_rank_ends_the_job():
    result = run_job(2, "failure_job.py", ["kill"], backend_name=HOST_BACKEND, timeout=60)
    assert result.returncode != 0, describe(result)
    assert "fit returned" not in result.stdout


@requires_mpi
def test_a_rank_that_stops_calling_collectives_ends_the_job_after_the_timeout():
    timeout = 3
    start = time.monotonic()
    result = run_job(2, "failure_job.py", ["hang"], backend_name=HOST_BACKEND, timeout=timeout + 40,
                     KERASX_COLLECTIVE_TIMEOUT=timeout)
    elapsed = time.monotonic() - start
    assert result.returncode != 0, describe(result)
    assert "[kerasx rank 0] collective 'or_reduce' (fit epoch 1 step 2) has waited" in result.stderr, describe(result)
    assert "KERASX_COLLECTIVE_TIMEOUT=3 s" in result.stderr
    # The job's start-up (two interpreters importing kerasx) comes on top of the timeout.
    assert elapsed < timeout + 10 + 15, f"the job took {elapsed:.1f} s"


def test_a_launched_process_without_mpi4py_names_the_extra():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import kerasx\n"
            "try:\n    kerasx.distribute.MultiWorkerMirroredStrategy()\n"
            "except ImportError as e:\n    print('ImportError:', e)\n")
    env = worker_env(HOST_BACKEND, PMI_RANK=0, PMI_SIZE=2)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert "ImportError: Training on several processes needs mpi4py" in out.stdout, out.stderr
    assert "kerasx[mpi]" in out.stdout


def test_explicit_mpi_without_mpi4py_names_the_extra_and_auto_is_one_replica():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import kerasx\n"
            "print('auto replicas:', kerasx.distribute.MultiWorkerMirroredStrategy().num_replicas_in_sync)\n"
            "try:\n    kerasx.distribute.MultiWorkerMirroredStrategy(communication='mpi')\n"
            "except ImportError as e:\n    print('ImportError:', e)\n")
    env = {k: v for k, v in worker_env(HOST_BACKEND).items() if not k.startswith(("PMI", "PMIX", "OMPI"))}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert "auto replicas: 1" in out.stdout, out.stderr
    assert "ImportError: Training on several processes needs mpi4py" in out.stdout and "kerasx[mpi]" in out.stdout


def test_importing_kerasx_alone_does_not_initialise_mpi():
    env = {k: v for k, v in worker_env(HOST_BACKEND).items() if not k.startswith(("PMI", "PMIX", "OMPI"))}
    code = "import sys, kerasx; print('mpi4py.MPI' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr
