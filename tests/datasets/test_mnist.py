"""`mnist` and `fashion_mnist` read small files in tf.keras's formats (mnist.npz; Fashion-MNIST's four
gzipped IDX files) from a 127.0.0.1 server."""
import os

import numpy as np
import pytest

import kerasx
from kerasx.datasets import fashion_mnist, mnist
from tests.datasets.dataset_files import write_idx_gz, write_npz

RNG = np.random.default_rng(0)


def test_mnist_load_data(served, tmp_path):
    x_train = RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    y_train = np.array([5, 0, 4, 1, 9], dtype=np.uint8)
    x_test = RNG.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    y_test = np.array([7, 2], dtype=np.uint8)
    write_npz(served.folder / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    served.publish("mnist.npz")
    (a, b), (c, d) = kerasx.datasets.mnist.load_data()
    for got, want in ((a, x_train), (b, y_train), (c, x_test), (d, y_test)):
        assert got.dtype == np.uint8 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert os.path.exists(tmp_path / "home" / "datasets" / "mnist.npz")
    # Cached: a second load makes no request; `path` and `cache_dir` place the file elsewhere.
    mnist.load_data()
    mnist.load_data(path="m.npz", cache_dir=str(tmp_path / "c"))
    assert served.server.requests == ["/mnist.npz", "/mnist.npz"]
    assert os.path.exists(tmp_path / "c" / "datasets" / "m.npz")


def test_mnist_refuses_a_file_that_is_not_tf_keras_own(served):
    write_npz(served.folder / "mnist.npz", x_train=np.zeros(1))
    # The table keeps tf.keras's hash: the local file does not match it.
    served._monkeypatch.setitem(kerasx.datasets.remote.FILES, "mnist.npz", (
        served.url + "mnist.npz", kerasx.datasets.remote.FILES["mnist.npz"][1]))
    with pytest.raises(ValueError, match="sha256 file hash does not match the provided value of "
                                         "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"):
        mnist.load_data()


def _write_fashion(folder, n_train=4, n_test=3):
    x_train = RNG.integers(0, 256, (n_train, 28, 28), dtype=np.uint8)
    y_train = np.arange(n_train, dtype=np.uint8) % 10
    x_test = RNG.integers(0, 256, (n_test, 28, 28), dtype=np.uint8)
    y_test = np.array([9, 0, 3][:n_test], dtype=np.uint8)
    write_idx_gz(folder / "train-labels-idx1-ubyte.gz", y_train)
    write_idx_gz(folder / "train-images-idx3-ubyte.gz", x_train)
    write_idx_gz(folder / "t10k-labels-idx1-ubyte.gz", y_test)
    write_idx_gz(folder / "t10k-images-idx3-ubyte.gz", x_test)
    return (x_train, y_train), (x_test, y_test)


def test_fashion_mnist_load_data(served, tmp_path):
    expected = _write_fashion(served.folder)
    for name in fashion_mnist.FILES:
        served.publish(name)
    (x_train, y_train), (x_test, y_test) = kerasx.datasets.fashion_mnist.load_data()
    for got, want in ((x_train, expected[0][0]), (y_train, expected[0][1]), (x_test, expected[1][0]),
                      (y_test, expected[1][1])):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)
    assert x_train.shape == (4, 28, 28) and y_test.shape == (3,)
    assert sorted(os.listdir(tmp_path / "home" / "datasets" / "fashion-mnist")) == sorted(fashion_mnist.FILES)
    fashion_mnist.load_data(cache_dir=str(tmp_path / "c"))
    assert os.path.isdir(tmp_path / "c" / "datasets" / "fashion-mnist")


def test_fashion_mnist_trains_as_in_seed_003(served):
    """Seed 003's code path: Fashion-MNIST scaled to [0, 1], Flatten + Dense(128, relu) + Dense(10,
    softmax), sparse categorical crossentropy, `fit` then `evaluate`."""
    _write_fashion(served.folder, n_train=32, n_test=3)
    for name in fashion_mnist.FILES:
        served.publish(name)
    (x_train, y_train), (x_test, y_test) = kerasx.datasets.fashion_mnist.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = kerasx.Sequential([kerasx.layers.Flatten(input_shape=(28, 28)),
                               kerasx.layers.Dense(128, activation="relu"),
                               kerasx.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
