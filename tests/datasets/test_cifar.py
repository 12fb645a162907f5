"""`cifar10` and `cifar100` read small archives in the CIFAR "python version" layout (a .tar.gz of
pickled batches, each image 3072 bytes: the R, G and B planes, 32x32 row-major) from a 127.0.0.1
server; the images come back channels-last (or first, following `image_data_format`)."""
import os
import pickle

import numpy as np
import pytest

import kerasx
from kerasx import backend as K
from kerasx.datasets import cifar10, cifar100
from tests.datasets.dataset_files import cifar_batch_bytes, write_tar_gz

RNG = np.random.default_rng(1)


def _images(n):
    return RNG.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)


def _rows(images):
    """The CIFAR row layout: all of R, then all of G, then all of B."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), 3072)


@pytest.fixture
def channels_first():
    previous = K.image_data_format()
    K.set_image_data_format("channels_first")
    yield
    K.set_image_data_format(previous)


def _publish_cifar10(served):
    train = [(_images(2), [i % 10, (i + 3) % 10]) for i in range(5)]
    test = (_images(3), [9, 8, 7])
    members = {f"cifar-10-batches-py/data_batch_{i + 1}": cifar_batch_bytes(_rows(x), y)
               for i, (x, y) in enumerate(train)}
    members["cifar-10-batches-py/test_batch"] = cifar_batch_bytes(_rows(test[0]), test[1])
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps({b"label_names": [b"airplane"]}, protocol=2)
    write_tar_gz(served.folder / "cifar-10-python.tar.gz", members)
    served.publish("cifar-10-python.tar.gz")
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.array([label for _, y in train for label in y], dtype=np.uint8)
    return (x_train, y_train), test


def test_cifar10_load_data(served, tmp_path):
    (x_train, y_train), (x_test, y_test) = _publish_cifar10(served)
    (a, b), (c, d) = kerasx.datasets.cifar10.load_data()
    assert a.shape == (10, 32, 32, 3) and a.dtype == np.uint8
    assert b.shape == (10, 1) and b.dtype == np.uint8
    assert c.shape == (3, 32, 32, 3) and c.dtype == np.uint8
    assert d.shape == (3, 1) and d.dtype == np.uint8
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(b[:, 0], y_train)
    np.testing.assert_array_equal(c, x_test)
    np.testing.assert_array_equal(d[:, 0], y_test)
    datadir = tmp_path / "home" / "datasets"
    assert sorted(os.listdir(datadir)) == ["cifar-10-batches-py", "cifar-10-batches-py.tar.gz"]
    cifar10.load_data()
    assert served.server.requests == ["/cifar-10-python.tar.gz"]


def test_cifar10_channels_first(served, channels_first):
    (x_train, _), _ = _publish_cifar10(served)
    (a, _), (c, _) = cifar10.load_data()
    assert a.shape == (10, 3, 32, 32) and c.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(a, x_train.transpose(0, 3, 1, 2))


def _publish_cifar100(served):
    x_train, x_test = _images(4), _images(2)
    labels_train = {"fine_labels": [99, 0, 42, 7], "coarse_labels": [19, 4, 0, 11]}
    labels_test = {"fine_labels": [3, 55], "coarse_labels": [1, 2]}
    keys = ("fine_labels", "coarse_labels")
    members = {"cifar-100-python/train": cifar_batch_bytes(_rows(x_train), labels_train, keys),
               "cifar-100-python/test": cifar_batch_bytes(_rows(x_test), labels_test, keys),
               "cifar-100-python/meta": pickle.dumps({b"fine_label_names": [b"apple"]}, protocol=2)}
    write_tar_gz(served.folder / "cifar-100-python.tar.gz", members)
    served.publish("cifar-100-python.tar.gz")
    return (x_train, labels_train), (x_test, labels_test)


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_load_data(served, label_mode):
    (x_train, labels_train), (x_test, labels_test) = _publish_cifar100(served)
    (a, b), (c, d) = kerasx.datasets.cifar100.load_data(label_mode=label_mode)
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(c, x_test)
    assert a.dtype == np.uint8 and b.shape == (4, 1) and d.shape == (2, 1)
    assert b.dtype == np.int64  # tf.keras reshapes the pickled Python lists
    assert b[:, 0].tolist() == labels_train[label_mode + "_labels"]
    assert d[:, 0].tolist() == labels_test[label_mode + "_labels"]


def test_cifar100_label_mode_is_checked_before_downloading(served):
    with pytest.raises(ValueError, match=r'`label_mode` must be one of `"fine"`, `"coarse"`. '
                                         r"Received: label_mode=medium."):
        cifar100.load_data(label_mode="medium")
    assert served.server.requests == []


def test_a_cifar_batch_that_is_not_one_is_refused(served):
    members = {"cifar-10-batches-py/data_batch_1": pickle.dumps([1, 2], protocol=2)}
    write_tar_gz(served.folder / "cifar-10-python.tar.gz", members)
    served.publish("cifar-10-python.tar.gz")
    with pytest.raises(ValueError, match="data_batch_1 is not a CIFAR batch: it holds a list, not a dict"):
        cifar10.load_data()
