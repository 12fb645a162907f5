"""The distributed steps against one process: the same global batch trained on 1 (no mpiexec), 2 and 4
ranks (oversubscribed on a small machine) gives the same weights (max difference <= 1e-6), the same
History, evaluate and predict results, and identical weights on every rank. One launch per job size
runs every case (tests/distribute/workers/train_cases.py)."""
import numpy as np
import pytest

from tests.conftest import HOST_BACKEND
from tests.distribute.mpi_launch import describe, requires_mpi, run_job

CASES = ["mlp_sgd", "mlp_adam", "cnn_sgd", "cnn_adam", "ragged", "tiny_last", "sample_weight", "class_weight",
         "global_clipnorm", "clipnorm", "regularized", "synchronized_batch_norm", "custom_train_step", "validation"]
SIZES = [2, 4]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("replica_steps")
    for n in [None] + SIZES:
        job = run_job(n, "train_cases.py", [out, ",".join(CASES)], backend_name=HOST_BACKEND, timeout=240)
        assert job.returncode == 0, describe(job)

    def load(case, n, rank):
        with np.load(out / f"{case}_n{n}_r{rank}.npz") as f:
            return dict(f)
    return load


@requires_mpi
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("case", CASES)
def test_training_on_n_ranks_matches_one_process(results, case, n):
    reference = results(case, 1, 0)
    ranks = [results(case, n, r) for r in range(n)]
    for r, got in enumerate(ranks):
        assert sorted(got) == sorted(reference)
        diff = np.abs(got["weights"] - reference["weights"]).max()
        assert diff <= 1e-6, f"{case} on {n} ranks, rank {r}: weights differ from one process by {diff}"
        for key in reference:
            np.testing.assert_allclose(got[key], reference[key], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{case} on {n} ranks, rank {r}: {key}")
        for key in got:  # every rank holds exactly rank 0's numbers
            np.testing.assert_array_equal(got[key], ranks[0][key], err_msg=f"{case}, rank {r} vs 0: {key}")


@requires_mpi
def test_the_cases_train_and_differ_from_their_start(results):
    # Guards the comparison above against cases that would match trivially (nothing trained).
    a, b = results("mlp_adam", 1, 0), results("global_clipnorm", 1, 0)
    assert a["history_loss"].shape == (1,) and np.isfinite(a["history_loss"]).all()
    assert not np.allclose(a["weights"], results("mlp_sgd", 1, 0)["weights"])
    assert a["predicted"].shape == (37, 3) and b["evaluated"].shape == (2,)


@requires_mpi
def test_step_errors_are_raised_on_every_rank():
    job = run_job(2, "step_errors_job.py", backend_name=HOST_BACKEND, timeout=120, KERASX_COLLECTIVE_TIMEOUT=20)
    assert job.returncode == 0, describe(job)
    for rank in (0, 1):
        assert (f"rank {rank} custom: Model 'sequential' overrides `train_step`, and a batch of 1 rows leaves some "
                "of the 2 replicas without rows") in job.stdout, describe(job)
        assert (f"rank {rank} horovod: Model 'sequential_1' was compiled under a multi-process strategy with a "
                "horovod DistributedOptimizer") in job.stdout, describe(job)
        assert (f"rank {rank} synchronized: Model 'sequential_2' has BatchNormalization layers with "
                "synchronized=True, which every replica must run; a batch of 1 rows leaves some of the 2 "
                "replicas without rows") in job.stdout, describe(job)
