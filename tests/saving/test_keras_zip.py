"""The `.keras` container (kerasx/saving/keras_zip.py): what a hostile or broken archive gets, and
writing that never leaves a half-written file."""
import json
import os
import zipfile

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.saving import keras_archive, keras_zip
from kerasx.utils import set_random_seed


def _model():
    set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), layers.Dense(2)], name="small")


def _archive(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _valid_members(tmp_path):
    _model().save(tmp_path / "valid.keras")
    with zipfile.ZipFile(tmp_path / "valid.keras") as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("evil", ["../escape.json", "/etc/passwd", "a/../../b", "C:/windows/x", "assets\\x"])
def test_member_names_that_point_outside_are_refused(backend, tmp_path, evil):
    members = dict(_valid_members(tmp_path), **{evil: b"{}"})
    path = _archive(tmp_path / "evil.keras", members)
    with pytest.raises(ValueError, match=r"evil\.keras is not a valid '\.keras' archive: it holds a member "
                                         r"named .*, which points outside the archive"):
        keras.models.load_model(path)
    assert sorted(os.listdir(tmp_path)) == ["evil.keras", "valid.keras"]  # nothing extracted


def test_duplicate_members_are_refused(backend, tmp_path):
    members = _valid_members(tmp_path)
    path = tmp_path / "dup.keras"
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
            z.writestr("config.json", b"{}")
    with pytest.raises(ValueError, match=r"it holds two members named 'config\.json'"):
        keras.models.load_model(path)


def test_oversized_and_inflating_members_are_refused(backend, tmp_path, monkeypatch):
    members = _valid_members(tmp_path)
    path = _archive(tmp_path / "m.keras", members)
    monkeypatch.setattr(keras_zip, "JSON_LIMIT", 100)
    with pytest.raises(ValueError, match=r"its member 'config\.json' is \d+ bytes, over the limit of 100 bytes"):
        keras.models.load_model(path)
    # A header that understates the size does not get past the limit either: the read stops there.
    monkeypatch.setattr(keras_zip, "JSON_LIMIT", 10 ** 6)
    with keras_zip.KerasArchive(path) as archive:
        monkeypatch.setattr(keras_zip, "JSON_LIMIT", 100)
        with pytest.raises(ValueError, match=r"its member 'config\.json' is over the limit of 100 bytes"):
            archive.read_json("config.json")
    monkeypatch.setattr(keras_zip, "JSON_LIMIT", 256 * 2 ** 20)
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", b" " * (4 * 2 ** 20))
    with pytest.raises(ValueError, match=r"its member 'config\.json' inflates \d+-fold .* as a zip bomb does"):
        keras.models.load_model(bomb)


def test_missing_config_and_bad_metadata_are_refused(backend, tmp_path):
    members = _valid_members(tmp_path)
    cases = {
        "noconfig": ({k: v for k, v in members.items() if k != "config.json"},
                     r"it has no 'config\.json' \(its members: \['metadata\.json', 'model\.weights\.h5'\]\)"),
        "nometa": ({k: v for k, v in members.items() if k != "metadata.json"}, r"it has no 'metadata\.json'"),
        "badjson": (dict(members, **{"metadata.json": b"{not json"}),
                    r"its member 'metadata\.json' is not valid JSON"),
        "list": (dict(members, **{"metadata.json": b"[1, 2]"}),
                 r"its member 'metadata\.json' holds a JSON list, not an object"),
        "version": (dict(members, **{"metadata.json": json.dumps({"keras_version": 3})}),
                    r"its 'metadata\.json' has keras_version=3, not a version string"),
        "badconfig": (dict(members, **{"config.json": b"\xff\xfe"}),
                      r"its member 'config\.json' is not valid JSON"),
    }
    for name, (content, message) in cases.items():
        path = _archive(tmp_path / f"{name}.keras", content)
        with pytest.raises(ValueError, match=rf"{name}\.keras is not a valid '\.keras' archive: {message}"):
            keras.models.load_model(path)


def test_encrypted_members_are_refused(backend, tmp_path):
    path = _archive(tmp_path / "locked.keras", _valid_members(tmp_path))
    data = bytearray(path.read_bytes())
    # Set the "encrypted" bit (bit 0 of the general purpose flags) of config.json's central directory
    # entry, as an encrypting zip tool writes it.
    entries = [i for i in range(len(data) - 3) if data[i:i + 4] == b"PK\x01\x02"]
    entry = entries[1]  # the members are metadata.json, config.json, model.weights.h5
    data[entry + 8] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"its member 'config\.json' is encrypted"):
        keras.models.load_model(path)


def test_a_file_that_is_no_zip(backend, tmp_path):
    (tmp_path / "x.keras").write_text("not a zip")
    with pytest.raises(ValueError, match=r"x\.keras is not a valid '\.keras' archive: it is not a zip file"):
        keras_zip.KerasArchive(tmp_path / "x.keras")
    with pytest.raises(FileNotFoundError, match=r"No file or directory found at .*missing\.keras"):
        keras.models.load_model(tmp_path / "missing.keras")


def test_failed_saves_leave_nothing_and_keep_the_old_file(backend, tmp_path, monkeypatch):
    model = _model()
    target = tmp_path / "m.keras"
    model.save(target)
    old = target.read_bytes()
    with pytest.raises(FileExistsError, match="already exists and overwrite=False"):
        model.save(target, overwrite=False)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(keras_archive, "save_model_weights", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(target)
    assert target.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.keras"]  # no temporary files left behind
    monkeypatch.undo()
    # A config Keras 3 could not read is refused before the file is touched.
    set_random_seed(0)
    rnn = keras.Sequential([keras.Input((2, 3)), layers.LSTM(2, time_major=True)])
    with pytest.raises(ValueError, match=r'Layer "lstm" \(LSTM\) has time_major=True, which Keras 3 does not '
                                         r"accept: only False can be left out without changing the model"):
        rnn.save(target)
    assert target.read_bytes() == old


def test_stored_code_is_refused_in_safe_mode(backend, tmp_path):
    set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Lambda(lambda x: x * 2.0)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match=r"Requested the deserialization of a `Lambda` layer"):
        keras.models.load_model(tmp_path / "lambda.keras")
    loaded = keras.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), 2 * x)


def test_archives_are_stored_uncompressed_with_keras3s_members(backend, tmp_path):
    _model().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        assert z.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_STORED}
        meta = json.loads(z.read("metadata.json"))
    assert set(meta) == {"keras_version", "backend", "date_saved"}
