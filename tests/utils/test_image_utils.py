"""`load_img`, `img_to_array`, `array_to_img` and `save_img` (kerasx/utils/image_utils.py) on images the
tests write with PIL: exact pixel round trips, modes, shapes and dtypes, resizing against PIL's own resize
and tf.keras's crop box worked by hand, and the errors."""
import io
import warnings

import numpy as np
import pytest
from PIL import Image

import kerasx
from kerasx.utils import image_utils
from kerasx.utils import array_to_img, img_to_array, load_img, save_img

RNG = np.random.RandomState(0)
RGB = RNG.randint(0, 256, size=(5, 7, 3)).astype("uint8")
RGBA = RNG.randint(0, 256, size=(5, 7, 4)).astype("uint8")
GRAY = RNG.randint(0, 256, size=(5, 7)).astype("uint8")


def _write(tmp_path, array, name, mode=None):
    path = tmp_path / name
    Image.fromarray(array, mode).save(path) if mode else Image.fromarray(array).save(path)
    return path


def test_the_four_functions_are_also_in_preprocessing_image():
    for name in ("load_img", "img_to_array", "array_to_img", "save_img"):
        assert getattr(kerasx.preprocessing.image, name) is getattr(kerasx.utils, name)


def test_load_img_rgb_png_round_trip_is_exact(tmp_path):
    img = load_img(_write(tmp_path, RGB, "a.png"))
    assert img.mode == "RGB" and img.size == (7, 5)
    x = img_to_array(img)
    assert x.dtype == np.float32 and x.shape == (5, 7, 3)
    np.testing.assert_array_equal(x, RGB.astype("float32"))


def test_load_img_accepts_str_bytes_pathlib_and_bytesio(tmp_path):
    path = _write(tmp_path, RGB, "a.png")
    buffer = io.BytesIO(path.read_bytes())
    for source in (path, str(path), str(path).encode(), buffer):
        np.testing.assert_array_equal(np.asarray(load_img(source)), RGB)


def test_color_modes_convert_as_pil(tmp_path):
    path = _write(tmp_path, RGB, "a.png")
    gray = load_img(path, color_mode="grayscale")
    assert gray.mode == "L"
    # PIL's ITU-R 601-2 luma, L = R * 299/1000 + G * 587/1000 + B * 114/1000, rounded.
    wide = RGB.astype("int64")
    luma = (wide[..., 0] * 19595 + wide[..., 1] * 38470 + wide[..., 2] * 7471 + 0x8000) >> 16
    np.testing.assert_array_equal(np.asarray(gray), luma)
    rgba = img_to_array(load_img(path, color_mode="rgba"))
    assert rgba.shape == (5, 7, 4)
    np.testing.assert_array_equal(rgba[..., :3], RGB)
    np.testing.assert_array_equal(rgba[..., 3], 255)
    with pytest.warns(UserWarning, match="grayscale is deprecated"):
        assert load_img(path, grayscale=True).mode == "L"


def test_grayscale_and_rgba_files_keep_their_values(tmp_path):
    gray = img_to_array(load_img(_write(tmp_path, GRAY, "g.png"), color_mode="grayscale"))
    assert gray.shape == (5, 7, 1)
    np.testing.assert_array_equal(gray[..., 0], GRAY)
    rgba = img_to_array(load_img(_write(tmp_path, RGBA, "r.png"), color_mode="rgba"))
    np.testing.assert_array_equal(rgba, RGBA)
    rgb = img_to_array(load_img(_write(tmp_path, GRAY, "g2.png")))
    np.testing.assert_array_equal(rgb, np.repeat(GRAY[..., None], 3, axis=-1))


@pytest.mark.parametrize("interpolation", image_utils.PIL_INTERPOLATIONS)
def test_target_size_resizes_with_pils_filter(tmp_path, interpolation):
    path = _write(tmp_path, RGB, "a.png")
    img = load_img(path, target_size=(3, 4), interpolation=interpolation)
    assert img.size == (4, 3)
    filters = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
               "hamming": Image.HAMMING, "box": Image.BOX, "lanczos": Image.LANCZOS}
    expected = Image.fromarray(RGB).resize((4, 3), filters[interpolation])
    np.testing.assert_array_equal(np.asarray(img), np.asarray(expected))


def test_nearest_is_the_default_and_same_size_is_untouched(tmp_path):
    path = _write(tmp_path, RGB, "a.png")
    np.testing.assert_array_equal(np.asarray(load_img(path, target_size=(5, 7), interpolation="bogus")), RGB)
    np.testing.assert_array_equal(np.asarray(load_img(path, target_size=(10, 14))),
                                  RGB.repeat(2, axis=0).repeat(2, axis=1))


def test_keep_aspect_ratio_resizes_the_centred_crop(tmp_path):
    image = np.arange(6 * 10 * 3, dtype="uint8").reshape(6, 10, 3)
    path = _write(tmp_path, image, "a.png")
    # Target 3x3 of a 6x10 image: tf.keras's crop is 6x6 from column (10 - 6) // 2 = 2; nearest
    # (scale 2) then takes rows and columns 1, 3, 5 of the crop.
    out = np.asarray(load_img(path, target_size=(3, 3), keep_aspect_ratio=True))
    np.testing.assert_array_equal(out, image[1:6:2, 3:8:2])
    # Target 2x4 (aspect 2) of 6x10: crop height min(6, 10 * 2 // 4) = 5 from row 0, width 10.
    box = image_utils._center_crop_box((10, 6), (4, 2))
    assert box == [0, 0, 10, 5]


def test_img_to_array_data_format_and_dtype():
    x = img_to_array(Image.fromarray(RGB), data_format="channels_first", dtype="uint8")
    assert x.dtype == np.uint8 and x.shape == (3, 5, 7)
    np.testing.assert_array_equal(x, RGB.transpose(2, 0, 1))
    g = img_to_array(Image.fromarray(GRAY), data_format="channels_first")
    assert g.shape == (1, 5, 7) and g.dtype == np.float32
    np.testing.assert_array_equal(g[0], GRAY)


def test_array_to_img_without_scale_is_exact_and_scale_spans_0_255():
    for array, mode in ((RGB, "RGB"), (RGBA, "RGBA"), (GRAY[..., None], "L")):
        img = array_to_img(array.astype("float32"), scale=False)
        assert img.mode == mode
        np.testing.assert_array_equal(np.asarray(img).reshape(array.shape), array)
    x = np.array([[[1.0], [3.0]], [[5.0], [2.0]]])
    scaled = np.asarray(array_to_img(x))
    # (x - min) / (max - min) * 255, truncated to uint8 as tf.keras.
    np.testing.assert_array_equal(scaled, ((x[..., 0] - 1) / 4 * 255).astype("uint8"))
    wide = np.asarray(array_to_img(np.full((2, 2, 1), 300.0), scale=False))
    assert wide.dtype == np.int32 and (wide == 300).all()  # mode "I" above 255
    first = array_to_img(RGB.transpose(2, 0, 1), data_format="channels_first", scale=False)
    np.testing.assert_array_equal(np.asarray(first), RGB)


@pytest.mark.parametrize("extension", ["png", "bmp"])
def test_save_img_then_load_img_round_trip(tmp_path, extension):
    path = tmp_path / f"out.{extension}"
    save_img(path, RGB.astype("float32"), scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(path)), RGB)
    buffer = io.BytesIO()
    save_img(buffer, RGBA, file_format="png", scale=False)
    buffer.seek(0)
    np.testing.assert_array_equal(np.asarray(load_img(buffer, color_mode="rgba")), RGBA)


def test_save_img_rgba_as_jpeg_warns_and_drops_alpha(tmp_path):
    with pytest.warns(UserWarning, match="The JPG format does not support RGBA images"):
        save_img(tmp_path / "a.jpg", RGBA, file_format="jpeg", scale=False)
    assert Image.open(tmp_path / "a.jpg").mode == "RGB"


def test_errors_name_the_argument_and_value(tmp_path):
    path = _write(tmp_path, RGB, "a.png")
    with pytest.raises(ValueError, match='color_mode must be "grayscale", "rgb", or "rgba". Received: '
                                         "color_mode='cmyk'"):
        load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation method area specified. Supported methods "
                                         "are nearest, bilinear, bicubic, hamming, box, lanczos"):
        load_img(path, target_size=(2, 2), interpolation="area")
    with pytest.raises(TypeError, match="path should be path-like or io.BytesIO, not <class 'int'>"):
        load_img(3)
    with pytest.raises(ValueError, match=r"Expected image array to have rank 3 \(single image\). Got array "
                                         r"with shape: \(5, 7\)"):
        array_to_img(GRAY)
    with pytest.raises(ValueError, match="Invalid data_format: channels_middle"):
        array_to_img(RGB, data_format="channels_middle")
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Unknown data_format: nchw"):
        img_to_array(Image.fromarray(RGB), data_format="nchw")
    with pytest.raises(ValueError, match=r"Unsupported image shape: \(2, 2, 2, 2\)"):
        img_to_array(np.zeros((2, 2, 2, 2)))


def test_missing_pillow_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setattr(image_utils, "pil_image", None)
    for call, name in ((lambda: load_img(tmp_path / "a.png"), "load_img"),
                       (lambda: array_to_img(RGB), "array_to_img"),
                       (lambda: save_img(tmp_path / "a.png", RGB), "array_to_img"),
                       (lambda: kerasx.utils.image_dataset_from_directory(str(tmp_path)),
                        "image_dataset_from_directory")):
        with pytest.raises(ImportError, match=rf"The use of `{name}` requires PIL \(Pillow\), which the "
                                              r"`image` extra provides: pip install 'kerasx\[image\]'"):
            call()


def test_smart_resize_crops_the_centre_then_resizes(backend):
    wide = np.arange(4 * 8 * 3, dtype="float32").reshape(4, 8, 3)
    out = kerasx.preprocessing.image.smart_resize(wide, (2, 2))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (2, 2, 3)
    # The 4x4 centred crop, halved: 2x2 block means (half-pixel bilinear).
    crop = wide[:, 2:6].astype("float64")
    np.testing.assert_allclose(out, crop.reshape(2, 2, 2, 2, 3).mean(axis=(1, 3)), atol=1e-5)
    batch = kerasx.preprocessing.image.smart_resize(kerasx.backend.constant(wide[None]), (2, 2),
                                                    interpolation="nearest")
    assert not isinstance(batch, np.ndarray)
    np.testing.assert_array_equal(batch.numpy()[0], wide[1:4:2, 3:6:2])
    with pytest.raises(ValueError, match=r"Expected `size` to be a tuple of 2 integers, but got: \(2,\)."):
        kerasx.preprocessing.image.smart_resize(wide, (2,))
    with pytest.raises(ValueError, match=r"but got input with incorrect rank, of shape \(4, 8\)."):
        kerasx.preprocessing.image.smart_resize(wide[..., 0], (2, 2))
