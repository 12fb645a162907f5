"""A small compiled model and data for the callback tests."""
import numpy as np

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed


def regression_model(seed=0, lr=0.05):
    set_random_seed(seed)
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def regression_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x @ np.array([[1.0], [-1.0], [0.5]])


class Recorder(keras.callbacks.Callback):
    """Records every hook call as `(hook, argument, sorted log keys)`."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def _log(self, hook, arg=None, logs=None):
        self.calls.append((hook, arg, tuple(sorted(logs or {}))))

    def on_train_begin(self, logs=None):
        self._log("train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._log("train_end", logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._log("epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._log("epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._log("train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._log("train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._log("test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._log("test_end", logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._log("test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None):
        self._log("predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._log("predict_end", logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._log("predict_batch_end", batch, logs)
