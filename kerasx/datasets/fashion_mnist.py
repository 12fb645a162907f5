"""Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10 kinds of clothing, as
`tf.keras.datasets.fashion_mnist` (the four gzipped IDX files of Zalando's release).

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag,
9 Ankle boot."""
import os

from kerasx.datasets.readers import read_idx_gz
from kerasx.datasets.remote import fetch

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz")


def load_data(cache_dir=None):
    """Loads the Fashion-MNIST dataset (downloaded once into ``datasets/fashion-mnist`` in the cache).

    Args:
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (60000, 28, 28) and (10000, 28, 28),
        uint8 labels 0..9 of shape (60000,) and (10000,).
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [fetch(name, cache_dir=cache_dir, cache_subdir=subdir) for name in FILES]
    y_train = read_idx_gz(paths[0], offset=8)
    x_train = read_idx_gz(paths[1], offset=16).reshape(len(y_train), 28, 28)
    y_test = read_idx_gz(paths[2], offset=8)
    x_test = read_idx_gz(paths[3], offset=16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
