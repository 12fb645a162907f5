"""`ModelCheckpoint`: file names from the logs, save_best_only, weights-only, batch frequency."""
import logging
import re

import pytest

from kerasx.callbacks import LambdaCallback, ModelCheckpoint
from tests.callbacks.callback_test_utils import regression_data, regression_model


def _recording_model():
    """A model whose `save`/`save_weights` record the paths they are given."""
    model = regression_model()
    saved = []
    model.save = lambda path, overwrite=True, **kw: saved.append(("model", path))
    model.save_weights = lambda path, overwrite=True, **kw: saved.append(("weights", path))
    return model, saved


def _scripted(values, key="val_loss"):
    def inject(epoch, logs):
        logs[key] = values[epoch]
    return LambdaCallback(on_epoch_end=inject)


def test_filepath_formatting_every_epoch(backend, tmp_path):
    model, saved = _recording_model()
    x, y = regression_data(8)
    pattern = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.hdf5")
    model.fit(x, y, epochs=2, callbacks=[_scripted([0.5, 0.25]), ModelCheckpoint(pattern)], verbose=0)
    assert saved == [("model", str(tmp_path / "weights.01-0.50.hdf5")),
                     ("model", str(tmp_path / "weights.02-0.25.hdf5"))]


def test_save_best_only_and_weights_only(backend, tmp_path, capsys):
    model, saved = _recording_model()
    x, y = regression_data(8)
    path = str(tmp_path / "best.h5")
    checkpoint = ModelCheckpoint(path, save_best_only=True, save_weights_only=True, verbose=1)
    model.fit(x, y, epochs=3, callbacks=[_scripted([0.5, 0.7, 0.25]), checkpoint], verbose=0)
    assert saved == [("weights", path), ("weights", path)]
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.50000, saving model to {path}\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.25000, saving model to {path}\n")


def test_mode_auto_maximises_accuracy(backend, tmp_path):
    model, saved = _recording_model()
    x, y = regression_data(8)
    checkpoint = ModelCheckpoint(str(tmp_path / "m{epoch}.h5"), monitor="val_acc", save_best_only=True)
    model.fit(x, y, epochs=3, callbacks=[_scripted([0.5, 0.4, 0.9], "val_acc"), checkpoint], verbose=0)
    assert [p for _, p in saved] == [str(tmp_path / "m1.h5"), str(tmp_path / "m3.h5")]


def test_save_freq_in_batches(backend, tmp_path):
    model, saved = _recording_model()
    x, y = regression_data(32)
    checkpoint = ModelCheckpoint(str(tmp_path / "e{epoch}b{batch}.h5"), save_freq=3)
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[checkpoint], verbose=0)
    assert [p.split("/")[-1] for _, p in saved] == ["e1b3.h5", "e2b2.h5"]


def test_missing_monitor_skips_with_warning(backend, tmp_path, caplog):
    model, saved = _recording_model()
    x, y = regression_data(8)
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        model.fit(x, y, epochs=1, callbacks=[ModelCheckpoint(str(tmp_path / "m.h5"), save_best_only=True)],
                  verbose=0)
    assert saved == []
    assert "Can save best model only with val_loss available, skipping." in caplog.text


def test_errors(backend, tmp_path):
    with pytest.raises(ValueError, match="Unrecognized save_freq: batch. Expected save_freq are 'epoch' or "
                                         "integer"):
        ModelCheckpoint("m.h5", save_freq="batch")
    model, _ = _recording_model()
    x, y = regression_data(8)
    with pytest.raises(KeyError, match=re.escape('Failed to format this callback filepath: "m{val_auc}.h5". '
                                                 "Reason: ")):
        model.fit(x, y, callbacks=[ModelCheckpoint("m{val_auc}.h5")], verbose=0)
    with pytest.raises(IOError, match="Please specify a non-directory filepath for ModelCheckpoint. Filepath "
                                      "used is an existing directory: "):
        model.fit(x, y, callbacks=[ModelCheckpoint(str(tmp_path))], verbose=0)
