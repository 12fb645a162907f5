"""The dataset file readers: .npz (object arrays too) and pickles through the restricted unpickler,
which refuses anything but NumPy arrays and containers; gzipped IDX files."""
import os
import pickle
import zipfile

import numpy as np
import pytest

from kerasx.datasets.readers import load_npz, load_pickle, read_idx_gz
from tests.datasets.dataset_files import object_array, write_idx_gz, write_npz


def test_npz_numeric_and_object_arrays(tmp_path):
    path = tmp_path / "a.npz"
    lists = [[1, 2, 3], [4], [5, 6]]
    write_npz(path, x=np.arange(6, dtype="uint8").reshape(2, 3), f=np.asfortranarray(np.eye(2, 3)),
              o=object_array(lists), s=np.float32(2.5))
    arrays = load_npz(path)
    assert arrays["x"].dtype == np.uint8 and arrays["x"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert arrays["f"].tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert arrays["o"].dtype == object and [list(v) for v in arrays["o"]] == lists
    assert arrays["s"].shape == () and float(arrays["s"]) == 2.5


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo kerasx-pwned",))


def test_pickles_naming_other_globals_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    write_npz(path, o=object_array([[1]]), ok=np.zeros(2))
    evil = tmp_path / "evil-member.npz"
    array = np.empty(1, dtype=object)
    array[0] = _Evil()
    np.savez(evil, o=array)
    with pytest.raises(ValueError, match=r"Could not read array 'o' of .*evil-member.npz: Refusing to load "
                                         r"'(posix|os|nt)\.system' from a dataset file"):
        load_npz(evil)
    with open(tmp_path / "evil.pkl", "wb") as f:
        pickle.dump({b"data": _Evil()}, f, protocol=2)
    with open(tmp_path / "evil.pkl", "rb") as f, pytest.raises(pickle.UnpicklingError, match="Refusing"):
        load_pickle(f)


def test_truncated_npz_array_is_an_error(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, x=np.zeros(10))
    with zipfile.ZipFile(path) as z:
        raw = z.read("x.npy")
    with zipfile.ZipFile(tmp_path / "cut.npz", "w") as z:
        z.writestr("x.npy", raw[:-8])
    with pytest.raises(ValueError, match="Could not read array 'x' .* shorter than its header"):
        load_npz(tmp_path / "cut.npz")


def test_idx_gz_payload(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx_gz(tmp_path / "i.gz", images)
    write_idx_gz(tmp_path / "l.gz", np.array([7, 9]))
    assert read_idx_gz(tmp_path / "i.gz", offset=16).tolist() == list(range(24))
    assert read_idx_gz(tmp_path / "l.gz", offset=8).tolist() == [7, 9]
