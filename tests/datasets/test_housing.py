"""`boston_housing` and `california_housing` on small .npz files (x, y), split as tf.keras does: one
`np.random.RandomState(seed)` shuffle, then the first `int(n * (1 - test_split))` rows for training."""
import numpy as np
import pytest

import kerasx
from kerasx.datasets import boston_housing, california_housing
from tests.datasets.dataset_files import write_npz


def _expected(x, y, test_split, seed):
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    n_train = int(len(x) * (1 - test_split))
    return (x[indices[:n_train]], y[indices[:n_train]]), (x[indices[n_train:]], y[indices[n_train:]])


@pytest.mark.parametrize("test_split,seed", [(0.2, 113), (0.5, 3), (0.0, 113)])
def test_boston_housing(served, test_split, seed):
    x = np.arange(10 * 13, dtype="float64").reshape(10, 13)
    y = np.linspace(10.0, 50.0, 10)
    write_npz(served.folder / "boston_housing.npz", x=x, y=y)
    served.publish("boston_housing.npz")
    got = kerasx.datasets.boston_housing.load_data(test_split=test_split, seed=seed)
    want = _expected(x, y, test_split, seed)
    for g, w in zip(got[0] + got[1], want[0] + want[1]):
        assert g.dtype == np.float64
        np.testing.assert_array_equal(g, w)
    assert got[0][0].shape == (int(10 * (1 - test_split)), 13)


def test_boston_housing_test_split_is_checked_first(served):
    with pytest.raises(ValueError, match=r"`test_split` must be in \[0, 1\); received test_split=1.0"):
        boston_housing.load_data(test_split=1.0)
    assert served.server.requests == []


def test_california_housing_versions(served):
    x = np.arange(700 * 8, dtype="float32").reshape(700, 8)
    y = np.arange(700, dtype="float32") * 1000.0
    write_npz(served.folder / "california_housing.npz", x=x, y=y)
    served.publish("california_housing.npz")
    (x_train, y_train), (x_test, y_test) = kerasx.datasets.california_housing.load_data()
    want = _expected(x, y, 0.2, 113)
    np.testing.assert_array_equal(x_train, want[0][0])
    np.testing.assert_array_equal(y_test, want[1][1])
    assert x_train.shape == (560, 8) and x_test.shape == (140, 8)
    (x_train, _), (x_test, _) = california_housing.load_data(version="small")
    assert x_train.shape == (480, 8) and x_test.shape == (120, 8)  # the first 600 rows, then the split
    assert set(x_train[:, 0].tolist()) | set(x_test[:, 0].tolist()) == set(x[:600, 0].tolist())
    with pytest.raises(ValueError, match="Argument `version` must be one of 'small', 'large'. Received: "
                                         "version=medium"):
        california_housing.load_data(version="medium")
