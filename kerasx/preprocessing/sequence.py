"""`keras.preprocessing.sequence`, as tf.keras 2.x: `pad_sequences`, `TimeseriesGenerator` (a `Sequence`
of windows over a time series), `make_sampling_table` and `skipgrams` (word2vec training pairs)."""
import json
import random

import numpy as np  # host-side: windows and sampling tables are built from user arrays on the host

from kerasx.utils.data_utils import Sequence
from kerasx.utils.sequence_utils import pad_sequences


def remove_long_seq(maxlen, seq, label):
    """The sequences shorter than `maxlen` (strictly, as tf.keras's `_remove_long_seq`) and their
    labels, as two lists."""
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"TimeseriesGenerator: `{name}` must be a positive integer; received "
                         f"{name}={value!r}.")


class TimeseriesGenerator(Sequence):
    """Batches of temporal windows over a series, as `tf.keras.preprocessing.sequence.TimeseriesGenerator`.

    Batch `i` holds the windows ending before rows `start_index + length + i * batch_size * stride`, ...
    (every `stride`-th row), each window the `length` preceding rows taken every `sampling_rate`-th, and
    the targets at those rows.

    Args:
        data: indexable series (a list or array), rows along the first axis.
        targets: the targets, one per row of `data`.
        length: the length of the history each window covers (in rows before sampling).
        sampling_rate: the step between rows within a window.
        stride: the step between the end rows of successive windows.
        start_index, end_index: only rows from `start_index + length` to `end_index` (inclusive; default
            the last row) end a window.
        shuffle: whether each batch draws its end rows at random (from NumPy's global generator).
        reverse: whether each window's rows come in reverse order.
        batch_size: windows per batch (the last may hold fewer).
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0, end_index=None,
                 shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError(f"Data and targets have to be of same length. Data length is {len(data)} "
                             f"while target length is {len(targets)}")
        for name, value in (("length", length), ("sampling_rate", sampling_rate), ("stride", stride),
                            ("batch_size", batch_size)):
            _check_positive_int(name, value)
        self._series = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        if end_index is None:
            end_index = len(data) - 1
        self.end_index = end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"`start_index+length={self.start_index} > end_index={self.end_index}` is "
                             "disallowed, as no part of the sequence would be left to be used as current "
                             "step.")

    @property
    def data(self):
        """The series the windows are cut from (tf.keras's attribute)."""
        return self._series

    def __len__(self):
        return (self.end_index - self.start_index + self.batch_size * self.stride) // (
            self.batch_size * self.stride)

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1), self.stride)
        samples = np.array([self._series[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """The generator's arguments, `data` and `targets` as JSON strings (as tf.keras)."""
        def as_json(values, what):
            if type(values).__module__ == np.__name__:
                values = values.tolist()
            try:
                return json.dumps(values)
            except TypeError as e:
                raise TypeError(f"{what} not JSON Serializable: {values!r}") from e

        return {"data": as_json(self._series, "Data"), "targets": as_json(self.targets, "Targets"),
                "length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self.start_index, "end_index": self.end_index, "shuffle": self.shuffle,
                "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs):
        """`{"class_name": "TimeseriesGenerator", "config": get_config()}` as a JSON string."""
        return json.dumps({"class_name": self.__class__.__name__, "config": self.get_config()}, **kwargs)


def make_sampling_table(size, sampling_factor=1e-5):
    """The word-rank sampling table word2vec uses: entry `i` is the probability of keeping the `i`-th most
    common word, `min(1, sqrt(sampling_factor / p(i)))` under Zipf's law, `p(i)` estimated by
    `1 / (i * (log(i) + gamma) + 1/2 - 1/(12 i))` (gamma the Euler-Mascheroni constant, as tf.keras:
    0.577)."""
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram pairs from a sequence of word indices, as tf.keras: `(couples, labels)`.

    Each word `wi` (index 0 is skipped, as a non-word) is paired with every word within `window_size`
    of it, label 1; then `int(len(labels) * negative_samples)` negative pairs, label 0, pair the first
    words of shuffled positive couples with random words in `[1, vocabulary_size - 1]`. Draws use
    Python's `random` module, as tf.keras; `seed` seeds the final shuffle of couples and labels (which
    keeps them aligned). With `categorical`, labels are `[0, 1]` (positive) and `[1, 0]` (negative).
    A word is kept with probability `sampling_table[wi]` when a table is given.
    """
    couples, labels = [], []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        window_start = max(0, i - window_size)
        window_end = min(len(sequence), i + window_size + 1)
        for j in range(window_start, window_end):
            if j != i:
                wj = sequence[j]
                if not wj:
                    continue
                couples.append([wi, wj])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        num_negative_samples = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, int(vocabulary_size - 1))]
                    for i in range(num_negative_samples)]
        labels += [[1, 0] if categorical else 0] * num_negative_samples
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences", "skipgrams"]
