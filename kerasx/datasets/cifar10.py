"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes, as
`tf.keras.datasets.cifar10` (the "python version" archive of pickled batches).

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck."""
import os

import numpy as np  # host-side dataset loading, before anything reaches a backend

from kerasx.datasets.cifar import load_batch, to_channels
from kerasx.datasets.remote import fetch

DIRNAME = "cifar-10-batches-py"


def load_data(cache_dir=None):
    """Loads CIFAR-10 (the archive is downloaded and extracted once into the cache).

    Args:
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (50000, 32, 32, 3) and
        (10000, 32, 32, 3) (channels first under `image_data_format() == 'channels_first'`), uint8
        labels 0..9 of shape (50000, 1) and (10000, 1).
    """
    path = fetch("cifar-10-python.tar.gz", DIRNAME, cache_dir, untar=True)
    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in batches]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in batches]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test, dtype="uint8"), (len(y_test), 1))
    return (to_channels(x_train), y_train), (to_channels(x_test).astype("uint8"), y_test)
