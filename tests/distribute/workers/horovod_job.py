"""The Horovod-style API (kerasx.distribute.horovod) on 1 (no mpiexec) or 2 ranks. Each rank trains on
its own rows with a per-rank batch (rank r of the global batch's rows), starting from different initial
weights that BroadcastGlobalVariablesCallback replaces by rank 0's. Writes <out>/hvd_n<size>_r<rank>.json
and .npy."""
import json
import sys

import numpy as np

import kerasx as keras
import kerasx.distribute.horovod as hvd
from kerasx import layers

out_dir = sys.argv[1]
hvd.init()
rank, size = hvd.rank(), hvd.size()
GLOBAL_BATCH = 32
per_rank = GLOBAL_BATCH // size
rng = np.random.default_rng(0)
x = rng.normal(size=(96, 6)).astype("float32")
y = rng.integers(0, 3, size=(96,))
mine = np.arange(96)[(np.arange(96) % GLOBAL_BATCH) // per_rank == rank]

keras.utils.set_random_seed(1 + rank)
model = keras.Sequential([layers.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
model.compile(optimizer=hvd.DistributedOptimizer(keras.optimizers.SGD(0.1, momentum=0.9)),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
history = model.fit(x[mine], y[mine], batch_size=per_rank, epochs=2, shuffle=False, verbose=0,
                    callbacks=[hvd.callbacks.BroadcastGlobalVariablesCallback(0), hvd.callbacks.MetricAverageCallback()])
np.save(f"{out_dir}/hvd_n{size}_r{rank}.npy", np.concatenate([w.ravel() for w in model.get_weights()]))

lrs, momenta = [], []
warm = keras.Sequential([layers.Input((6,)), layers.Dense(3)])
record = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: (
    lrs.append(float(keras.backend.get_value(warm.optimizer.learning_rate))),
    momenta.append(float(keras.backend.get_value(warm.optimizer.momentum)))))
warm.compile(optimizer=hvd.DistributedOptimizer(keras.optimizers.SGD(0.4, momentum=0.5)), loss="mse")
warm.fit(x[mine], np.zeros((len(mine), 3), "float32"), batch_size=per_rank, epochs=3, verbose=0, shuffle=False,
         callbacks=[hvd.callbacks.LearningRateWarmupCallback(initial_lr=0.4, warmup_epochs=2), record])
collectives = {
    "allreduce_average": float(hvd.allreduce(np.float32(rank + 1)).numpy()),
    "allreduce_sum": float(hvd.allreduce(np.float32(rank + 1), op=hvd.Sum).numpy()),
    "allgather": hvd.allgather(np.array([[rank, 10 * rank]], "float32")).numpy().tolist(),
    "broadcast": hvd.broadcast(np.array([rank + 5.0], "float32"), root_rank=size - 1).numpy().tolist(),
}
with open(f"{out_dir}/hvd_n{size}_r{rank}.json", "w") as f:
    json.dump({"history": history.history, "lrs": lrs, "momenta": momenta, "momentum": float(keras.backend.get_value(
        warm.optimizer.momentum)), "collectives": collectives,
        "optimizer_class": type(model.optimizer).__name__}, f)
