"""Ranks that built different models: the first step raises one clear ValueError on every rank."""
from tests.conftest import HOST_BACKEND
from tests.distribute.mpi_launch import describe, requires_mpi, run_job


@requires_mpi
def test_a_model_that_differs_between_ranks_is_an_error_on_every_rank():
    result = run_job(2, "mismatch_job.py", backend_name=HOST_BACKEND, timeout=120)
    assert result.returncode == 0, describe(result)
    for rank in (0, 1):  # the ranks' lines may interleave: count the messages
        assert result.stdout.count(f"rank {rank} caught: The ranks of this MultiWorkerMirroredStrategy job "
                                   "built different models") == 1, describe(result)
    assert result.stdout.count("rank 0 has 'dense/kernel:0' (6, 8) float32, rank 1 has 'dense/kernel:0' "
                               "(6, 9) float32") == 2
