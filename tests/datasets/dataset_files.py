"""Small files in the exact formats of tf.keras's dataset downloads, written by the tests, and a fixture
that serves them from 127.0.0.1 in place of the real URLs (kerasx.datasets.remote.FILES pointed at the
local server, with the small files' own hashes). No test touches the network."""
import gzip
import hashlib
import io
import json
import pickle
import struct
import tarfile

import numpy as np
import pytest

from kerasx.datasets import remote
from tests.utils.local_server import serve


def write_npz(path, **arrays):
    np.savez(path, **arrays)  # object arrays are pickled inside, as in tf.keras's imdb/reuters files


def object_array(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = [list(x) for x in lists]
    return out


def idx_bytes(array):
    """The IDX format (big-endian): magic 0x0000 08 <ndim>, one int32 per dimension, then uint8 data."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx_gz(path, array):
    with gzip.open(path, "wb") as f:
        f.write(idx_bytes(array))


def cifar_batch_bytes(data, labels, label_keys=("labels",)):
    """A CIFAR "python version" batch: a protocol-2 pickle of a dict with bytes keys, `data` an (n, 3072)
    uint8 array (channel planes R, G, B, each 32x32 row-major)."""
    d = {b"batch_label": b"testing batch", b"data": np.asarray(data, dtype=np.uint8),
         b"filenames": [f"img{i}.png".encode() for i in range(len(data))]}
    for key in label_keys:
        d[key.encode()] = list(labels[key] if isinstance(labels, dict) else labels)
    return pickle.dumps(d, protocol=2)


def write_tar_gz(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


class Served:
    """The local stand-in for tf.keras's download folder."""

    def __init__(self, folder, url, server, monkeypatch):
        self.folder, self.url, self.server, self._monkeypatch = folder, url, server, monkeypatch

    def publish(self, name, keep_hash_kind=True):
        """Points `remote.FILES[name]` at the local copy of `name`, hashed as tf.keras hashes it
        (SHA-256, MD5 for the word indexes, none where tf.keras checks none)."""
        _, real_hash = remote.FILES[name]
        data = (self.folder / name).read_bytes()
        if real_hash is None:
            file_hash = None
        elif len(real_hash) == 32:
            file_hash = hashlib.md5(data).hexdigest()
        else:
            file_hash = hashlib.sha256(data).hexdigest()
        self._monkeypatch.setitem(remote.FILES, name, (self.url + name, file_hash))

    def write_json(self, name, obj):
        (self.folder / name).write_text(json.dumps(obj))
        self.publish(name)


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Yields a `Served`; the default cache (``$KERASX_HOME``) is a fresh folder too."""
    monkeypatch.setenv("KERASX_HOME", str(tmp_path / "home"))
    folder = tmp_path / "www"
    folder.mkdir()
    with serve(folder) as (url, server):
        yield Served(folder, url, server, monkeypatch)
