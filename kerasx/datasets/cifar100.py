"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 fine classes grouped into 20
coarse ones, as `tf.keras.datasets.cifar100` (the "python version" archive)."""
import os

import numpy as np  # host-side dataset loading, before anything reaches a backend

from kerasx.datasets.cifar import load_batch, to_channels
from kerasx.datasets.remote import fetch

DIRNAME = "cifar-100-python"


def load_data(label_mode="fine", cache_dir=None):
    """Loads CIFAR-100 (the archive is downloaded and extracted once into the cache).

    Args:
        label_mode: 'fine' (100 classes) or 'coarse' (their 20 superclasses).
        cache_dir: the cache folder (default ``$KERASX_HOME``, i.e. ``~/.kerasx``).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (50000, 32, 32, 3) and
        (10000, 32, 32, 3) (channels first under `image_data_format() == 'channels_first'`), labels of
        shape (50000, 1) and (10000, 1). The labels are int64, as tf.keras's (it reshapes the pickled
        Python lists; its docstring says uint8).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    path = fetch("cifar-100-python.tar.gz", DIRNAME, cache_dir, untar=True)
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_mode + "_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_mode + "_labels")
    y_train = np.reshape(np.asarray(y_train, dtype="int64"), (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test, dtype="int64"), (len(y_test), 1))
    return (to_channels(x_train), y_train), (to_channels(x_test), y_test)
