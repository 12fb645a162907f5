"""`audio_dataset_from_directory` (kerasx/utils/audio_dataset.py) on directories of WAV files the tests
write with Python's `wave`: samples are the int16 values written, scaled as tf.audio.decode_wav scales them
(`int16 / 32768`), padded with zeros to each batch's longest clip or cut/padded to `output_sequence_length`;
labels, the seeded split and the errors as tf.keras 2.21."""
import os
import wave

import numpy as np
import pytest

from kerasx.utils import audio_dataset_from_directory


def _write_wav(path, samples, rate=16000, width=2):
    """samples: int16 array `(frames, channels)`."""
    samples = np.asarray(samples, dtype="<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(samples.tobytes() if width == 2 else np.zeros(samples.size, "u1").tobytes())


def _tree(tmp_path, lengths, channels=1, rate=16000):
    """lengths: {class: [frames, ...]}; clip k of a class is `c_k.wav` with distinct int16 samples.
    Returns {relative path: int16 samples} in sorted path order."""
    written, counter = {}, 0
    for name, items in lengths.items():
        os.makedirs(tmp_path / name, exist_ok=True)
        for k, frames in enumerate(items):
            values = (np.arange(frames * channels) * 97 + counter * 1000) % 65536 - 32768
            samples = values.astype("int16").reshape(frames, channels)
            counter += 1
            _write_wav(tmp_path / name / f"c_{k}.wav", samples, rate)
            written[os.path.join(name, f"c_{k}.wav")] = samples
    return dict(sorted(written.items()))


LENGTHS = {"yes": [5, 3, 7], "no": [4, 6]}


def _expected(samples):
    return samples.astype("float32") / 32768.0  # tf.audio.decode_wav's scaling


def test_batches_are_the_samples_padded_to_the_longest(tmp_path):
    written = _tree(tmp_path, LENGTHS)
    (tmp_path / "yes" / "notes.txt").write_text("not audio")
    dataset = audio_dataset_from_directory(str(tmp_path), shuffle=False, batch_size=3)
    assert dataset.class_names == ["no", "yes"]
    batches = [(x.numpy(), y.numpy()) for x, y in dataset]
    clips = list(written.values())  # no/c_0 (4), no/c_1 (6), yes/c_0 (5), yes/c_1 (3), yes/c_2 (7)
    assert [b[0].shape for b in batches] == [(3, 6, 1), (2, 7, 1)]
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int32
    for (audio, _), first in zip(batches, (0, 3)):
        for row, clip in enumerate(clips[first:first + len(audio)]):
            np.testing.assert_array_equal(audio[row, :len(clip)], _expected(clip))
            assert not audio[row, len(clip):].any()  # zero padding
    assert [list(b[1]) for b in batches] == [[0, 0, 1], [1, 1]]
    assert np.all(batches[0][0] >= -1.0) and np.all(batches[0][0] < 1.0)


def test_output_sequence_length_cuts_and_pads(tmp_path):
    written = _tree(tmp_path, {"a": [5, 3]}, channels=2)
    dataset = audio_dataset_from_directory(str(tmp_path), shuffle=False, batch_size=None, label_mode=None,
                                           output_sequence_length=4)
    long_clip, short_clip = [x.numpy() for x in dataset]
    assert long_clip.shape == short_clip.shape == (4, 2)
    np.testing.assert_array_equal(long_clip, _expected(written["a/c_0.wav"][:4]))
    np.testing.assert_array_equal(short_clip[:3], _expected(written["a/c_1.wav"]))
    assert not short_clip[3].any()
    batched = next(iter(audio_dataset_from_directory(str(tmp_path), shuffle=False, output_sequence_length=4)))
    assert batched[0].shape == (2, 4, 2)


def test_label_modes_and_no_labels(tmp_path):
    _tree(tmp_path, LENGTHS)
    labels = np.concatenate([y.numpy() for _, y in audio_dataset_from_directory(
        str(tmp_path), label_mode="categorical", shuffle=False, batch_size=2)])
    np.testing.assert_array_equal(labels, [[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]])
    labels = np.concatenate([y.numpy() for _, y in audio_dataset_from_directory(
        str(tmp_path), label_mode="binary", shuffle=False)])
    np.testing.assert_array_equal(labels, [[0], [0], [1], [1], [1]])
    audio_only = next(iter(audio_dataset_from_directory(str(tmp_path), labels=None, shuffle=False)))
    assert audio_only.shape == (5, 7, 1)


def test_seeded_split_is_disjoint_with_tf_keras_sizes(tmp_path):
    written = _tree(tmp_path, LENGTHS)
    train, val = audio_dataset_from_directory(str(tmp_path), seed=3, validation_split=0.4, subset="both",
                                              batch_size=None)
    lengths = lambda ds: sorted(len(x.numpy()) for x, _ in ds)  # noqa: E731 (a clip is known by its length)
    assert len(lengths(val)) == int(0.4 * 5) and len(lengths(train)) == 5 - int(0.4 * 5)
    assert sorted(lengths(train) + lengths(val)) == [3, 4, 5, 6, 7]
    shuffled = [len(s) for s in written.values()]
    np.random.RandomState(3).shuffle(shuffled)
    assert [len(x.numpy()) for x, _ in val] == shuffled[-2:]  # tf.keras: the last files, not reshuffled


def test_sampling_rate_must_be_the_files_rate(tmp_path):
    _tree(tmp_path, {"a": [4]}, rate=8000)
    assert next(iter(audio_dataset_from_directory(str(tmp_path), sampling_rate=8000)))[0].shape == (1, 4, 1)
    with pytest.raises(ValueError, match="sampled at 8000 Hz, not at sampling_rate=16000.*tensorflow-io"):
        audio_dataset_from_directory(str(tmp_path), sampling_rate=16000)
    with pytest.raises(ValueError, match="`sampling_rate` should have an integer value"):
        audio_dataset_from_directory(str(tmp_path), sampling_rate=8000.0)
    with pytest.raises(ValueError, match="`sampling_rate` should be higher than 0"):
        audio_dataset_from_directory(str(tmp_path), sampling_rate=0)


def test_errors(tmp_path):
    _tree(tmp_path, LENGTHS)
    with pytest.raises(ValueError, match="Cannot set both `ragged` and `output_sequence_length`"):
        audio_dataset_from_directory(str(tmp_path), ragged=True, output_sequence_length=3)
    with pytest.raises(ValueError, match="no ragged tensors"):
        audio_dataset_from_directory(str(tmp_path), ragged=True)
    with pytest.raises(ValueError, match="`label_mode` argument must be one of"):
        audio_dataset_from_directory(str(tmp_path), label_mode="sparse")
    with pytest.raises(ValueError, match="number of audio files"):
        audio_dataset_from_directory(str(tmp_path), labels="yes")
    with pytest.raises(ValueError, match="you must provide a `seed`"):
        audio_dataset_from_directory(str(tmp_path), validation_split=0.2, subset="training")
    empty = tmp_path / "empty"
    (empty / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"No audio files found in directory .*\('.wav',\)"):
        audio_dataset_from_directory(str(empty))
    eight_bit = tmp_path / "eight"
    (eight_bit / "a").mkdir(parents=True)
    _write_wav(eight_bit / "a" / "x.wav", np.zeros((4, 1)), width=1)
    dataset = audio_dataset_from_directory(str(eight_bit))
    with pytest.raises(ValueError, match="samples are 8-bit; .*16-bit PCM"):
        next(iter(dataset))
