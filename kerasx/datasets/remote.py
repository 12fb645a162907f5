"""Where each `keras.datasets` file comes from: tf.keras 2.21's exact URLs and file hashes (None where
tf.keras checks none), fetched through `get_file` into the cache's `datasets` folder."""
import os

from kerasx.utils.file_utils import get_file

TF_KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# name: (origin, file hash). SHA-256 but for the word indexes, whose tf.keras hashes are MD5.
FILES = {
    "mnist.npz": (TF_KERAS_DATASETS + "mnist.npz",
                  "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    "train-labels-idx1-ubyte.gz": (TF_KERAS_DATASETS + "train-labels-idx1-ubyte.gz", None),
    "train-images-idx3-ubyte.gz": (TF_KERAS_DATASETS + "train-images-idx3-ubyte.gz", None),
    "t10k-labels-idx1-ubyte.gz": (TF_KERAS_DATASETS + "t10k-labels-idx1-ubyte.gz", None),
    "t10k-images-idx3-ubyte.gz": (TF_KERAS_DATASETS + "t10k-images-idx3-ubyte.gz", None),
    "cifar-10-python.tar.gz": ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                               "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    "cifar-100-python.tar.gz": ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                                "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),
    "imdb.npz": (TF_KERAS_DATASETS + "imdb.npz",
                 "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "imdb_word_index.json": (TF_KERAS_DATASETS + "imdb_word_index.json",
                             "bfafd718b763782e994055a2d397834f"),
    "reuters.npz": (TF_KERAS_DATASETS + "reuters.npz",
                    "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
    "reuters_word_index.json": (TF_KERAS_DATASETS + "reuters_word_index.json",
                                "4d44cc38712099c9e383dc6e5f11a921"),
    "boston_housing.npz": (TF_KERAS_DATASETS + "boston_housing.npz",
                           "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"),
    # Keras 3's dataset (tf.keras 2.21 has none), from the same folder.
    "california_housing.npz": (TF_KERAS_DATASETS + "california_housing.npz",
                               "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"),
}


def fetch(name, path=None, cache_dir=None, **kwargs):
    """The local path of dataset file `name` (downloaded and verified if not cached), saved as `path`
    (default `name`) in the cache's `datasets` folder or under `cache_dir`, which is created."""
    origin, file_hash = FILES[name]
    if cache_dir:
        cache_dir = os.path.expanduser(cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
    return get_file(path or name, origin=origin, file_hash=file_hash, cache_dir=cache_dir, **kwargs)
