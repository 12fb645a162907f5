"""The Boston Housing prices (506 samples, 13 features), as `tf.keras.datasets.boston_housing`.

tf.keras's warning applies: the dataset has an ethical problem (its "B" variable); prefer
`california_housing` unless illustrating that problem."""
import numpy as np  # host-side dataset loading, before anything reaches a backend

from kerasx.datasets.readers import load_npz
from kerasx.datasets.remote import fetch


def split(x, y, test_split, seed):
    """tf.keras's housing split: shuffle with `np.random.RandomState(seed)`, the first
    `int(n * (1 - test_split))` rows for training."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    n_train = int(len(x) * (1 - test_split))
    return (np.array(x[:n_train]), np.array(y[:n_train])), (np.array(x[n_train:]), np.array(y[n_train:]))


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """Loads the Boston Housing dataset.

    Args:
        path: the file's name in the cache's `datasets` folder.
        test_split: the fraction of the samples kept for the test set, in [0, 1).
        seed: the seed of the shuffle before the split.
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 features of shape (n, 13) and float64 targets
        (prices in k$) of shape (n,).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1); received test_split={test_split!r}.")
    f = load_npz(fetch("boston_housing.npz", path, cache_dir))
    return split(f["x"], f["y"], test_split, seed)
