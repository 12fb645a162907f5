"""The Horovod-style API (kerasx/distribute/horovod) on 1 and 2 ranks (tests/distribute/workers/
horovod_job.py): DistributedOptimizer + BroadcastGlobalVariablesCallback on per-rank shards reproduce
one process on the global batch; MetricAverageCallback's logs; LearningRateWarmupCallback's schedule
against Horovod's formula; the tensor collectives. Argument errors in one process."""
import json

import numpy as np
import pytest

import kerasx as keras
import kerasx.distribute.horovod as hvd
from tests.conftest import HOST_BACKEND
from tests.distribute.mpi_launch import describe, requires_mpi, run_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("horovod")
    for n in (None, 2):
        result = run_job(n, "horovod_job.py", [out], backend_name=HOST_BACKEND, timeout=120)
        assert result.returncode == 0, describe(result)

    def load(n, rank):
        with open(out / f"hvd_n{n}_r{rank}.json") as f:
            return json.load(f), np.load(out / f"hvd_n{n}_r{rank}.npy")
    return load


@requires_mpi
def test_distributed_optimizer_on_shards_matches_one_process_on_the_global_batch(job):
    (one, w1), (r0, w20), (r1, w21) = job(1, 0), job(2, 0), job(2, 1)
    np.testing.assert_array_equal(w20, w21)
    assert np.abs(w20 - w1).max() <= 1e-6
    # MetricAverageCallback: the ranks' epoch logs are averaged (equal shards: the global means).
    assert r0["history"] == r1["history"]
    np.testing.assert_allclose(r0["history"]["loss"], one["history"]["loss"], rtol=1e-6)
    assert r0["optimizer_class"] == "SGD"


@requires_mpi
def test_learning_rate_warmup_follows_horovods_schedule(job):
    got, _ = job(2, 1)
    steps, warmup, size, lr = 3, 2, 2, 0.4  # 48 rows per rank, per-rank batch 16
    expected = []
    for epoch in range(3):
        for batch in range(steps):
            if epoch < warmup:
                e = epoch + (batch + 1) / steps
                expected.append(lr / size * (e * (size - 1) / warmup + 1))
            else:
                expected.append(expected[-1])
    np.testing.assert_allclose(got["lrs"], expected, rtol=1e-6)
    # Momentum correction: for a batch where the rate changes, momentum * new_lr / old_lr; restored after.
    np.testing.assert_allclose(got["momenta"][0], 0.5 * expected[0] / lr, rtol=1e-6)
    np.testing.assert_allclose(got["momenta"][1], 0.5 * expected[1] / expected[0], rtol=1e-6)
    assert got["momenta"][-1] == 0.5 and got["momentum"] == 0.5


@requires_mpi
def test_tensor_collectives(job):
    for rank in (0, 1):
        c = job(2, rank)[0]["collectives"]
        assert c["allreduce_average"] == 1.5 and c["allreduce_sum"] == 3.0
        assert c["allgather"] == [[0.0, 0.0], [1.0, 10.0]]
        assert c["broadcast"] == [6.0]  # from the last rank
    one = job(1, 0)[0]["collectives"]
    assert one == {"allreduce_average": 1.0, "allreduce_sum": 1.0, "allgather": [[0.0, 0.0]], "broadcast": [5.0]}


def test_argument_errors():
    hvd.init()
    sgd = keras.optimizers.SGD(0.1)
    with pytest.raises(ValueError, match=r"DistributedOptimizer: `op` must be hvd.Average or hvd.Sum; received 'max'"):
        hvd.DistributedOptimizer(sgd, op="max")
    with pytest.raises(ValueError, match="`backward_passes_per_step` must be 1, received 2"):
        hvd.DistributedOptimizer(sgd, backward_passes_per_step=2)
    with pytest.raises(ValueError, match="`compression` must be Compression.none or Compression.fp16; received 'zip'"):
        hvd.DistributedOptimizer(sgd, compression="zip")
    with pytest.raises(ValueError, match="already a DistributedOptimizer"):
        hvd.DistributedOptimizer(hvd.DistributedOptimizer(sgd))
    with pytest.raises(ValueError, match="`initial_lr` must be a positive number; received 0"):
        hvd.callbacks.LearningRateWarmupCallback(initial_lr=0)
    with pytest.raises(ValueError, match="`warmup_epochs` must be a positive number; received -1"):
        hvd.callbacks.LearningRateWarmupCallback(initial_lr=0.1, warmup_epochs=-1)


def test_a_distributed_optimizer_keeps_its_class_name_and_config(backend):
    hvd.init()
    adam = keras.optimizers.Adam(0.003, beta_1=0.8)
    wrapped = hvd.DistributedOptimizer(adam)
    assert isinstance(wrapped, keras.optimizers.Adam) and type(wrapped).__name__ == "Adam"
    assert wrapped.get_config() == adam.get_config()
    # One process: the reduction is the identity, so a step is Adam's step.
    v1 = keras.Variable(np.ones(3, "float32"))
    v2 = keras.Variable(np.ones(3, "float32"))
    g = keras.Variable(np.array([0.5, -1.0, 2.0], "float32")).read_value()
    keras.optimizers.Adam(0.003, beta_1=0.8).apply_gradients([(g, v1)])
    wrapped.apply_gradients([(g, v2)])
    np.testing.assert_array_equal(v1.numpy(), v2.numpy())
