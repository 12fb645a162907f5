"""`to_categorical`, `to_ordinal` and `normalize` against formulas written here."""
import numpy as np
import pytest

import kerasx
from kerasx.utils.np_utils import normalize, to_categorical, to_ordinal


def test_to_categorical_one_hot_rows():
    out = to_categorical([0, 2, 1, 2])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.eye(3, dtype="float32")[[0, 2, 1, 2]])


def test_to_categorical_drops_trailing_unit_axis_and_honours_num_classes():
    out = to_categorical(np.array([[1], [3]]), num_classes=5, dtype="int64")
    assert out.shape == (2, 5) and out.dtype == np.int64
    assert out[0, 1] == 1 and out[1, 3] == 1 and out.sum() == 2


def test_to_categorical_keeps_leading_axes():
    assert to_categorical(np.zeros((2, 3), dtype=int), num_classes=4).shape == (2, 3, 4)


def test_normalize_unit_l2_rows_and_zero_rows_stay_zero():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    out = normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


@pytest.mark.parametrize("order", [1, 2])
def test_normalize_order(order):
    x = np.array([[1.0, -3.0, 2.0]])
    np.testing.assert_allclose(np.linalg.norm(normalize(x, order=order), order, axis=-1), [1.0])


def test_to_ordinal_tf_keras_documented_example():
    # tf.keras's docstring: to_ordinal([0, 1, 2, 3], num_classes=4)
    out = kerasx.utils.to_ordinal([0, 1, 2, 3], num_classes=4)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]])


def test_to_ordinal_infers_classes_drops_unit_axis_and_keeps_leading_axes():
    np.testing.assert_array_equal(to_ordinal(np.array([[2], [0]]), dtype="int64"), [[1, 1], [0, 0]])
    assert to_ordinal(np.array([[2], [0]])).shape == (2, 2)
    assert to_ordinal(np.zeros((2, 3), dtype=int), num_classes=5).shape == (2, 3, 4)
