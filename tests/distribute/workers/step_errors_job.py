"""Errors of the distributed steps, each caught on every rank and printed: an overridden train_step
or BatchNormalization(synchronized=True) given a batch that leaves a replica without rows, and a horovod DistributedOptimizer under a strategy."""
import numpy as np

import kerasx as keras
import kerasx.distribute.horovod as hvd
from kerasx import layers

strategy = keras.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id


class Custom(keras.Sequential):
    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            loss = self.compiled_loss(y, self(x, training=True))
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables), self.trainable_variables))
        return {"loss": loss}


def attempt(label, fn):
    try:
        fn()
    except ValueError as e:
        print(f"rank {rank} {label}: {e}", flush=True)
    else:
        print(f"rank {rank} {label}: no error", flush=True)


x, y = np.zeros((33, 4), "float32"), np.zeros((33, 2), "float32")  # batches of 32 and 1 rows
with strategy.scope():
    custom = Custom([layers.Input((4,)), layers.Dense(2)])
    custom.compile(optimizer="sgd", loss="mse")
attempt("custom", lambda: custom.fit(x, y, batch_size=32, verbose=0))
with strategy.scope():
    plain = keras.Sequential([layers.Input((4,)), layers.Dense(2)])
    plain.compile(optimizer=hvd.DistributedOptimizer(keras.optimizers.SGD(0.1)), loss="mse")
attempt("horovod", lambda: plain.fit(x, y, batch_size=32, verbose=0))
with strategy.scope():
    synced = keras.Sequential([layers.Input((4,)), layers.BatchNormalization(synchronized=True), layers.Dense(2)])
    synced.compile(optimizer="sgd", loss="mse")
attempt("synchronized", lambda: synced.fit(x, y, batch_size=32, verbose=0))
