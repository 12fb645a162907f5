"""Writes go to a temporary file and replace the target only when complete; what a killed writer
leaves behind is removed by the next write, a live writer's never."""
import os
import signal
import subprocess
import sys
import time

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


# ---------------------------------------------------------------- writers killed mid-write
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A child that writes a 16 MB model to `path` over and over, through one of the three writers.
_LOOPING_WRITER = """
import sys
import numpy as np
import kerasx as keras
from kerasx import layers
writer, path = sys.argv[1], sys.argv[2]
model = keras.Sequential([layers.Dense(2048, input_shape=(2048,))])
model.compile("sgd", "mse")
if writer == "checkpoint":
    x = np.zeros((1, 2048), "float32")
    model.fit(x, x, epochs=10 ** 6, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(path)])
while True:
    getattr(model, writer)(path)
"""


def _temporaries(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def _kill_mid_write(writer, path, delay):
    """Starts a looping writer, SIGKILLs it `delay` seconds after its temporary file appears, and
    returns the temporary files it left."""
    env = dict(os.environ, PYTHONPATH=REPO)
    child = subprocess.Popen([sys.executable, "-c", _LOOPING_WRITER, writer, str(path)], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not _temporaries(path.parent):
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(0.002)
        time.sleep(delay)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return _temporaries(path.parent)


@pytest.mark.parametrize("writer", ["save", "save_weights", "checkpoint"])
def test_the_next_save_removes_what_a_killed_writer_left(tmp_path, writer):
    """`kill -9` during save, save_weights or a ModelCheckpoint leaves the old file loadable; the
    temporary file it leaves behind is removed by the next save to the same path."""
    path = tmp_path / "m.h5"
    old = _model(0)
    (old.save_weights if writer == "save_weights" else old.save)(path)
    left = []
    for delay in (0.0, 0.05):
        left.append(_kill_mid_write(writer, path, delay))
        restored = _model(1)
        restored.load_weights(path)  # the target is whole: the old file or one the child completed
        assert restored.get_weights()[0].shape in ((4, 3), (2048, 2048))
    assert any(left), "no kill landed mid-write, so nothing was tested"
    (_model(2).save_weights if writer == "save_weights" else _model(2).save)(path)
    assert os.listdir(tmp_path) == ["m.h5"]
    restored = _model(3)
    restored.load_weights(path)
    np.testing.assert_array_equal(restored.get_weights()[0], _model(2).get_weights()[0])


_LIVE_WRITER = """
import sys
from kerasx.saving import atomic
with atomic.atomic_path(sys.argv[1]) as tmp:
    with open(tmp, "wb") as f:
        f.write(b"live writer")
    print(tmp, flush=True)
    sys.stdin.readline()  # holds its temporary file until the parent says so
"""


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    path = tmp_path / "m.h5"
    env = dict(os.environ, PYTHONPATH=REPO)
    child = subprocess.Popen([sys.executable, "-c", _LIVE_WRITER, str(path)], cwd=REPO, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        live_tmp = child.stdout.readline().strip()
        assert os.path.exists(live_tmp)
        _model(0).save(path)
        _model(0).save_weights(path)
        assert os.path.exists(live_tmp), "a live writer's temporary file was removed"
        child.stdin.write("done\n")
        child.stdin.flush()
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert path.read_bytes() == b"live writer" and os.listdir(tmp_path) == ["m.h5"]


def _exited_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_which_temporary_files_count_as_a_dead_writers(tmp_path):
    target = tmp_path / "m.h5"
    host = atomic._host()

    def leftover(name, age_s=0.0):
        p = tmp_path / name
        p.write_bytes(b"x")
        if age_s:
            os.utime(p, (time.time() - age_s, time.time() - age_s))
        return name

    dead = leftover(atomic.temporary_name("m.h5", pid=_exited_pid()))
    # Our own id, but the file was last written before this process started: the id was reused.
    reused = leftover(atomic.temporary_name("m.h5", pid=os.getpid()), age_s=10 * 365 * 86400)
    live = leftover(atomic.temporary_name("m.h5", pid=os.getpid()))
    other_host = leftover(atomic.temporary_name("m.h5", host="elsewhere", pid=_exited_pid()))
    other_target = leftover(atomic.temporary_name("n.h5", pid=_exited_pid()))
    not_ours = [leftover(".m.h5.0123456789ab.tmp"), leftover(".m.h5.notes"), leftover("m.h5.tmp")]
    removed = atomic.remove_dead_writers_temporaries(target)
    assert sorted(os.path.basename(p) for p in removed) == sorted([dead, reused])
    assert sorted(os.listdir(tmp_path)) == sorted([live, other_host, other_target] + not_ours)
    assert f".{host}." in live
