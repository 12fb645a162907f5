"""`Dataset.padded_batch` (kerasx/data/transforms.py), as tf.data's: each component padded at the end of
each axis to `padded_shapes` (None: the batch's largest), with `padding_values`."""
import numpy as np
import pytest

from kerasx.data import Dataset


def _clips(lengths):
    """Element i: (ones of shape (lengths[i], 2) times i + 1, the label i)."""
    def make(i):
        i = int(i)
        return np.full((lengths[i], 2), i + 1, dtype="float32"), np.int32(i)
    return Dataset.from_tensor_slices(np.arange(len(lengths))).map(make)


def test_pads_to_each_batch_longest():
    batches = list(_clips([2, 4, 1]).padded_batch(2, padded_shapes=([None, None], [])).as_numpy_iterator())
    (x0, y0), (x1, y1) = batches
    expected = np.zeros((2, 4, 2), "float32")
    expected[0, :2], expected[1, :4] = 1, 2
    np.testing.assert_array_equal(x0, expected)
    np.testing.assert_array_equal(x1, np.full((1, 1, 2), 3, "float32"))
    assert y0.tolist() == [0, 1] and y1.tolist() == [2] and x0.dtype == np.float32


def test_fixed_shapes_values_and_spec():
    dataset = _clips([2, 3]).padded_batch(2, padded_shapes=([5, 2], []), padding_values=(-1.0, 0),
                                          drop_remainder=True)
    x, _ = next(iter(dataset.as_numpy_iterator()))
    assert x.shape == (2, 5, 2) and (x[0, 2:] == -1).all() and (x[1, :3] == 2).all()
    x_spec, y_spec = dataset.element_spec
    assert x_spec.shape == (2, 5, 2) and y_spec.shape == (2,) and len(dataset) == 1
    default = Dataset.from_tensor_slices(np.arange(3)).map(lambda i: np.arange(int(i) + 1)).padded_batch(3)
    np.testing.assert_array_equal(next(iter(default.as_numpy_iterator())), [[0, 0, 0], [0, 1, 0], [0, 1, 2]])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="smaller size than its elements"):
        list(_clips([4]).padded_batch(1, padded_shapes=([3, 2], [])))
    with pytest.raises(ValueError, match="must have the structure of the dataset's elements"):
        list(_clips([4]).padded_batch(1, padded_shapes=([None, None], [], [])))
    with pytest.raises(ValueError, match="does not have the rank"):
        list(_clips([4]).padded_batch(1, padded_shapes=([None], [])))
    with pytest.raises(ValueError, match="`batch_size` must be greater than zero"):
        _clips([1]).padded_batch(0)
