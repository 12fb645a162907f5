"""Writes go to a temporary file and replace the target only when complete."""
import os

import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.saving import atomic, hdf5_weights
from kerasx.utils import set_random_seed


def _model(seed):
    set_random_seed(seed)
    return keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)])


@pytest.mark.parametrize("method", ["save", "save_weights"])
def test_failure_mid_write_keeps_the_old_file_and_leaves_no_temp_file(backend, tmp_path, monkeypatch,
                                                                      method):
    path = tmp_path / "model.h5"
    old = _model(0)
    getattr(old, method)(path)
    old_bytes = path.read_bytes()

    real_write = hdf5_weights._write_values
    calls = []

    def write_then_fail(*args):
        calls.append(args)
        if len(calls) == 2:  # the first layer is already in the temporary file
            raise OSError("disk full")
        real_write(*args)

    monkeypatch.setattr(hdf5_weights, "_write_values", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        getattr(_model(1), method)(path)
    assert len(calls) == 2
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["model.h5"]
    monkeypatch.undo()
    restored = _model(2)
    restored.load_weights(path)
    for got, want in zip(restored.get_weights(), old.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("method", ["save", "save_weights"])
def test_overwrite_false_refuses_an_existing_file(backend, tmp_path, method):
    path = tmp_path / "model.h5"
    getattr(_model(0), method)(path, overwrite=False)  # a new file is fine
    old_bytes = path.read_bytes()
    with pytest.raises(FileExistsError, match=r"model\.h5 already exists and overwrite=False"):
        getattr(_model(1), method)(path, overwrite=False)
    assert path.read_bytes() == old_bytes


def test_missing_directories_are_created(backend, tmp_path):
    path = tmp_path / "a" / "b" / "model.h5"
    _model(0).save(path)
    assert h5py.is_hdf5(path)
    assert os.listdir(path.parent) == ["model.h5"]


def test_atomic_path_renames_only_on_success(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic.atomic_path(target) as tmp:
            assert os.path.dirname(tmp) == str(tmp_path)
            with open(tmp, "wb") as f:
                f.write(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.bin"]
    with atomic.atomic_path(target) as tmp:
        with open(tmp, "wb") as f:
            f.write(b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["out.bin"]
