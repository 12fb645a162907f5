"""A job in which rank 1 fails at its second training step, as argv[1] says: 'raise' (an uncaught
exception), 'kill' (SIGKILL to itself) or 'hang' (sleeps far past the collective timeout). The other
rank is then left waiting in a collective; the job must still end, non-zero."""
import os
import signal
import sys
import time

import numpy as np

import kerasx as keras
from kerasx import layers

mode = sys.argv[1]
strategy = keras.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id


class FailOnRank1(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if rank != 1 or batch != 1:
            return
        if mode == "raise":
            raise RuntimeError("planted failure on rank 1")
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "hang":
            time.sleep(600)


with strategy.scope():
    model = keras.Sequential([layers.Input((4,)), layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
x = np.ones((64, 4), "float32")
model.fit(x, np.ones((64, 3), "float32"), batch_size=8, epochs=1000, verbose=0, callbacks=[FailOnRank1()])
print(f"rank {rank}: fit returned", flush=True)
