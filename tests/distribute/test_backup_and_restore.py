"""BackupAndRestore on two ranks (tests/distribute/workers/backup_job.py): the chief alone writes the
backup; a job that died resumes from it on every rank and ends where an uninterrupted job ends; an
unreadable backup stops every rank with the chief's message instead of each rank deciding alone."""
import json
import os

import numpy as np
import pytest

from tests.conftest import HOST_BACKEND
from tests.distribute.mpi_launch import describe, requires_mpi, run_job


def _ranks(out):
    results = []
    for rank in (0, 1):
        with open(out / f"result_r{rank}.json") as f:
            results.append(json.load(f))
    return results


@requires_mpi
def test_an_interrupted_job_resumes_from_the_chiefs_backup(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    straight.mkdir()
    resumed.mkdir()
    result = run_job(2, "backup_job.py", [straight, "straight"], backend_name=HOST_BACKEND, timeout=120)
    assert result.returncode == 0, describe(result)

    died = run_job(2, "backup_job.py", [resumed, "interrupt"], backend_name=HOST_BACKEND, timeout=120)
    assert died.returncode != 0 and "interrupted on purpose" in died.stdout + died.stderr, describe(died)
    for rank in (0, 1):  # the chief's file alone: no temporary or per-rank backups
        with open(resumed / f"listing_r{rank}.json") as f:
            assert json.load(f) == ["training_state.h5"]

    result = run_job(2, "backup_job.py", [resumed, "resume"], backend_name=HOST_BACKEND, timeout=120)
    assert result.returncode == 0, describe(result)
    ranks = _ranks(resumed)
    assert [r["epochs"] for r in ranks] == [[2, 3], [2, 3]]  # epochs 0 and 1 came from the backup
    assert [r["iterations"] for r in ranks] == [16, 16]  # 4 global batches per epoch, 4 epochs in all
    expected = np.load(straight / "final_r0.npy")
    for rank in (0, 1):
        np.testing.assert_allclose(np.load(resumed / f"final_r{rank}.npy"), expected, rtol=1e-6, atol=1e-7)
    assert not os.path.exists(resumed / "backup")  # delete_checkpoint: removed once, by the chief


@requires_mpi
def test_an_unreadable_backup_stops_every_rank(tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "training_state.h5").write_bytes(b"")
    result = run_job(2, "backup_job.py", [tmp_path, "resume"], backend_name=HOST_BACKEND, timeout=120)
    assert result.returncode != 0, describe(result)
    assert "it is empty (0 bytes)" in result.stdout + result.stderr, describe(result)
    assert not list(tmp_path.glob("result_r*.json"))
