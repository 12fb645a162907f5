"""MNIST handwritten digits: 60,000 training and 10,000 test 28x28 grayscale images, as
`tf.keras.datasets.mnist`."""
from kerasx.datasets.readers import load_npz
from kerasx.datasets.remote import fetch


def load_data(path="mnist.npz", cache_dir=None):
    """Loads the MNIST dataset (downloaded once into the cache, then read from there).

    Args:
        path: the file's name in the cache's `datasets` folder.
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (60000, 28, 28) and (10000, 28, 28)
        with values 0..255, and uint8 labels 0..9 of shape (60000,) and (10000,).
    """
    f = load_npz(fetch("mnist.npz", path, cache_dir))
    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
