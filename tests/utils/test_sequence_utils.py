"""`pad_sequences` against tf.keras's documented outputs and hand-written arrays, with its errors."""
import numpy as np
import pytest

import kerasx
from kerasx.preprocessing import sequence as preprocessing_sequence
from kerasx.utils import data_utils, pad_sequences

SEQUENCE = [[1], [2, 3], [4, 5, 6]]


def test_the_three_names_are_one_function():
    assert preprocessing_sequence.pad_sequences is pad_sequences
    assert data_utils.pad_sequences is pad_sequences and kerasx.utils.pad_sequences is pad_sequences


def test_tf_keras_documented_examples():
    out = pad_sequences(SEQUENCE)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCE, value=-1), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCE, padding="post"), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCE, maxlen=2), [[0, 1], [2, 3], [5, 6]])


def test_truncating_post_and_maxlen_longer_than_every_sequence():
    np.testing.assert_array_equal(pad_sequences(SEQUENCE, maxlen=2, truncating="post"), [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(pad_sequences(SEQUENCE, maxlen=4, padding="post", truncating="post"),
                                  [[1, 0, 0, 0], [2, 3, 0, 0], [4, 5, 6, 0]])


def test_dtypes_values_empty_sequences_and_item_shapes():
    out = pad_sequences([[0.25, 0.5], []], dtype="float32", value=9.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0.25, 0.5], [9.5, 9.5]])
    words = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["a", "b"], ["<pad>", "c"]]
    assert pad_sequences([["a"], []], dtype="<U5", value="-").tolist() == [["a"], ["-"]]
    items = pad_sequences([[[1, 2]], [[3, 4], [5, 6]]])
    assert items.shape == (2, 2, 2)
    np.testing.assert_array_equal(items, [[[0, 0], [1, 2]], [[3, 4], [5, 6]]])
    assert pad_sequences(np.array([[1, 2], [3, 4]]), maxlen=1).tolist() == [[2], [4]]


def test_errors():
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        pad_sequences(SEQUENCE, padding="middle")
    with pytest.raises(ValueError, match='Truncating type "center" not understood'):
        pad_sequences(SEQUENCE, truncating="center")
    with pytest.raises(ValueError, match="`dtype` int32 is not compatible with `value`'s type: <class 'str'>"):
        pad_sequences(SEQUENCE, value="x")
    with pytest.raises(ValueError, match="`sequences` must be a list of iterables. Found non-iterable: 3"):
        pad_sequences([[1], 3])
    with pytest.raises(ValueError, match=r"Shape of sample \(3,\) of sequence at position 1 is different from "
                                         r"expected shape \(2,\)"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])
    with pytest.raises(ValueError, match="`sequences` must be iterable."):
        pad_sequences(5)
