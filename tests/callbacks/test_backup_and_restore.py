"""`BackupAndRestore`: an interrupted `fit` resumes at the interrupted epoch, optimizer state included."""
import logging
import os

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed


def _model():
    """A fresh model built the same way each time: what a restarted process makes."""
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32")


class Interrupt(keras.callbacks.Callback):
    """Raises at the start of epoch `epoch` (or after batch `batch` of it), as a crash would."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch = epoch, batch
        self._current = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch
        if epoch == self.epoch and self.batch is None:
            raise RuntimeError("Interrupting!")

    def on_train_batch_end(self, batch, logs=None):
        if self._current == self.epoch and batch == self.batch:
            raise RuntimeError("Interrupting!")


class Epochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(epoch)


def _weights(model):
    return [w.copy() for w in model.get_weights()] + [w.copy() for w in model.optimizer.get_weights()]


def _assert_bitwise_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_an_interrupted_fit_resumes_at_the_interrupted_epoch(backend, tmp_path):
    x, y = _data()
    reference = _model()
    reference.fit(x, y, batch_size=5, epochs=5, shuffle=False, verbose=0)

    backup_dir = str(tmp_path / "backup")
    model = _model()
    with pytest.raises(RuntimeError, match="Interrupting!"):
        model.fit(x, y, batch_size=5, epochs=5, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup_dir), Interrupt(3)])
    assert os.listdir(backup_dir) == ["training_state.h5"]

    resumed = _model()  # the restarted process: same code, fresh weights and optimizer
    epochs = Epochs()
    history = resumed.fit(x, y, batch_size=5, epochs=5, shuffle=False, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup_dir), epochs])
    assert epochs.seen == [3, 4]
    assert history.epoch == [3, 4] and len(history.history["loss"]) == 2  # as tf.keras: the resumed epochs
    assert int(resumed.optimizer.iterations.numpy()) == 20
    _assert_bitwise_equal(_weights(resumed), _weights(reference))
    assert not os.path.exists(backup_dir)  # delete_checkpoint=True: gone once fit has finished


def test_delete_checkpoint_false_keeps_the_backup_of_the_last_epoch(backend, tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=5, epochs=2, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)])
    assert os.listdir(tmp_path) == ["training_state.h5"]
    # run again: everything was done, so no epoch runs and the weights stay
    before = _weights(model)
    epochs = Epochs()
    model.fit(x, y, batch_size=5, epochs=2, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False), epochs])
    assert epochs.seen == []
    _assert_bitwise_equal(_weights(model), before)


def test_the_directory_is_kept_when_it_holds_other_files(backend, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    x, y = _data()
    _model().fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)])
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_integer_save_freq_resumes_at_the_next_batch(backend, tmp_path):
    x, y = _data()  # 4 batches an epoch
    model = _model()
    with pytest.raises(RuntimeError):
        # backups after batches 2 and 4 of this fit (batch 1 and 3 of epoch 0); interrupted after
        # batch 0 of epoch 1, before the next backup
        model.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(tmp_path, save_freq=2), Interrupt(1, batch=0)])
    # the last backup was after epoch 0's last batch: resume with epoch 1, batch 0
    resumed = _model()
    batches = []
    tracker = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: batches.append((tracker_epoch[0], batch)),
        on_epoch_begin=lambda epoch, logs: tracker_epoch.__setitem__(0, epoch))
    tracker_epoch = [None]
    resumed.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0,
                callbacks=[keras.callbacks.BackupAndRestore(tmp_path, save_freq=2), tracker])
    assert batches[0] == (1, 0) and len(batches) == 8


def test_integer_save_freq_mid_epoch_resumes_within_the_epoch(backend, tmp_path):
    x, y = _data()
    with pytest.raises(RuntimeError):
        # save_freq=3: a backup after batch 2 of epoch 0; interrupted after batch 3
        _model().fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(tmp_path, save_freq=3), Interrupt(0, batch=3)])
    steps = []
    tracker = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: steps.append(batch))
    resumed = _model()
    resumed.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0,
                callbacks=[keras.callbacks.BackupAndRestore(tmp_path, save_freq=3), tracker])
    assert steps == [3, 0, 1, 2, 3]  # the rest of epoch 0, then epoch 1 (tf.keras's initial step)
    assert int(resumed.optimizer.iterations.numpy()) == 8


@pytest.mark.parametrize("backup_dir", [None, ""])
def test_an_empty_backup_dir_is_refused(backup_dir):
    with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
        keras.callbacks.BackupAndRestore(backup_dir)


@pytest.mark.parametrize("kwargs, match", [
    ({"save_freq": False}, r"Either `save_freq` or `save_before_preemption` must be set\."),
    ({"save_freq": "batch"}, r"`save_freq` of BackupAndRestore must be 'epoch' or a positive integer number "
                             r"of batches\. Received: save_freq='batch'"),
    ({"save_freq": -2}, r"Received: save_freq=-2"),
])
def test_bad_save_freq_is_refused(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.callbacks.BackupAndRestore(tmp_path, **kwargs)


def test_save_before_preemption_is_accepted_with_a_note(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        callback = keras.callbacks.BackupAndRestore(tmp_path, save_freq=False, save_before_preemption=True)
    assert callback.save_before_preemption
    assert "kerasx receives no preemption notice" in caplog.text


def test_an_unbuilt_model_with_a_backup_is_refused_before_training(backend, tmp_path):
    x, y = _data()
    _model().fit(x, y, epochs=1, verbose=0,
                 callbacks=[keras.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)])
    set_random_seed(0)
    unbuilt = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    unbuilt.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"BackupAndRestore cannot restore the backup in .*: model "
                                         r"'sequential_1' is not built"):
        unbuilt.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)])
    assert not unbuilt.built and int(unbuilt.optimizer.iterations.numpy()) == 0
    assert os.listdir(tmp_path) == ["training_state.h5"]


def test_a_later_fit_without_the_callback_starts_at_its_initial_epoch(backend, tmp_path):
    x, y = _data()
    model = _model()
    with pytest.raises(RuntimeError):
        model.fit(x, y, epochs=3, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(tmp_path), Interrupt(2)])
    epochs = Epochs()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[epochs])  # the interrupted fit's state is not reused
    assert epochs.seen == [0, 1]


def test_the_experimental_namespace_gives_the_same_class():
    """tf.keras 2.x first shipped it as `keras.callbacks.experimental.BackupAndRestore`."""
    from kerasx.callbacks.experimental import BackupAndRestore

    assert BackupAndRestore is keras.callbacks.BackupAndRestore
    assert keras.callbacks.experimental.BackupAndRestore is keras.callbacks.BackupAndRestore
