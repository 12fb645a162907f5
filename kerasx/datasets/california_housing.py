"""The California Housing prices (20,640 districts, 8 features), as Keras 3's
`keras.datasets.california_housing` (tf.keras 2.21 has no such module; the file sits beside tf.keras's
others)."""
from kerasx.datasets.boston_housing import split
from kerasx.datasets.readers import load_npz
from kerasx.datasets.remote import fetch


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """Loads the California Housing dataset.

    Args:
        version: 'large' (all 20,640 samples) or 'small' (the first 600, a stand-in for Boston Housing).
        path: the file's name in the cache's `datasets` folder.
        test_split: the fraction of the samples kept for the test set, in [0, 1).
        seed: the seed of the shuffle before the split.
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: features of shape (n, 8) and targets (median house
        values in dollars) of shape (n,).
    """
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1); received test_split={test_split!r}.")
    f = load_npz(fetch("california_housing.npz", path, cache_dir))
    x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return split(x, y, test_split, seed)
