"""Callbacks on two ranks (tests/distribute/workers/callbacks_job.py): ModelCheckpoint, CSVLogger and
`model.save` write once, on the chief, a whole file that loads; EarlyStopping on validation data that
differs from rank to rank, and a stop requested by one rank only, stop every rank together."""
import csv
import json

import numpy as np
import pytest

import kerasx as keras
from tests.conftest import HOST_BACKEND
from tests.distribute.mpi_launch import describe, requires_mpi, run_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit_hooks")
    result = run_job(2, "callbacks_job.py", [out], backend_name=HOST_BACKEND, timeout=120)
    assert result.returncode == 0, describe(result)
    ranks = []
    for rank in (0, 1):
        with open(out / f"result_r{rank}.json") as f:
            ranks.append(json.load(f))
    return out, ranks


@requires_mpi
def test_checkpoint_and_saved_model_load_with_the_trained_weights(job):
    out, ranks = job
    final = np.load(out / "final_r0.npy")
    np.testing.assert_array_equal(final, np.load(out / "final_r1.npy"))
    for name in ("ckpt.h5", "saved.h5"):
        model = keras.models.load_model(str(out / name))
        np.testing.assert_allclose(np.concatenate([w.ravel() for w in model.get_weights()]), final, rtol=0, atol=0)
    assert all(r["saved_exists_after_barrier"] for r in ranks)


@requires_mpi
def test_csv_logger_writes_one_row_per_epoch_with_the_global_numbers(job):
    out, ranks = job
    with open(out / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    np.testing.assert_allclose([float(r["val_loss"]) for r in rows], ranks[0]["val_loss"], rtol=1e-6)


@requires_mpi
def test_ranks_see_the_same_validation_numbers_and_stop_together(job):
    _, ranks = job
    assert ranks[0]["val_loss"] == ranks[1]["val_loss"]
    for r in ranks:
        assert r["early_stopping_epochs"] == 2  # min_delta=10: the second epoch cannot improve enough
        assert r["rank1_epoch_stop_epochs"] == 3  # rank 1 alone stopped at the end of epoch index 2
        assert r["rank1_batch_stop_batches"] == [0, 1]  # rank 1 alone stopped after batch 1


@requires_mpi
def test_batch_norm_moving_statistics_are_averaged_over_the_replicas(job):
    _, ranks = job
    x = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")  # the job's training data
    assert ranks[0]["bn_moving_mean"] == ranks[1]["bn_moving_mean"]
    assert ranks[0]["bn_moving_variance"] == ranks[1]["bn_moving_variance"]
    # The last global batch is rows 32..63; rank 0 normalised rows 32..47, rank 1 rows 48..63.
    np.testing.assert_allclose(ranks[0]["bn_moving_mean"], x[32:64].mean(axis=0), rtol=1e-5, atol=1e-6)
    # fused=False: the moving variance takes the batch (biased) variance of each replica's rows.
    shard_variances = [x[32:48].var(axis=0), x[48:64].var(axis=0)]
    np.testing.assert_allclose(ranks[0]["bn_moving_variance"], np.mean(shard_variances, axis=0), rtol=1e-5)
