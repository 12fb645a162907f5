"""`split_dataset` on arrays, tuples of arrays and (batched) Datasets, against hand-listed halves, with
tf.keras's size rules and errors."""
import random

import numpy as np
import pytest

import kerasx
from kerasx.utils import split_dataset

X = np.arange(20).reshape(10, 2)
Y = np.arange(10) * 10


def _rows(dataset):
    return list(dataset.as_numpy_iterator())


def test_an_array_by_fraction_and_count():
    left, right = kerasx.utils.split_dataset(np.arange(10), left_size=0.8)
    assert [int(v) for v in _rows(left)] == list(range(8)) and [int(v) for v in _rows(right)] == [8, 9]
    left, right = split_dataset(np.arange(10), right_size=3)
    assert len(left) == 7 and [int(v) for v in _rows(right)] == [7, 8, 9]
    left, right = split_dataset(np.arange(10), left_size=2, right_size=3)  # the middle is dropped
    assert [int(v) for v in _rows(left)] == [0, 1] and [int(v) for v in _rows(right)] == [7, 8, 9]
    left, _ = split_dataset(np.arange(10), left_size=0.25)  # round(2.5) = 2, Python's rounding
    assert len(left) == 2


def test_a_tuple_of_arrays_keeps_pairs_together():
    left, right = split_dataset((X, Y), left_size=0.6)
    rows = _rows(left)
    assert len(rows) == 6 and len(_rows(right)) == 4
    for i, (x, y) in enumerate(rows):
        assert x.tolist() == [2 * i, 2 * i + 1] and int(y) == 10 * i
    left, right = split_dataset([X, Y], right_size=0.2)
    assert [int(y) for _, y in _rows(right)] == [80, 90]


def test_shuffle_follows_python_random_with_the_seed():
    order = list(range(8))
    random.seed(4)
    random.shuffle(order)
    left, right = split_dataset(np.arange(8), left_size=3, shuffle=True, seed=4)
    assert [int(v) for v in _rows(left)] == order[:3] and [int(v) for v in _rows(right)] == order[3:]


def test_a_batched_dataset_of_dicts_is_rebatched():
    ds = kerasx.data.Dataset.from_tensor_slices({"a": X, "b": Y}).batch(3)
    left, right = split_dataset(ds, left_size=0.5)
    batches = _rows(left)
    assert [b["b"].tolist() for b in batches] == [[0, 10, 20], [30, 40]]
    assert batches[0]["a"].shape == (3, 2)
    assert [b["b"].tolist() for b in _rows(right)] == [[50, 60, 70], [80, 90]]


def test_fit_on_a_split(backend):
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], dtype="float32"))[:, None]
    train, val = split_dataset((x, y), left_size=0.75)
    model = kerasx.Sequential([kerasx.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=kerasx.optimizers.SGD(0.1), loss="mse")
    history = model.fit(train.batch(8), validation_data=val.batch(8), epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert "val_loss" in history.history


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(), ValueError, "At least one of the `left_size` or `right_size` must be specified"),
    (dict(left_size=0, right_size=0), ValueError, "Both `left_size` and `right_size` are zero"),
    (dict(left_size="half"), TypeError, "Invalid `left_size` Type. Expected: int or float or None"),
    (dict(right_size=True), TypeError, "Invalid `right_size` Type"),
    (dict(left_size=10), ValueError, "`left_size` should be either a positive integer smaller than 10, or "
                                     "a float within the range `\\[0, 1\\]`. Received: left_size=10"),
    (dict(right_size=1.5), ValueError, "`right_size` should be either a positive integer smaller than 10"),
    (dict(left_size=0.6, right_size=0.5), ValueError, "The sum of `left_size` and `right_size` is greater "
                                                      "than 1"),
    (dict(left_size=6, right_size=5), ValueError, "should be at most the dataset's length 10. Received: "
                                                  "left_size \\+ right_size = 11"),
    (dict(left_size=0.01), ValueError, "With `dataset` of length=10, `left_size`=0 and `right_size`=10. "
                                       "Resulting left side dataset split will be empty"),
])
def test_size_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        split_dataset(np.arange(10), **kwargs)


def test_dataset_errors():
    with pytest.raises(TypeError, match="The `dataset` argument must be either a `tf.data.Dataset` object or "
                                        "a list/tuple of arrays. Received: dataset=5"):
        split_dataset(5, left_size=1)
    with pytest.raises(ValueError, match="Received an empty tuple dataset"):
        split_dataset((), left_size=1)
    with pytest.raises(ValueError, match="Expected a list of `numpy.ndarray` objects, Received: <class 'list'>"):
        split_dataset([[1, 2]], left_size=1)
    with pytest.raises(ValueError, match="Received a tuple of NumPy arrays with different lengths. Mismatch "
                                         "found at index 1"):
        split_dataset((X, Y[:3]), left_size=1)
    with pytest.raises(ValueError, match="Received an empty Dataset"):
        split_dataset(kerasx.data.Dataset.from_tensor_slices(np.zeros((0, 2))), left_size=1)
