"""`audio_dataset_from_directory`: a `kerasx.data.Dataset` of the .wav files in a directory, with labels
from its subdirectories, as tf.keras 2.21 (`utils/audio_dataset.py`).

Files are read with Python's `wave` module: 16-bit PCM, decoded as `tf.audio.decode_wav` decodes it,
float32 samples ``int16 / 32768`` in [-1, 1), shape `(samples, channels)`. tf.keras resamples to a
`sampling_rate` with tensorflow-io; kerasx does not resample, so a `sampling_rate` must be the rate of
every file (checked on the headers before the dataset is made)."""
import wave

import numpy as np  # host-side: decoded audio files are host arrays before they become dataset elements

from kerasx.data.dataset import Dataset
from kerasx.utils import directory_dataset

ALLOWED_FORMATS = (".wav",)


def _open(path):
    try:
        return wave.open(path, "rb")
    except (wave.Error, EOFError) as e:
        raise ValueError(f"Could not read the WAV file {path}: {e}. audio_dataset_from_directory reads 16-bit "
                         "PCM WAV files.") from e


def read_wav(path, output_sequence_length=None):
    """One WAV file as float32 `(samples, channels)` in [-1, 1) (tf.audio.decode_wav's scaling), cut or
    zero-padded to `output_sequence_length` samples when given (decode_wav's `desired_samples`)."""
    with _open(path) as f:
        width, channels, frames = f.getsampwidth(), f.getnchannels(), f.getnframes()
        if width != 2:
            raise ValueError(f"Could not read the WAV file {path}: its samples are {8 * width}-bit; "
                             "audio_dataset_from_directory reads 16-bit PCM WAV files (as tf.audio.decode_wav).")
        raw = f.readframes(frames)
    samples = np.frombuffer(raw, dtype="<i2").reshape(-1, channels)
    audio = samples.astype("float32") / np.float32(32768.0)
    if output_sequence_length is not None:
        if len(audio) >= output_sequence_length:
            audio = audio[:output_sequence_length]
        else:
            audio = np.concatenate([audio, np.zeros((output_sequence_length - len(audio), channels), "float32")])
    return audio


def _check_sampling_rate(sampling_rate):
    """tf.keras's checks of the `sampling_rate` argument."""
    if not isinstance(sampling_rate, int) or isinstance(sampling_rate, bool):
        raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")


def _check_files_rate(sampling_rate, paths):
    """Every file must already be at `sampling_rate`: kerasx reads, it does not resample."""
    for path in paths:
        with _open(path) as f:
            rate = f.getframerate()
        if rate != sampling_rate:
            raise ValueError(
                f"The WAV file {path} is sampled at {rate} Hz, not at sampling_rate={sampling_rate}. tf.keras "
                "resamples it with tensorflow-io (`pip install tensorflow-io`), which kerasx cannot use: "
                "resample the files beforehand, or pass sampling_rate=None to read them at their own rate.")


def _dataset(paths, output_sequence_length):
    def load(path):
        return read_wav(str(path), output_sequence_length)
    return Dataset.from_tensor_slices(np.asarray(paths, dtype=object)).map(load)


def _batch_and_shuffle(dataset, labelled, batch_size, shuffle, seed, class_names, output_sequence_length):
    """tf.keras's `prepare_dataset`: shuffle in a buffer of `batch_size * 8` (1024 unbatched), then batch,
    padding each clip with zeros to the batch's longest where no `output_sequence_length` fixes it."""
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8, seed=seed)
        if output_sequence_length is None:
            # tf_keras 2.21 pads with ([None, None], []), which fails for categorical labels and without
            # labels; the labels here keep their own (equal) shapes.
            shapes = ([None, None], None) if labelled else [None, None]
            dataset = dataset.padded_batch(batch_size, padded_shapes=shapes)
        else:
            dataset = dataset.batch(batch_size)
    elif shuffle:
        dataset = dataset.shuffle(buffer_size=1024, seed=seed)
    dataset.class_names = class_names
    return dataset


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 batch_size=32, sampling_rate=None, output_sequence_length=None, ragged=False,
                                 shuffle=True, seed=None, validation_split=None, subset=None,
                                 follow_links=False):
    """A dataset of the audio clips in `directory` (.wav files, 16-bit PCM), as
    `image_dataset_from_directory` for images: the same `labels`, `label_mode`, `class_names`,
    `shuffle`, `seed`, `validation_split`, `subset` and `follow_links`.

    Args:
        batch_size: clips per batch; None gives single clips.
        sampling_rate: the rate (samples per second) the clips must have; None reads each at its own.
        output_sequence_length: the number of samples of every clip (longer ones cut, shorter ones
            padded with zeros); None pads each batch to its longest clip.
        ragged: tf.keras's ragged batches; kerasx has no ragged tensors, so only False is accepted.

    Returns:
        A `kerasx.data.Dataset` of `(audio, labels)` (audio alone without labels), audio float32
        `(batch_size, samples, channels)`, with a `class_names` attribute; a list of two for
        `subset="both"`.
    """
    directory_dataset.check_labels(labels, label_mode, class_names, "audio")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if ragged:
        raise ValueError("kerasx has no ragged tensors: audio_dataset_from_directory(ragged=True) is not "
                         "supported. Use ragged=False (each batch padded to its longest clip) or an "
                         "`output_sequence_length`.")
    if sampling_rate is not None:
        _check_sampling_rate(sampling_rate)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    directory_dataset.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = directory_dataset.index_directory(
        directory, labels, formats=ALLOWED_FORMATS, class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={class_names}")
    parts = directory_dataset.subsets(
        paths, labels, validation_split, subset,
        lambda kind: f"No {kind}audio files found in directory {directory}. Allowed format(s): {ALLOWED_FORMATS}")
    if sampling_rate is not None:
        _check_files_rate(sampling_rate, [path for part_paths, _ in parts for path in part_paths])
    datasets = []
    for i, (part_paths, part_labels) in enumerate(parts):
        dataset = _dataset(part_paths, output_sequence_length)
        if label_mode:
            encoded = directory_dataset.encode_labels(part_labels, label_mode, len(class_names))
            dataset = Dataset.zip((dataset, Dataset.from_tensor_slices(encoded)))
        datasets.append(_batch_and_shuffle(dataset, bool(label_mode), batch_size, shuffle and i == 0, seed,
                                           class_names, output_sequence_length))
    return datasets if subset == "both" else datasets[0]
