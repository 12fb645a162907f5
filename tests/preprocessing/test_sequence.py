"""`keras.preprocessing.sequence`: TimeseriesGenerator (tf.keras's documented example, options, config,
errors, training on it), make_sampling_table against its formula, skipgrams against hand-listed pairs."""
import json
import math
import random

import numpy as np
import pytest

import kerasx
from kerasx.preprocessing.sequence import (TimeseriesGenerator, make_sampling_table, remove_long_seq,
                                           skipgrams)
from kerasx.utils import Sequence

DATA = np.array([[i] for i in range(50)])
TARGETS = np.array([[i] for i in range(50)])


def test_timeseries_generator_documented_example():
    gen = kerasx.preprocessing.sequence.TimeseriesGenerator(DATA, TARGETS, length=10, sampling_rate=2,
                                                            batch_size=2)
    assert isinstance(gen, Sequence) and len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    x, y = gen[19]
    np.testing.assert_array_equal(x, [[[38], [40], [42], [44], [46]], [[39], [41], [43], [45], [47]]])
    np.testing.assert_array_equal(y, [[48], [49]])
    assert gen.data is DATA


def test_stride_reverse_start_end_and_a_short_last_batch():
    gen = TimeseriesGenerator(DATA, TARGETS, length=3, stride=4, start_index=5, end_index=20, reverse=True,
                              batch_size=3)
    # End rows 8, 12, 16, 20 (from start_index + length = 8 to end_index = 20), 3 per batch.
    assert len(gen) == 2
    x, y = gen[0]
    np.testing.assert_array_equal(y[:, 0], [8, 12, 16])
    np.testing.assert_array_equal(x[:, :, 0], [[7, 6, 5], [11, 10, 9], [15, 14, 13]])
    x, y = gen[1]
    np.testing.assert_array_equal(y[:, 0], [20])
    np.testing.assert_array_equal(x[:, :, 0], [[19, 18, 17]])


def test_shuffle_draws_end_rows_in_range():
    np.random.seed(0)
    gen = TimeseriesGenerator(DATA, TARGETS, length=4, shuffle=True, batch_size=64)
    x, y = gen[0]
    assert x.shape == (64, 4, 1)
    assert set(y[:, 0].tolist()) <= set(range(4, 50))
    np.testing.assert_array_equal(x[:, :, 0], [np.arange(r - 4, r) for r in y[:, 0]])


def test_config_and_json():
    gen = TimeseriesGenerator(np.arange(6), np.arange(6) * 2, length=2, batch_size=1)
    config = gen.get_config()
    assert json.loads(config["data"]) == [0, 1, 2, 3, 4, 5]
    assert json.loads(config["targets"]) == [0, 2, 4, 6, 8, 10]
    assert {k: config[k] for k in ("length", "sampling_rate", "stride", "start_index", "end_index", "shuffle",
                                   "reverse", "batch_size")} == {
        "length": 2, "sampling_rate": 1, "stride": 1, "start_index": 2, "end_index": 5, "shuffle": False,
        "reverse": False, "batch_size": 1}
    assert json.loads(gen.to_json())["class_name"] == "TimeseriesGenerator"
    with pytest.raises(TypeError, match="Data not JSON Serializable"):
        TimeseriesGenerator([object()] * 3, [0] * 3, length=1).get_config()


def test_errors():
    with pytest.raises(ValueError, match="Data and targets have to be of same length. Data length is 50 "
                                         "while target length is 3"):
        TimeseriesGenerator(DATA, TARGETS[:3], length=2)
    with pytest.raises(ValueError, match=r"`start_index\+length=50 > end_index=49` is disallowed"):
        TimeseriesGenerator(DATA, TARGETS, length=50)
    with pytest.raises(ValueError, match="`length` must be a positive integer; received length=0"):
        TimeseriesGenerator(DATA, TARGETS, length=0)
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer; received batch_size=1.5"):
        TimeseriesGenerator(DATA, TARGETS, length=2, batch_size=1.5)


def test_fit_on_a_timeseries_generator(backend):
    series = np.sin(np.linspace(0, 6, 120)).astype("float32")[:, None]
    gen = TimeseriesGenerator(series, series, length=6, batch_size=16)
    model = kerasx.Sequential([kerasx.layers.LSTM(8, input_shape=(6, 1)), kerasx.layers.Dense(1)])
    model.compile(optimizer=kerasx.optimizers.Adam(0.01), loss="mse")
    history = model.fit(gen, epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_make_sampling_table_formula():
    def expected(rank, factor):  # rank 0 counts as rank 1, as tf.keras
        r = max(rank, 1)
        f = factor * (r * (math.log(r) + 0.577) + 0.5 - 1.0 / (12.0 * r))
        return min(1.0, math.sqrt(f))

    table = kerasx.preprocessing.sequence.make_sampling_table(6)
    np.testing.assert_allclose(table, [expected(i, 1e-5) for i in range(6)], rtol=1e-12)
    assert abs(table[1] - 0.0031522) < 1e-6  # sqrt(1e-5 * (0.577 + 0.5 - 1/12)) by hand
    np.testing.assert_array_equal(make_sampling_table(4, sampling_factor=10.0), [1.0, 1.0, 1.0, 1.0])


def test_skipgrams_pairs_within_the_window():
    couples, labels = kerasx.preprocessing.sequence.skipgrams([1, 2, 0, 3], vocabulary_size=4, window_size=1,
                                                              negative_samples=0.0, shuffle=False)
    # 0 is not a word: it pairs with nothing and is skipped as a partner.
    assert couples == [[1, 2], [2, 1]] and labels == [1, 1]
    couples, labels = skipgrams([1, 2, 3], 4, window_size=2, negative_samples=0.0, shuffle=False,
                                categorical=True)
    assert couples == [[1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2]]
    assert labels == [[0, 1]] * 6


def test_skipgrams_negatives_and_a_shuffle_that_keeps_labels_aligned():
    random.seed(0)
    # vocabulary_size=2: every negative pair's second word is 1, which no positive pair has.
    couples, labels = skipgrams([2, 3, 4], vocabulary_size=2, window_size=1, negative_samples=1.5, seed=5)
    assert len(couples) == 4 + int(4 * 1.5) == len(labels)
    for (first, second), label in zip(couples, labels):
        assert label == (0 if second == 1 else 1)
        assert first in (2, 3, 4)
    again = skipgrams([2, 3, 4], vocabulary_size=2, window_size=1, negative_samples=0.0, seed=5)
    assert sorted(again[0]) == [[2, 3], [3, 2], [3, 4], [4, 3]]


def test_skipgrams_sampling_table():
    assert skipgrams([1, 2, 3], 4, sampling_table=np.zeros(4), shuffle=False) == ([], [])
    kept, _ = skipgrams([1, 2, 3], 4, window_size=1, sampling_table=np.ones(4), negative_samples=0.0,
                        shuffle=False)
    assert kept == [[1, 2], [2, 1], [2, 3], [3, 2]]


def test_remove_long_seq_keeps_strictly_shorter():
    assert remove_long_seq(3, [[1], [1, 2, 3], [1, 2]], ["a", "b", "c"]) == ([[1], [1, 2]], ["a", "c"])
