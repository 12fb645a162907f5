"""Callbacks under MultiWorkerMirroredStrategy: ModelCheckpoint and CSVLogger (the chief writes), and the
ranks stopping together. Writes one JSON file per rank (result_r<rank>.json): its epochs in History per scenario."""
import json
import os
import sys

import numpy as np

import kerasx as keras
from kerasx import layers

out_dir = sys.argv[1]
strategy = keras.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 6)).astype("float32")
y = rng.integers(0, 3, size=(64,))
# Validation data that differs from rank to rank: the global val_loss is what every rank sees.
val_rng = np.random.default_rng(100 + rank)
x_val = val_rng.normal(size=(20, 6)).astype("float32")
y_val = val_rng.integers(0, 3, size=(20,))


def make_model():
    with strategy.scope():
        model = keras.Sequential([layers.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    return model


class StopOnRank(keras.callbacks.Callback):
    """Sets stop_training on one rank only, at an epoch's end or after a batch."""

    def __init__(self, only_rank, epoch=None, batch=None):
        super().__init__()
        self.only_rank, self.epoch, self.batch = only_rank, epoch, batch

    def on_epoch_end(self, epoch, logs=None):
        if rank == self.only_rank and epoch == self.epoch:
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if rank == self.only_rank and batch == self.batch:
            self.model.stop_training = True


results = {"rank": rank}
model = make_model()
ckpt = os.path.join(out_dir, "ckpt.h5")
csv_path = os.path.join(out_dir, "log.csv")
history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_data=(x_val, y_val),
                    callbacks=[keras.callbacks.ModelCheckpoint(ckpt), keras.callbacks.CSVLogger(csv_path)])
np.save(os.path.join(out_dir, f"final_r{rank}.npy"), np.concatenate([w.ravel() for w in model.get_weights()]))
results["checkpoint_epochs"] = len(history.epoch)
results["val_loss"] = history.history["val_loss"]
model.save(os.path.join(out_dir, "saved.h5"))
results["saved_exists_after_barrier"] = os.path.exists(os.path.join(out_dir, "saved.h5"))

early = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=10.0, patience=0)
results["early_stopping_epochs"] = len(make_model().fit(x, y, batch_size=16, epochs=10, verbose=0,
                                                        validation_data=(x_val, y_val), callbacks=[early]).epoch)
results["rank1_epoch_stop_epochs"] = len(make_model().fit(
    x, y, batch_size=16, epochs=10, verbose=0, callbacks=[StopOnRank(1, epoch=2)]).epoch)
batch_logger = []
log_batches = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batch_logger.append(batch))
make_model().fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[StopOnRank(1, batch=1), log_batches])
results["rank1_batch_stop_batches"] = batch_logger
# BatchNormalization: local statistics per replica, moving statistics averaged at the epoch's end. With
# momentum 0 the moving mean is the last step's batch mean: averaged over the two equal shards, the mean
# of the last global batch.
with strategy.scope():
    bn_model = keras.Sequential([layers.Input((6,)), layers.BatchNormalization(momentum=0.0, fused=False), layers.Dense(3)])
    bn_model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
bn_model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
results["bn_moving_mean"] = bn_model.layers[0].moving_mean.numpy().tolist()
results["bn_moving_variance"] = bn_model.layers[0].moving_variance.numpy().tolist()
with open(os.path.join(out_dir, f"result_r{rank}.json"), "w") as f:
    json.dump(results, f)
