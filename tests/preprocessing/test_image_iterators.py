"""`flow_from_directory` / `DirectoryIterator` on a tiny directory of PNGs written by the test (every
class_mode, classes order, target_size, color_mode, validation_split subsets, filepaths/labels),
`flow_from_dataframe` / `DataFrameIterator` where pandas is importable, and `Iterator`'s protocol."""
import os

import numpy as np
import pytest

from kerasx.preprocessing.image import (DataFrameIterator, DirectoryIterator, ImageDataGenerator,
                                        Iterator, array_to_img)

PIL = pytest.importorskip("PIL", reason="image files are decoded by Pillow (the `image` extra)")

COLOURS = {"cat": (255, 0, 0), "dog": (0, 255, 0)}


@pytest.fixture()
def image_dir(tmp_path):
    """cat/ holds 3 red 4x6 PNGs, dog/ 2 green ones (plus a .txt that is ignored)."""
    for cls, n in (("cat", 3), ("dog", 2)):
        os.makedirs(tmp_path / cls)
        for i in range(n):
            arr = np.zeros((4, 6, 3), "float32") + np.array(COLOURS[cls], "float32")
            array_to_img(arr, scale=False).save(tmp_path / cls / f"{cls}{i}.png")
        (tmp_path / cls / "notes.txt").write_text("not an image")
    return tmp_path


def _all(it):
    return [it[i] for i in range(len(it))]


def test_categorical_binary_sparse_input_and_none(image_dir):
    gen = ImageDataGenerator()
    it = gen.flow_from_directory(image_dir, target_size=(4, 6), batch_size=5, shuffle=False)
    assert isinstance(it, DirectoryIterator) and it.samples == 5 and it.class_indices == {"cat": 0, "dog": 1}
    assert it.filenames == [os.path.join("cat", f"cat{i}.png") for i in range(3)] + \
        [os.path.join("dog", f"dog{i}.png") for i in range(2)]
    x, y = it[0]
    assert x.shape == (5, 4, 6, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, np.eye(2, dtype="float32")[[0, 0, 0, 1, 1]])
    np.testing.assert_array_equal(x[0, 0, 0], COLOURS["cat"])
    np.testing.assert_array_equal(x[4, 2, 3], COLOURS["dog"])
    np.testing.assert_array_equal(it.labels, [0, 0, 0, 1, 1])
    assert it.filepaths[0] == os.path.join(str(image_dir), "cat", "cat0.png")
    _, y = gen.flow_from_directory(image_dir, target_size=(4, 6), class_mode="binary", shuffle=False)[0]
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1])
    _, y = gen.flow_from_directory(image_dir, target_size=(4, 6), class_mode="sparse", shuffle=False)[0]
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1])
    x, y = gen.flow_from_directory(image_dir, target_size=(4, 6), class_mode="input", shuffle=False)[0]
    np.testing.assert_array_equal(x, y)
    x = gen.flow_from_directory(image_dir, target_size=(4, 6), class_mode=None, shuffle=False)[0]
    assert x.shape == (5, 4, 6, 3)


def test_classes_order_target_size_and_color_mode(image_dir):
    gen = ImageDataGenerator(rescale=1 / 255.0)
    it = gen.flow_from_directory(image_dir, classes=["dog", "cat"], target_size=(2, 3), color_mode="grayscale",
                                 class_mode="sparse", batch_size=2, shuffle=False)
    assert it.class_indices == {"dog": 0, "cat": 1} and len(it) == 3
    x, y = it[0]
    assert x.shape == (2, 2, 3, 1)
    np.testing.assert_array_equal(y, [0, 0])
    # PIL's L conversion: 0.299 R + 0.587 G + 0.114 B, rounded, here on pure green.
    np.testing.assert_allclose(x[0, 0, 0, 0], round(0.587 * 255) / 255.0, rtol=1e-5)
    x, _ = gen.flow_from_directory(image_dir, target_size=(4, 6), color_mode="rgba", shuffle=False)[0]
    assert x.shape == (5, 4, 6, 4)
    np.testing.assert_allclose(x[0, 0, 0], [1, 0, 0, 1], rtol=1e-6)
    it = ImageDataGenerator(data_format="channels_first").flow_from_directory(image_dir, target_size=(4, 6))
    assert it[0][0].shape == (5, 3, 4, 6) and it.image_shape == (3, 4, 6)


def test_validation_split_and_shuffle(image_dir):
    gen = ImageDataGenerator(validation_split=0.5)
    tr = gen.flow_from_directory(image_dir, target_size=(4, 6), subset="training", shuffle=False)
    va = gen.flow_from_directory(image_dir, target_size=(4, 6), subset="validation", shuffle=False)
    assert tr.samples + va.samples == 5 and set(tr.filenames).isdisjoint(va.filenames)
    # tf.keras splits each class directory: its first floor-free fraction goes to validation.
    assert va.filenames == [os.path.join("cat", "cat0.png"), os.path.join("dog", "dog0.png")]
    a = ImageDataGenerator().flow_from_directory(image_dir, target_size=(4, 6), batch_size=5, seed=4)
    b = ImageDataGenerator().flow_from_directory(image_dir, target_size=(4, 6), batch_size=5, seed=4)
    np.testing.assert_array_equal(a[0][1], b[0][1])
    assert sorted(a.index_array) == list(range(5))


def test_errors(image_dir):
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="Invalid class_mode: multi; expected one of"):
        gen.flow_from_directory(image_dir, class_mode="multi")
    with pytest.raises(ValueError, match="Invalid color mode"):
        gen.flow_from_directory(image_dir, color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid subset name"):
        ImageDataGenerator(validation_split=0.5).flow_from_directory(image_dir, subset="test")
    it = gen.flow_from_directory(image_dir, target_size=(4, 6), batch_size=5)
    with pytest.raises(ValueError, match="Asked to retrieve element 3, but the Sequence has length 1"):
        it[3]


def test_iterator_protocol_next_reset_and_epochs():
    it = ImageDataGenerator().flow(np.zeros((5, 2, 2, 1), "float32"), np.arange(5), batch_size=2, shuffle=False)
    assert isinstance(it, Iterator)
    ys = [next(it)[1].tolist() for _ in range(4)]
    assert ys == [[0, 1], [2, 3], [4], [0, 1]]
    it.reset()
    assert next(it)[1].tolist() == [0, 1]


def test_flow_from_dataframe(image_dir):
    pd = pytest.importorskip("pandas", reason="flow_from_dataframe needs pandas, which is not installed")
    df = pd.DataFrame({"filename": [os.path.join("cat", "cat1.png"), os.path.join("dog", "dog0.png"),
                                    os.path.join("cat", "missing.png")],
                       "label": ["cat", "dog", "cat"], "w": [0.5, 2.0, 1.0], "score": [1.5, -2.0, 0.0]})
    gen = ImageDataGenerator()
    with pytest.warns(UserWarning, match="Found 1 invalid image filename"):
        it = gen.flow_from_dataframe(df, str(image_dir), y_col="label", weight_col="w", target_size=(4, 6),
                                     shuffle=False)
    assert isinstance(it, DataFrameIterator) and it.class_indices == {"cat": 0, "dog": 1}
    x, y, w = it[0]
    assert x.shape == (2, 4, 6, 3)
    np.testing.assert_array_equal(y, [[1, 0], [0, 1]])
    np.testing.assert_allclose(w, [0.5, 2.0])
    with pytest.warns(UserWarning):
        raw = gen.flow_from_dataframe(df, str(image_dir), y_col="score", class_mode="raw", target_size=(4, 6),
                                      shuffle=False)
    np.testing.assert_allclose(raw[0][1], [1.5, -2.0])
    with pytest.raises(ValueError, match="Invalid class_mode: bogus"):
        gen.flow_from_dataframe(df, str(image_dir), y_col="label", class_mode="bogus")


def test_save_to_dir_writes_each_augmented_image_of_a_batch(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 256, size=(3, 4, 5, 3)).astype("float32")
    x[:, 0, 0, :] = (0.0, 255.0, 0.0)  # every image spans 0..255, so array_to_img's scale=True is the identity
    x[:, 0, 1, :] = (255.0, 0.0, 255.0)
    out = tmp_path / "seen"
    out.mkdir()
    it = ImageDataGenerator().flow(x, batch_size=2, shuffle=False, save_to_dir=str(out), save_prefix="aug",
                                   save_format="png")
    batch = next(it)
    names = sorted(os.listdir(out))
    assert len(names) == 2 and [n.split("_")[:2] for n in names] == [["aug", "0"], ["aug", "1"]]
    assert all(n.endswith(".png") for n in names)
    for name in names:
        index = int(name.split("_")[1])
        with PIL.Image.open(out / name) as img:
            np.testing.assert_array_equal(np.asarray(img, dtype="float32"), batch[index])
    next(it)  # the ragged last batch (one image) adds one more file
    assert len(os.listdir(out)) == 3
