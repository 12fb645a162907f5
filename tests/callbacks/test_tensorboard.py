"""`TensorBoard`: the event files are read back with the `tensorboard` package's own event reader, as
TensorBoard itself reads them."""
import json
import logging
import os

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.callbacks import tensorboard as tensorboard_module
from kerasx.utils import set_random_seed

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _read(run_dir):
    everything = {kind: 0 for kind in (event_accumulator.SCALARS, event_accumulator.HISTOGRAMS,
                                       event_accumulator.IMAGES, event_accumulator.TENSORS)}
    acc = event_accumulator.EventAccumulator(str(run_dir), size_guidance=everything)
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def _classifier(optimizer=None):
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(2, activation="softmax", input_shape=(3,))])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _data(n=24):
    rng = np.random.default_rng(0)
    x = rng.random((n, 3)).astype("float32")
    return x, (x[:, 0] > 0.5).astype("int32")


def test_epoch_scalars_are_named_as_tf_keras_and_equal_the_history(backend, tmp_path):
    x, y = _data()
    model = _classifier()
    history = model.fit(x, y, batch_size=6, epochs=3, validation_data=(x[:12], y[:12]), verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(log_dir=tmp_path)])
    train, val = _read(tmp_path / "train"), _read(tmp_path / "validation")
    assert sorted(train.Tags()["scalars"]) == ["epoch_accuracy", "epoch_loss"]
    assert sorted(val.Tags()["scalars"]) == [
        "epoch_accuracy", "epoch_loss", "evaluation_accuracy_vs_iterations", "evaluation_loss_vs_iterations"]
    for name in ("loss", "accuracy"):
        np.testing.assert_allclose(_scalars(train, "epoch_" + name),
                                   list(enumerate(history.history[name])), rtol=1e-6)
        np.testing.assert_allclose(_scalars(val, "epoch_" + name),
                                   list(enumerate(history.history["val_" + name])), rtol=1e-6)
        # after each epoch's 4 steps, at the optimizer's iterations
        np.testing.assert_allclose(_scalars(val, f"evaluation_{name}_vs_iterations"),
                                   list(zip([4, 8, 12], history.history["val_" + name])), rtol=1e-6)


def test_epoch_learning_rate_is_the_schedules_rate(backend, tmp_path):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    model = _classifier(keras.optimizers.SGD(schedule))
    x, y = _data()
    model.fit(x, y, batch_size=6, epochs=2, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    # 4 steps an epoch: the rate after epoch e is 0.1 * 0.5 ** (4 * (e + 1) / 2)
    np.testing.assert_allclose(_scalars(_read(tmp_path / "train"), "epoch_learning_rate"),
                               [(0, 0.1 * 0.5 ** 2), (1, 0.1 * 0.5 ** 4)], rtol=1e-6)


def test_a_float_learning_rate_is_not_logged(backend, tmp_path):
    """As tf.keras: only a LearningRateSchedule's rate is written; a rate a callback sets shows as `lr`."""
    x, y = _data()
    _classifier().fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    assert "epoch_learning_rate" not in _read(tmp_path / "train").Tags()["scalars"]


@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6, 7, 8]), (3, [3, 6])])
def test_update_freq_writes_batch_scalars(backend, tmp_path, update_freq, steps):
    x, y = _data()
    recorder = BatchLosses()
    _classifier().fit(x, y, batch_size=6, epochs=2, verbose=0,
                      callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq=update_freq), recorder])
    train = _read(tmp_path / "train")
    assert {"batch_loss", "batch_accuracy", "epoch_loss"} <= set(train.Tags()["scalars"])
    # the step counts the batches of this fit across epochs; the value is the running loss of that batch
    np.testing.assert_allclose(_scalars(train, "batch_loss"), [(s, recorder.losses[s - 1]) for s in steps],
                               rtol=1e-6)


class BatchLosses(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(logs["loss"])


def test_update_freq_epoch_writes_no_batch_scalars_and_skips_batch_hooks(backend, tmp_path):
    callback = keras.callbacks.TensorBoard(tmp_path)
    assert not callback._implements_train_batch_hooks()
    x, y = _data()
    _classifier().fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    assert not [t for t in _read(tmp_path / "train").Tags()["scalars"] if t.startswith("batch_")]


def test_histograms_and_images_of_the_weights(backend, tmp_path):
    x, y = _data()
    model = _classifier()
    snapshots = Snapshots()
    model.fit(x, y, batch_size=6, epochs=3, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(tmp_path, histogram_freq=2, write_images=True), snapshots])
    train = _read(tmp_path / "train")
    assert sorted(train.Tags()["histograms"]) == ["dense/bias_0/histogram", "dense/kernel_0/histogram"]
    events = train.Histograms("dense/kernel_0/histogram")
    assert [e.step for e in events] == [0, 2]  # epochs 0 and 2 (epoch % histogram_freq == 0)
    for event in events:
        kernel = snapshots.kernels[event.step]
        h = event.histogram_value
        assert (h.num, h.min, h.max) == (6, pytest.approx(kernel.min()), pytest.approx(kernel.max()))
        assert h.sum == pytest.approx(kernel.sum(), rel=1e-5)
    # a (3, 2) kernel is drawn wide, as tf.keras: 2 rows of 3 pixels; a bias as one row
    assert sorted(train.Tags()["images"]) == ["dense/bias_0/image", "dense/kernel_0/image"]
    image = train.Images("dense/kernel_0/image")[0]
    assert (image.height, image.width) == (2, 3)
    bias = train.Images("dense/bias_0/image")[0]
    assert (bias.height, bias.width) == (2, 1)


class Snapshots(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.kernels = {}

    def on_epoch_end(self, epoch, logs=None):
        self.kernels[epoch] = self.model.layers[0].kernel.numpy().copy()


def test_write_graph_writes_the_model_config_as_the_keras_summary(backend, tmp_path):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path / "a")])
    train = _read(tmp_path / "a" / "train")
    assert train.Tags()["tensors"] == ["keras"]
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    written = train.Tensors("keras")[0].tensor_proto.string_val[0].decode()
    assert json.loads(written) == json.loads(model.to_json())

    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path / "b",
                                                                                 write_graph=False)])
    assert _read(tmp_path / "b" / "train").Tags()["tensors"] == []


def test_evaluate_alone_writes_the_evaluation_scalars(backend, tmp_path):
    x, y = _data()
    model = _classifier()
    result = model.evaluate(x, y, verbose=0, return_dict=True,
                            callbacks=[keras.callbacks.TensorBoard(tmp_path, write_graph=False)])
    val = _read(tmp_path / "validation")
    assert _scalars(val, "evaluation_loss_vs_iterations") == [(0, pytest.approx(result["loss"]))]
    assert not os.path.exists(tmp_path / "train")


@pytest.mark.parametrize("kwargs, match", [
    ({"update_freq": "step"}, r"`update_freq` of the TensorBoard callback must be 'epoch', 'batch' or a "
                              r"positive integer number of batches. Received: update_freq='step'"),
    ({"update_freq": 0}, r"Received: update_freq=0"),
    ({"histogram_freq": -1}, r"`histogram_freq` .* non-negative integer .* Received: histogram_freq=-1"),
    ({"profile_batch": -1}, r"profile_batch must be a non-negative integer or 2-tuple of positive "
                            r"integers\. .* Found: -1"),
    ({"profile_batch": (5, 2)}, r"Found: \(5, 2\)"),
    ({"profile_batch": "a,b"}, r"Found: a,b"),
    ({"log_every": 3}, r"Unrecognized arguments in `TensorBoard` Callback: \['log_every'\]"),
])
def test_bad_arguments_are_refused_at_construction(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.callbacks.TensorBoard(tmp_path, **kwargs)
    assert not os.listdir(tmp_path)


def test_profile_batch_and_embeddings_are_accepted_with_a_one_time_note(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(tensorboard_module, "_noted", set())
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        for _ in range(2):
            callback = keras.callbacks.TensorBoard(tmp_path, profile_batch="2,4", embeddings_freq=1,
                                                   embeddings_metadata="meta.tsv")
    notes = [r.getMessage() for r in caplog.records]
    assert notes == ["TensorBoard: profile_batch='2,4' is accepted but kerasx has no profiler, so no "
                     "profile is written.",
                     "TensorBoard: embeddings_freq=1 is accepted but kerasx does not write the embedding "
                     "projector's files."]
    assert (callback.embeddings_freq, callback.embeddings_metadata) == (1, "meta.tsv")


def test_v1_arguments_warn_as_tf_keras(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        keras.callbacks.TensorBoard(tmp_path, write_grads=True, batch_size=32)
    assert [r.getMessage() for r in caplog.records] == [
        "`write_grads` will be ignored in TensorFlow 2.0 for the `TensorBoard` Callback.",
        "`batch_size` is no longer needed in the `TensorBoard` Callback and will be ignored in TensorFlow 2.0."]


def test_the_guides_callback_list_with_tensorboard(backend, tmp_path):
    """Seed 004's callback list (the arguments tf.keras requires filled in): fit runs, writes the
    checkpoint and the TensorBoard runs, and the rate the scheduler sets is logged as `epoch_lr`."""
    rng = np.random.default_rng(0)
    data, val_data = rng.random((200, 32)), rng.random((50, 32))
    labels = keras.utils.to_categorical(data[:, :10].argmax(axis=1), 10)
    val_labels = keras.utils.to_categorical(val_data[:, :10].argmax(axis=1), 10)
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.h5")),
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
        keras.callbacks.EarlyStopping(patience=2, monitor="val_loss"),
        keras.callbacks.TensorBoard(log_dir=str(tmp_path / "logs")),
    ]
    history = model.fit(data, labels, batch_size=32, epochs=5, callbacks=callbacks,
                        validation_data=(val_data, val_labels), verbose=0)
    assert os.path.exists(tmp_path / "ckpt.h5")
    train, val = _read(tmp_path / "logs" / "train"), _read(tmp_path / "logs" / "validation")
    epochs = len(history.history["loss"])
    np.testing.assert_allclose(_scalars(train, "epoch_lr"),
                               [(e, 0.001 * 0.5 ** (e + 1)) for e in range(epochs)], rtol=1e-6)
    np.testing.assert_allclose(_scalars(val, "epoch_loss"), list(enumerate(history.history["val_loss"])),
                               rtol=1e-6)
    assert "keras" in train.Tags()["tensors"]
