"""The download table against tf.keras 2.21's sources (`tf_keras/src/datasets/*.py`), copied here
literally, and `fetch` into the cache."""
import os

from kerasx.datasets import remote

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
TF_KERAS = {
    "mnist.npz": (BASE + "mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    "train-labels-idx1-ubyte.gz": (BASE + "train-labels-idx1-ubyte.gz", None),
    "train-images-idx3-ubyte.gz": (BASE + "train-images-idx3-ubyte.gz", None),
    "t10k-labels-idx1-ubyte.gz": (BASE + "t10k-labels-idx1-ubyte.gz", None),
    "t10k-images-idx3-ubyte.gz": (BASE + "t10k-images-idx3-ubyte.gz", None),
    "cifar-10-python.tar.gz": ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                               "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    "cifar-100-python.tar.gz": ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                                "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),
    "imdb.npz": (BASE + "imdb.npz", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "imdb_word_index.json": (BASE + "imdb_word_index.json", "bfafd718b763782e994055a2d397834f"),
    "reuters.npz": (BASE + "reuters.npz", "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
    "reuters_word_index.json": (BASE + "reuters_word_index.json", "4d44cc38712099c9e383dc6e5f11a921"),
    "boston_housing.npz": (BASE + "boston_housing.npz",
                           "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"),
    # Keras 3's keras/src/datasets/california_housing.py
    "california_housing.npz": (BASE + "california_housing.npz",
                               "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"),
}


def test_urls_and_hashes_are_tf_keras_own():
    assert remote.FILES == TF_KERAS


def test_fetch_saves_under_the_given_name_and_creates_cache_dir(served, tmp_path):
    (served.folder / "mnist.npz").write_bytes(b"payload")
    served.publish("mnist.npz")
    cache = tmp_path / "new" / "cache"
    path = remote.fetch("mnist.npz", "renamed.npz", str(cache))
    assert path == os.path.join(str(cache), "datasets", "renamed.npz")
    assert open(path, "rb").read() == b"payload"
    assert remote.fetch("mnist.npz") == str(tmp_path / "home" / "datasets" / "mnist.npz")
