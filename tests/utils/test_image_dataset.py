"""`image_dataset_from_directory` (kerasx/utils/image_dataset.py, directory_dataset.py) on directories of
images the tests write with PIL: label inference and its order, the label modes, exact pixels (a copy for
nearest, the 2x2 box averages tf.image.resize's half-pixel bilinear gives when halving), the seeded
shuffle and tf.keras's split rule, and the errors."""
import os

import numpy as np
import pytest
from PIL import Image

import kerasx
from kerasx.utils import image_dataset_from_directory

SIZE = (4, 4)


def _image(value, shape=(4, 4, 3)):
    return (np.arange(np.prod(shape)).reshape(shape) + value).astype("uint8")


def _tree(tmp_path, counts, fmt="png", shape=(4, 4, 3)):
    """counts: {class: n}; image k of a class holds `_image(10 * class index + k)`. Returns the
    {relative path: array} written."""
    written = {}
    for c, (name, n) in enumerate(sorted(counts.items())):
        os.makedirs(tmp_path / name, exist_ok=True)
        for k in range(n):
            array = _image(10 * c + k, shape)
            Image.fromarray(array).save(tmp_path / name / f"img_{k}.{fmt}")
            written[os.path.join(name, f"img_{k}.{fmt}")] = array
    return written


def _all(dataset):
    """(images, labels) of a batched dataset as concatenated NumPy arrays."""
    images, labels = [], []
    for x, y in dataset:
        images.append(x.numpy())
        labels.append(y.numpy())
    return np.concatenate(images), np.concatenate(labels)


def test_labels_inferred_from_sorted_subdirectories(tmp_path, backend):
    written = _tree(tmp_path, {"dogs": 2, "cats": 3})
    (tmp_path / "notes.txt").write_text("not an image")
    dataset = image_dataset_from_directory(str(tmp_path), image_size=SIZE, shuffle=False, batch_size=2,
                                           interpolation="nearest")
    assert dataset.class_names == ["cats", "dogs"]
    assert dataset.file_paths == [os.path.join(str(tmp_path), p) for p in sorted(written)]
    images, labels = _all(dataset)
    assert images.dtype == np.uint8 and images.shape == (5, 4, 4, 3)  # nearest keeps the dtype
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(images, np.stack([written[p] for p in sorted(written)]))
    assert [tuple(x.shape) for x, _ in dataset] == [(2, 4, 4, 3), (2, 4, 4, 3), (1, 4, 4, 3)]
    assert kerasx.preprocessing.image_dataset_from_directory is image_dataset_from_directory


def test_bilinear_default_float32_and_box_averages(tmp_path, backend):
    written = _tree(tmp_path, {"a": 1})
    dataset = image_dataset_from_directory(str(tmp_path), image_size=(2, 2), batch_size=None)
    [(image, label)] = list(dataset)
    x = written[os.path.join("a", "img_0.png")].astype("float64")
    # Halving: output pixel (i, j) samples source (2i + 0.5, 2j + 0.5), the mean of a 2x2 block.
    expected = x.reshape(2, 2, 2, 2, 3).mean(axis=(1, 3))
    assert image.dtype == "float32" and tuple(image.shape) == (2, 2, 3) and int(np.asarray(label)) == 0
    np.testing.assert_allclose(image.numpy(), expected, rtol=0, atol=1e-5)
    same = image_dataset_from_directory(str(tmp_path), image_size=(4, 4), batch_size=None)
    np.testing.assert_array_equal(next(iter(same))[0].numpy(), x.astype("float32"))


def test_crop_to_aspect_ratio_takes_the_centred_crop(tmp_path, backend):
    os.makedirs(tmp_path / "a")
    wide = _image(0, (4, 8, 3))
    Image.fromarray(wide).save(tmp_path / "a" / "w.png")
    for kwargs in ({"crop_to_aspect_ratio": True}, {"smart_resize": True}):
        dataset = image_dataset_from_directory(str(tmp_path), image_size=(2, 2), batch_size=None, **kwargs)
        image = next(iter(dataset))[0].numpy()
        crop = wide[:, 2:6].astype("float64")  # the 4x4 crop from column (8 - 4) // 2
        np.testing.assert_allclose(image, crop.reshape(2, 2, 2, 2, 3).mean(axis=(1, 3)), atol=1e-5)


@pytest.mark.parametrize("color_mode, channels", [("grayscale", 1), ("rgb", 3), ("rgba", 4)])
def test_color_modes_give_their_channels(tmp_path, color_mode, channels):
    written = _tree(tmp_path, {"a": 2})
    dataset = image_dataset_from_directory(str(tmp_path), color_mode=color_mode, image_size=SIZE,
                                           shuffle=False, interpolation="nearest")
    images, _ = _all(dataset)
    assert images.shape == (2, 4, 4, channels)
    first = written[os.path.join("a", "img_0.png")]
    if color_mode == "rgba":
        np.testing.assert_array_equal(images[0, ..., :3], first)
        np.testing.assert_array_equal(images[0, ..., 3], 255)
    elif color_mode == "grayscale":
        np.testing.assert_array_equal(images[0, ..., 0], np.asarray(Image.fromarray(first).convert("L")))


def test_label_modes(tmp_path):
    _tree(tmp_path, {"a": 2, "b": 1})
    categorical = image_dataset_from_directory(str(tmp_path), label_mode="categorical", image_size=SIZE,
                                               shuffle=False)
    _, labels = _all(categorical)
    assert labels.dtype == np.float32
    np.testing.assert_array_equal(labels, [[1, 0], [1, 0], [0, 1]])
    binary = image_dataset_from_directory(str(tmp_path), label_mode="binary", image_size=SIZE, shuffle=False)
    _, labels = _all(binary)
    assert labels.dtype == np.float32 and labels.shape == (3, 1)
    np.testing.assert_array_equal(labels[:, 0], [0, 0, 1])
    for kwargs in ({"label_mode": None}, {"labels": None}):
        images_only = image_dataset_from_directory(str(tmp_path), image_size=SIZE, shuffle=False, **kwargs)
        batch = next(iter(images_only))
        assert tuple(batch.shape) == (3, 4, 4, 3)


def test_labels_given_as_a_list_follow_the_sorted_walk(tmp_path):
    _tree(tmp_path, {"a": 2, "b": 2})
    dataset = image_dataset_from_directory(str(tmp_path), labels=[3, 1, 4, 1], image_size=SIZE, shuffle=False)
    assert dataset.class_names == [1, 3, 4]
    np.testing.assert_array_equal(_all(dataset)[1], [3, 1, 4, 1])
    # "categorical" one-hots over len(class_names) == 4 classes (0, 1, 3, 4): as tf.one_hot, the value 4
    # is out of range and gives a row of zeros.
    categorical = image_dataset_from_directory(str(tmp_path), labels=[3, 1, 4, 0], label_mode="categorical",
                                               image_size=SIZE, shuffle=False)
    np.testing.assert_array_equal(_all(categorical)[1], [[0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 0],
                                                                 [1, 0, 0, 0]])


def test_class_names_choose_the_order_and_nested_files_count(tmp_path):
    _tree(tmp_path, {"a": 1, "b": 1})
    os.makedirs(tmp_path / "b" / "deeper")
    Image.fromarray(_image(99)).save(tmp_path / "b" / "deeper" / "z.jpg")
    dataset = image_dataset_from_directory(str(tmp_path), class_names=["b", "a"], image_size=SIZE,
                                           shuffle=False)
    assert dataset.class_names == ["b", "a"]
    assert [os.path.relpath(p, str(tmp_path)) for p in dataset.file_paths] == [
        os.path.join("a", "img_0.png"), os.path.join("b", "img_0.png"), os.path.join("b", "deeper", "z.jpg")]
    np.testing.assert_array_equal(_all(dataset)[1], [1, 0, 0])


def test_follow_links(tmp_path):
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    _tree(root, {"a": 1})
    _tree(elsewhere, {"x": 2})
    os.symlink(elsewhere / "x", root / "a" / "linked")
    plain = image_dataset_from_directory(str(root), image_size=SIZE, shuffle=False)
    followed = image_dataset_from_directory(str(root), image_size=SIZE, shuffle=False, follow_links=True)
    assert len(plain.file_paths) == 1 and len(followed.file_paths) == 3


def test_seeded_shuffle_is_numpys_permutation_of_the_sorted_files(tmp_path):
    written = _tree(tmp_path, {"a": 4, "b": 3})
    dataset = image_dataset_from_directory(str(tmp_path), image_size=SIZE, seed=7, batch_size=None,
                                           interpolation="nearest")
    expected = [os.path.join(str(tmp_path), p) for p in sorted(written)]
    np.random.RandomState(7).shuffle(expected)
    assert dataset.file_paths == expected
    again = image_dataset_from_directory(str(tmp_path), image_size=SIZE, seed=7, batch_size=None)
    assert again.file_paths == expected
    # Elements are shuffled once more (a 1024 buffer): the same multiset, labels still with their image.
    pairs = sorted((int(np.asarray(y)), x.numpy().tobytes()) for x, y in dataset)
    assert pairs == sorted((0 if p.startswith("a") else 1, a.tobytes()) for p, a in written.items())


@pytest.mark.parametrize("n", [10, 7])
def test_validation_split_follows_tf_keras_rule(tmp_path, n):
    _tree(tmp_path, {"a": n - n // 2, "b": n // 2})
    train, val = image_dataset_from_directory(str(tmp_path), image_size=SIZE, seed=3, validation_split=0.25,
                                              subset="both")
    num_val = int(0.25 * n)
    assert len(val.file_paths) == num_val and len(train.file_paths) == n - num_val
    assert not set(train.file_paths) & set(val.file_paths)
    assert train.class_names == val.class_names == ["a", "b"]
    shuffled = sorted(os.path.join(str(tmp_path), c, f) for c in "ab" for f in os.listdir(tmp_path / c))
    np.random.RandomState(3).shuffle(shuffled)
    assert val.file_paths == shuffled[-num_val:] and train.file_paths == shuffled[:-num_val]
    alone = image_dataset_from_directory(str(tmp_path), image_size=SIZE, seed=3, validation_split=0.25,
                                         subset="validation")
    assert alone.file_paths == val.file_paths
    assert sum(int(x.shape[0]) for x, _ in train) == n - num_val


def test_fit_trains_on_the_dataset(tmp_path, backend):
    _tree(tmp_path, {"a": 4, "b": 4})
    dataset = image_dataset_from_directory(str(tmp_path), image_size=(2, 2), batch_size=4, seed=1,
                                           label_mode="binary")
    model = kerasx.Sequential([kerasx.layers.Rescaling(1 / 255.0), kerasx.layers.Flatten(),
                               kerasx.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=kerasx.optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(dataset, epochs=15, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_errors(tmp_path):
    _tree(tmp_path, {"a": 2, "b": 1, "c": 1})
    d = str(tmp_path)
    cases = [
        (dict(labels="folders"), ValueError, "`labels` argument should be a list/tuple of integer labels, of "
                                             "the same size as the number of image files"),
        (dict(labels=[0, 1, 0, 1], class_names=["a"]), ValueError,
         'You can only pass `class_names` if `labels="inferred"`.'),
        (dict(label_mode="sparse"), ValueError, '`label_mode` argument must be one of "int", "categorical", '
                                                '"binary", or None. Received: label_mode=sparse'),
        (dict(color_mode="cmyk"), ValueError, r'`color_mode` must be one of \{"rgb", "rgba", "grayscale"\}. '
                                              "Received: color_mode=cmyk"),
        (dict(interpolation="lanczos3"), ValueError, "Value not recognized for `interpolation` of "
                                                     "image_dataset_from_directory: 'lanczos3'"),
        (dict(label_mode="binary"), ValueError, 'When passing `label_mode="binary"`, there must be exactly 2 '
                                                r"class_names. Received: class_names=\['a', 'b', 'c'\]"),
        (dict(validation_split=0.2, subset="training"), ValueError,
         "If using `validation_split` and shuffling the data, you must provide a `seed` argument"),
        (dict(subset="training"), ValueError, "If `subset` is set, `validation_split` must be set"),
        (dict(validation_split=1.5, subset="training", seed=1), ValueError,
         "`validation_split` must be between 0 and 1, received: 1.5"),
        (dict(validation_split=0.2, subset="test", seed=1), ValueError,
         '`subset` must be either "training", "validation" or "both", received: test'),
        (dict(labels=[0, 1]), ValueError, "Expected the lengths of `labels` to match the number of files in "
                                          "the target directory. len.labels. is 2 while we found 4 files"),
        (dict(class_names=["a", "b"]), ValueError,
         r"The `class_names` passed did not match the names of the subdirectories of the target directory. "
         r"Expected: \['a', 'b', 'c'\], but received: \['a', 'b'\]"),
        (dict(validation_split=0.2, subset="both", seed=1), ValueError,
         "No training images found in directory"),  # int(0.2 * 4) == 0: [:-0] is empty, as tf.keras
        (dict(image_sizes=(2, 2)), TypeError, r"Unknown keywords argument\(s\): \('image_sizes',\)"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            image_dataset_from_directory(d, **kwargs)
    os.makedirs(tmp_path / "empty" / "x")
    with pytest.raises(ValueError, match="No images found in directory .*empty. Allowed formats: "
                                         r"\('.bmp', '.gif', '.jpeg', '.jpg', '.png'\)"):
        image_dataset_from_directory(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="Could not find directory .*missing"):
        image_dataset_from_directory(str(tmp_path / "missing"))
