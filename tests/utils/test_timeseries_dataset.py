"""`timeseries_dataset_from_array` against tf.keras's documented examples and hand-listed windows, its
errors, and `fit` on the dataset it returns."""
import numpy as np
import pytest

import kerasx
from kerasx.utils import timeseries_dataset_from_array


def _batches(dataset):
    out = []
    for batch in dataset:
        out.append(tuple(t.numpy() for t in batch) if isinstance(batch, tuple) else batch.numpy())
    return out


def test_example_1_sampling_rate_and_stride():
    windows = np.concatenate(_batches(timeseries_dataset_from_array(
        np.arange(99), None, sequence_length=10, sampling_rate=2, sequence_stride=3)))
    np.testing.assert_array_equal(windows[0], [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    np.testing.assert_array_equal(windows[1], [3, 5, 7, 9, 11, 13, 15, 17, 19, 21])
    np.testing.assert_array_equal(windows[2], [6, 8, 10, 12, 14, 16, 18, 20, 22, 24])
    np.testing.assert_array_equal(windows[-1], [78, 80, 82, 84, 86, 88, 90, 92, 94, 96])
    assert len(windows) == 27  # starts 0, 3, ..., 78


def test_example_2_targets_follow_the_window(backend):
    data = np.arange(15)
    dataset = timeseries_dataset_from_array(data, data[10:], sequence_length=10)
    [(inputs, targets)] = _batches(dataset)
    np.testing.assert_array_equal(inputs, [data[i:i + 10] for i in range(5)])
    np.testing.assert_array_equal(targets, [10, 11, 12, 13, 14])
    assert inputs.dtype == data.dtype


def test_example_3_non_overlapping_windows_in_batches():
    x = np.arange(100)
    inputs = _batches(timeseries_dataset_from_array(x, None, sequence_length=20, sequence_stride=20,
                                                    batch_size=2))
    assert [b.shape for b in inputs] == [(2, 20), (2, 20), (1, 20)]
    np.testing.assert_array_equal(inputs[0][1], x[20:40])
    np.testing.assert_array_equal(inputs[2][0], x[80:100])


def test_start_end_index_batch_size_none_and_rows_of_features():
    data = np.arange(40).reshape(20, 2)
    dataset = timeseries_dataset_from_array(data, np.arange(20) * 10, sequence_length=3, sampling_rate=2,
                                            sequence_stride=3, start_index=2, end_index=15, batch_size=None)
    elements = _batches(dataset)
    # Rows 2..14: windows start at rows 2, 5, 8 (the next, 11, would need row 15).
    assert [w[:, 0].tolist() for w, _ in elements] == [[4, 8, 12], [10, 14, 18], [16, 20, 24]]
    assert [int(t) for _, t in elements] == [20, 50, 80]
    assert elements[0][0].shape == (3, 2)


def test_shuffle_is_a_seeded_permutation_of_the_windows():
    data = np.arange(30)
    first = np.concatenate(_batches(timeseries_dataset_from_array(data, None, 4, batch_size=5, shuffle=True,
                                                                  seed=3)))
    again = np.concatenate(_batches(timeseries_dataset_from_array(data, None, 4, batch_size=5, shuffle=True,
                                                                  seed=3)))
    np.testing.assert_array_equal(first, again)
    assert sorted(map(tuple, first.tolist())) == [tuple(range(i, i + 4)) for i in range(27)]
    assert first[:, 0].tolist() != list(range(27))


@pytest.mark.parametrize("kwargs,message", [
    (dict(start_index=-1), "`start_index` must be 0 or greater. Received: start_index=-1"),
    (dict(start_index=10), "`start_index` must be lower than the length of the data. Received: "
                           "start_index=10, for data of length 10"),
    (dict(start_index=5, end_index=4), "`end_index` must be higher than `start_index`. Received: "
                                       "start_index=5, and end_index=4"),
    (dict(end_index=10), "`end_index` must be lower than the length of the data. Received: end_index=10"),
    (dict(end_index=-2), "`end_index` must be higher than 0. Received: end_index=-2"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0. Received: sampling_rate=0"),
    (dict(sampling_rate=10), "`sampling_rate` must be lower than the length of the data. Received: "
                             "sampling_rate=10, for data of length 10"),
    (dict(sequence_stride=0), "`sequence_stride` must be higher than 0. Received: sequence_stride=0"),
    (dict(sequence_stride=12), "`sequence_stride` must be lower than the length of the data"),
    (dict(sequence_length=0), "`sequence_length` must be higher than 0. Received: sequence_length=0"),
    (dict(sequence_length=2.5), "`sequence_length` must be an integer; received sequence_length=2.5"),
    (dict(batch_size=0), "`batch_size` must be a positive integer or None. Received: batch_size=0"),
])
def test_errors(kwargs, message):
    args = dict(sequence_length=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        timeseries_dataset_from_array(np.arange(10), None, **args)


def test_fit_on_the_dataset(backend):
    t = np.linspace(0, 8, 200).astype("float32")
    series = np.sin(t)[:, None]
    dataset = timeseries_dataset_from_array(series[:-5], series[5:, 0], sequence_length=5, batch_size=16)
    model = kerasx.Sequential([kerasx.layers.Flatten(input_shape=(5, 1)), kerasx.layers.Dense(1)])
    model.compile(optimizer=kerasx.optimizers.Adam(0.01), loss="mse")
    history = model.fit(dataset, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
