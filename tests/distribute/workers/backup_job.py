"""BackupAndRestore on several ranks: `straight` trains 4 epochs; `interrupt` trains the same fit with a
backup and dies at the start of epoch index 2 (the job aborts); `resume` runs that fit again, which
restores the chief's backup and trains epochs 2 and 3. Each rank writes its final weights and the
epochs its History saw (result_r<rank>.json)."""
import json
import os
import sys

import numpy as np

import kerasx as keras
from kerasx import layers

out_dir, mode = sys.argv[1], sys.argv[2]
strategy = keras.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 6)).astype("float32")
y = rng.integers(0, 3, size=(64,))

with strategy.scope():
    keras.utils.set_random_seed(5)
    model = keras.Sequential([layers.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.BatchNormalization(), layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")


class DieAtEpoch(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            listing = sorted(os.listdir(os.path.join(out_dir, "backup")))
            with open(os.path.join(out_dir, f"listing_r{rank}.json"), "w") as f:
                json.dump(listing, f)
            raise RuntimeError("interrupted on purpose")


callbacks = [] if mode == "straight" else [keras.callbacks.BackupAndRestore(os.path.join(out_dir, "backup"))]
if mode == "interrupt":
    callbacks.append(DieAtEpoch())
history = model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0, callbacks=callbacks)
weights = np.concatenate([np.asarray(w).ravel() for w in model.get_weights()])
np.save(os.path.join(out_dir, f"final_r{rank}.npy"), weights)
with open(os.path.join(out_dir, f"result_r{rank}.json"), "w") as f:
    json.dump({"epochs": history.epoch, "iterations": int(model.optimizer.iterations.numpy())}, f)
