"""Rank 1 builds a wider hidden layer than rank 0: fit must raise the same clear ValueError on every
rank (caught here and printed, so the test can read every rank's message) rather than hang."""
import sys

import numpy as np

import kerasx as keras
from kerasx import layers

strategy = keras.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id
with strategy.scope():
    model = keras.Sequential([layers.Input((6,)), layers.Dense(8 if rank == 0 else 9), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
x = np.zeros((16, 6), "float32")
y = np.zeros((16, 2), "float32")
try:
    model.fit(x, y, batch_size=8, verbose=0)
except ValueError as e:
    print(f"rank {rank} caught: {e}", flush=True)
    sys.exit(0)
print(f"rank {rank}: fit did not raise", flush=True)
sys.exit(3)
