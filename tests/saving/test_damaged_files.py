"""Damaged files: every way of reading a damaged .h5 raises one `DamagedFileError` naming the file, what
was being read and that the file is damaged; never a raw KeyError, JSONDecodeError or h5py message, and
never a crash. Also the paths that are no model file at all (missing, a directory, empty, not HDF5)."""
import json
import os
import random
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.saving import DamagedFileError
from kerasx.utils import set_random_seed
from tests.conftest import HOST_BACKEND
from tests.saving import tf_keras_reference as ref

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _trained_model(seed=0):
    set_random_seed(seed)
    inputs = keras.Input(shape=(4,))
    x = layers.Dense(6, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)  # non-trainable weights too
    model = keras.Model(inputs, layers.Dense(2, name="head")(x))
    model.compile(optimizer="adam", loss="mse")
    x_train = np.random.default_rng(seed).normal(size=(16, 4)).astype("float32")
    model.fit(x_train, x_train[:, :2], epochs=1, batch_size=8, verbose=0)  # optimizer weights exist
    return model, x_train


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _assert_unchanged(model, before):
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def _assert_load_weights_refused(path, match, by_names=(False, True)):
    """`load_weights` of the damaged file into another model raises and leaves its weights as they were."""
    other, _ = _trained_model(seed=1)
    before = _weights(other)
    for by_name in by_names:
        with pytest.raises(DamagedFileError, match=match):
            other.load_weights(path, by_name=by_name)
        _assert_unchanged(other, before)


def _flip_bit_at(path, byte_offset, bit=0):
    data = bytearray(path.read_bytes())
    data[byte_offset] ^= 1 << bit
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------- the fuzz test
def test_truncated_and_bit_flipped_files_load_identically_or_raise_damaged_file_error(tmp_path):
    """40 truncations and 200 single-bit flips of a saved model (seeded), each loaded by turns with
    load_model, load_weights and load_weights(by_name=True) in one child process: each load gives the
    intact model's predictions or raises DamagedFileError (load_weights leaving the weights as they were);
    the child must not die of a signal or hang."""
    model, x = _trained_model()
    model.save(tmp_path / "model.h5")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "want.npy", model.predict(x, verbose=0))
    size = (tmp_path / "model.h5").stat().st_size
    rng = random.Random(20261204)
    mutations = ([["truncate", n] for n in [0, 4] + sorted(rng.sample(range(8, size), 38))]
                 + [["flip", bit] for bit in sorted(rng.sample(range(size * 8), 200))])
    (tmp_path / "mutations.json").write_text(json.dumps(mutations))

    env = dict(os.environ, KERAS_BACKEND=HOST_BACKEND, PYTHONPATH=REPO)
    try:
        run = subprocess.run([sys.executable, "-m", "tests.saving.damage_fuzz_worker", str(tmp_path)],
                             cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
        died = run.returncode != 0 and f"exit status {run.returncode}"
        stdout, stderr = run.stdout, run.stderr
    except subprocess.TimeoutExpired as e:
        died = "a hang (killed after 240 s)"
        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        stderr = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
    lines = stdout.splitlines()
    results = [json.loads(line) for line in lines if line.startswith("{")]
    if died:
        started = [int(line.split()[1]) for line in lines if line.startswith("start ")]
        culprit = mutations[started[-1]] if started else "none (it died before the first load)"
        pytest.fail(f"The loading process ended with {died} at mutation {culprit}.\n{stderr[-3000:]}")
    assert len(results) == len(mutations)
    bad = [r for r in results if r["outcome"] not in ("same", "damaged")]
    assert not bad, "\n".join(f"{r['mutation']} via {r['loader']}: {r['outcome']}" for r in bad)
    outcomes = [r["outcome"] for r in results]
    # Both outcomes occur: the mutations reach both the file's structure and bytes that do not matter.
    assert outcomes.count("damaged") >= 40 and outcomes.count("same") >= 10


# ---------------------------------------------------------------- damage, case by case
def test_a_missing_weight_group(tmp_path):
    model, _ = _trained_model()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "a") as f:
        del f["model_weights/head"]
    with pytest.raises(DamagedFileError, match=r"The file .*m\.h5 is damaged: could not read the weights of "
                                               r'layer "head"\.$'):
        keras.models.load_model(path)
    _assert_load_weights_refused(path, 'could not read the weights of layer "head"')


def test_a_missing_weight_dataset(tmp_path):
    model, _ = _trained_model()
    path = tmp_path / "w.h5"
    model.save_weights(path)
    with h5py.File(path, "a") as f:
        del f["head/head/bias:0"]
    _assert_load_weights_refused(path, r'could not read the weight "head/bias:0" of layer "head"', (False,))


def test_a_truncated_model_config_in_a_file_without_checksums(tmp_path):
    """As tf.keras writes files: no checksum, so the cut-off JSON itself is what is found."""
    model, _ = _trained_model()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "a") as f:
        text = f.attrs["model_config"]
        del f.attrs["model_config_crc32"]
        f.attrs["model_config"] = text[: len(text) // 2]
    with pytest.raises(DamagedFileError, match=r"m\.h5 is damaged: could not read the 'model_config' "
                                               r"attribute\.$") as info:
        keras.models.load_model(path)
    assert isinstance(info.value.__cause__, json.JSONDecodeError)  # kept for whoever debugs further


def test_a_changed_but_valid_config_is_caught_by_its_checksum(tmp_path):
    """"relu" and "selu" are one bit apart: the JSON stays valid and would build another model."""
    model, _ = _trained_model()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = f.attrs["model_config"].replace('"relu"', '"selu"').encode("utf8")
    with pytest.raises(DamagedFileError, match="the 'model_config' attribute does not match the checksum "
                                               "saved with it"):
        keras.models.load_model(path)


def test_a_bit_flip_in_weight_data_is_caught_by_its_checksum(tmp_path):
    model, _ = _trained_model()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        offset = f["model_weights/head/head/kernel:0"].id.get_offset()  # where its raw data lies
        assert "crc32" in f["model_weights/head/head/kernel:0"].attrs
    _flip_bit_at(path, offset + 5, bit=3)
    with pytest.raises(DamagedFileError, match=r'the weight "head/kernel:0" of layer "head" does not match '
                                               r"the checksum saved with it\.$"):
        keras.models.load_model(path)
    _assert_load_weights_refused(path, 'the weight "head/kernel:0" of layer "head"')


def test_a_bit_flip_in_optimizer_weights(tmp_path):
    model, _ = _trained_model()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        offset = f["optimizer_weights/Adam/head/kernel/m:0"].id.get_offset()
    _flip_bit_at(path, offset)
    with pytest.raises(DamagedFileError, match='the optimizer weight "Adam/head/kernel/m:0" does not match'):
        keras.models.load_model(path)
    keras.models.load_model(path, compile=False)  # the model itself is intact


def test_a_damaged_object_header_is_reported_by_hdf5s_checksums(tmp_path):
    model, _ = _trained_model()
    path = tmp_path / "m.h5"
    model.save(path)
    data = path.read_bytes()
    # kerasx writes HDF5's 1.8 format, whose object headers ("OHDR") carry checksums.
    _flip_bit_at(path, data.index(b"OHDR", 100) + 12)
    with pytest.raises(DamagedFileError, match=r"m\.h5 is damaged: could not read "):
        keras.models.load_model(path)


def test_a_truncated_file(tmp_path):
    model, _ = _trained_model()
    path = tmp_path / "m.h5"
    model.save(path)
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(DamagedFileError, match=r"m\.h5 is damaged: could not read its HDF5 structure \(the "
                                               r"file may be truncated\)\.$") as info:
        keras.models.load_model(path)
    assert isinstance(info.value, OSError) and isinstance(info.value, ValueError)


def test_files_written_without_checksums_still_load(tmp_path):
    """Files as tf.keras writes them: no checksum attributes, the default (earliest) HDF5 format."""
    model, x = _trained_model()
    weights = [(layer.name, [(w.name, w.numpy()) for w in layer.trainable_weights + layer.non_trainable_weights])
               for layer in model.layers]
    config = {"class_name": "Functional", "config": json.loads(json.dumps(model.get_config()))}
    with h5py.File(tmp_path / "tf.h5", "w") as f:
        ref.write_model_like_tf_keras(f, config, weights)
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "tf.h5").predict(x, verbose=0),
                                  model.predict(x, verbose=0))


# ---------------------------------------------------------------- paths that are no model file
def test_paths_that_hold_no_model_file(tmp_path):
    model, _ = _trained_model()
    with pytest.raises(FileNotFoundError, match=r"^No file or directory found at .*missing\.h5$"):
        keras.models.load_model(tmp_path / "missing.h5")
    (tmp_path / "empty.h5").write_bytes(b"")
    (tmp_path / "text.h5").write_text('{"class_name": "Sequential"}')
    (tmp_path / "saved_model").mkdir()
    with zipfile.ZipFile(tmp_path / "k3.keras", "w") as z:
        z.writestr("config.json", "{}")
    before = _weights(model)
    for load in (keras.models.load_model, model.load_weights):
        with pytest.raises(DamagedFileError, match=r"empty\.h5 is damaged: it is empty \(0 bytes\), as a "
                                                   r"file whose writing was cut off\.$"):
            load(tmp_path / "empty.h5")
        with pytest.raises(DamagedFileError, match=r"text\.h5 is damaged or not a Keras HDF5 file: it is not "
                                                   r"an HDF5 file\. kerasx reads the HDF5 format"):
            load(tmp_path / "text.h5")
        with pytest.raises(ValueError, match=r"saved_model is not an HDF5 file\. kerasx reads the HDF5 "
                                             r"format .*; this path is a directory\.$"):
            load(tmp_path / "saved_model")
        # A zip is read as a '.keras' archive (keras_zip); this one lacks what every archive has.
        with pytest.raises(ValueError, match=r"k3\.keras is not a valid '\.keras' archive: it has no "
                                             r"'(metadata\.json|model\.weights\.h5)'\.$"):
            load(tmp_path / "k3.keras")
    _assert_unchanged(model, before)


def test_an_hdf5_file_without_keras_weights(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["data"] = np.arange(3)
    model, _ = _trained_model()
    with pytest.raises(DamagedFileError, match=r"other\.h5 is damaged or not a Keras HDF5 file: it has no "
                                               r"'layer_names' attribute, which every Keras weights file has"):
        model.load_weights(tmp_path / "other.h5")
