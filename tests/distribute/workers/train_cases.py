"""Trains the small cases of tests/distribute/test_multi_process.py under MultiWorkerMirroredStrategy and
saves, per case, this rank's final weights, History, evaluate results and predictions to
<out>/<case>_n<replicas>_r<rank>.npz. Run alone (one replica: the reference) or under mpiexec.

Rank r seeds everything with 1 + r: the initial weights and the global NumPy state (the shuffled
order) differ between ranks, so matching the one-process run shows that rank 0's weights and order
reached every rank."""
import sys

import numpy as np

import kerasx as keras
from kerasx import layers

out_dir, cases = sys.argv[1], sys.argv[2].split(",")
strategy = keras.distribute.MultiWorkerMirroredStrategy()
rank, size = strategy.cluster_resolver.task_id, strategy.num_replicas_in_sync
data_rng = np.random.default_rng(0)  # the data itself is the same on every rank


def mlp(regularizer=None):
    return keras.Sequential([layers.Input((6,)), layers.Dense(16, activation="relu", kernel_regularizer=regularizer),
                             layers.Dense(3, kernel_regularizer=regularizer)])


def cnn():
    return keras.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                             layers.MaxPooling2D(), layers.Flatten(), layers.Dense(3)])


class CustomStepModel(keras.Sequential):
    """A model with its own train_step and test_step (the tf.keras guide's recipe)."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def sync_bn_mlp():
    # No bias before the normalization: its true gradient is 0, and Adam would turn rounding noise into steps.
    return keras.Sequential([layers.Input((6,)), layers.Dense(16, use_bias=False),
                             layers.BatchNormalization(synchronized=True),
                             layers.Activation("relu"), layers.Dense(3)])


def custom_mlp():
    return CustomStepModel([layers.Input((6,)), layers.Dense(16, activation="relu",
                                                            kernel_regularizer=keras.regularizers.l2(0.05)),
                            layers.Dense(3)])


def data(n, image=False):
    x = data_rng.normal(size=(n, 8, 8, 1) if image else (n, 6)).astype("float32")
    return x, data_rng.integers(0, 3, size=(n,))


CASES = {
    # name: (model, optimizer, samples, fit keywords)
    "mlp_sgd": (mlp, lambda: keras.optimizers.SGD(0.1, momentum=0.9), 96, {}),
    "mlp_adam": (mlp, lambda: keras.optimizers.Adam(0.01), 96, {}),
    "cnn_sgd": (cnn, lambda: keras.optimizers.SGD(0.1), 96, {}),
    "cnn_adam": (cnn, lambda: keras.optimizers.Adam(0.01), 96, {}),
    "ragged": (mlp, lambda: keras.optimizers.Adam(0.01), 70, {}),           # last batch: 6 rows
    "tiny_last": (mlp, lambda: keras.optimizers.SGD(0.1), 65, {}),          # last batch: 1 row
    "sample_weight": (mlp, lambda: keras.optimizers.Adam(0.01), 96, {"sample_weight": True}),
    "class_weight": (mlp, lambda: keras.optimizers.SGD(0.1), 96, {"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}),
    "global_clipnorm": (mlp, lambda: keras.optimizers.SGD(0.5, global_clipnorm=0.05), 96, {}),
    "clipnorm": (mlp, lambda: keras.optimizers.Adam(0.01, clipnorm=0.02), 96, {}),
    "regularized": (lambda: mlp(keras.regularizers.l2(0.05)), lambda: keras.optimizers.SGD(0.1), 96, {}),
    "synchronized_batch_norm": (sync_bn_mlp, lambda: keras.optimizers.SGD(0.1), 100, {}),
    "custom_train_step": (custom_mlp, lambda: keras.optimizers.Adam(0.01), 100, {}),  # last batch: 4 rows
    "validation": (mlp, lambda: keras.optimizers.Adam(0.01), 128, {"validation_split": 0.25}),
}

for case in cases:
    build, make_optimizer, n, fit_kwargs = CASES[case]
    x, y = data(n, image=build is cnn)
    x_eval, y_eval = data(37, image=build is cnn)
    fit_kwargs = dict(fit_kwargs)
    if fit_kwargs.pop("sample_weight", False):
        fit_kwargs["sample_weight"] = data_rng.uniform(0.1, 2.0, size=(n,)).astype("float32")
    keras.utils.set_random_seed(1 + rank)
    with strategy.scope():
        model = build()
        model.compile(optimizer=make_optimizer(), metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=True, **fit_kwargs)
    evaluated = model.evaluate(x_eval, y_eval, batch_size=10, verbose=0)
    predicted = model.predict(x_eval, batch_size=16, verbose=0)
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    np.savez(f"{out_dir}/{case}_n{size}_r{rank}.npz", weights=weights, evaluated=np.asarray(evaluated),
             predicted=predicted, **{"history_" + k: np.asarray(v) for k, v in history.history.items()})
print(f"rank {rank} of {size}: done {cases}")
