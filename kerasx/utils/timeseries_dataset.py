"""`timeseries_dataset_from_array`: a `kerasx.data.Dataset` of sliding windows over a series, as
`tf.keras.utils.timeseries_dataset_from_array`."""
import numpy as np  # host-side: window start positions are built on the host, as the dataset's elements

from kerasx.data.dataset import Dataset


def _check_arguments(n, sequence_length, sequence_stride, sampling_rate, batch_size, start_index,
                     end_index):
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("sampling_rate", sampling_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"`{name}` must be an integer; received {name}={value!r}.")
    if sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be higher than 0. Received: "
                         f"sequence_length={sequence_length}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size <= 0):
        raise ValueError(f"`batch_size` must be a positive integer or None. Received: batch_size={batch_size!r}")
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= n:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {n}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None):
    """A dataset of sliding windows over `data`, with the target of each window's first row.

    Window `i` starts at row `start_index + i * sequence_stride` and holds `sequence_length` rows taken
    every `sampling_rate`-th; its target (if `targets` is not None) is `targets[start_index + i *
    sequence_stride]`, so `targets = data[sequence_length:]` pairs each window with the row after it.
    Only rows in `[start_index, end_index)` are used.

    Args:
        data: an array (or list) of rows, the time axis first.
        targets: one target per row of `data`, or None for a dataset of windows alone.
        sequence_length: rows per window.
        sequence_stride: the step between the start rows of successive windows.
        sampling_rate: the step between rows within a window.
        batch_size: windows per batch; None gives unbatched windows.
        shuffle: whether to shuffle the windows (their start positions with `seed`, then a buffer of
            `batch_size * 8`, as tf.keras; the order differs from TensorFlow's own shuffle).
        seed: the shuffling seed.
        start_index, end_index: the rows used (end exclusive).

    Returns:
        A `kerasx.data.Dataset` of `(windows, targets)` (or windows alone), windows of shape
        `(batch, sequence_length) + data.shape[1:]`.
    """
    data = np.asarray(data)
    _check_arguments(len(data), sequence_length, sequence_stride, sampling_rate, batch_size, start_index,
                     end_index)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    index_dtype = "int32" if num_seqs < 2147483647 else "int64"
    start_positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=index_dtype)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(start_positions)
    offsets = np.arange(0, sequence_length * sampling_rate, sampling_rate, dtype=index_dtype)
    steps = data[start_index:end_index]
    positions = Dataset.from_tensor_slices(start_positions)
    if targets is None:
        dataset = positions.map(lambda p: steps[p + offsets])
    else:
        target_steps = targets[start_index:end_index]
        dataset = positions.map(lambda p: (steps[p + offsets], target_steps[p]))
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8, seed=seed)
        return dataset.batch(batch_size)
    if shuffle:
        dataset = dataset.shuffle(buffer_size=1024, seed=seed)
    return dataset
