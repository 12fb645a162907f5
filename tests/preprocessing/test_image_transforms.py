"""`keras.preprocessing.image`'s transforms (apply_*/random_*) against NumPy expectations written here:
integer shifts are rolls with the fill, 90-degree rotations are np.rot90, zoom 1 is the identity, channel
and brightness shifts follow their formulas; seeded draws repeat; every error message is read."""
import numpy as np
import pytest

from kerasx.preprocessing import image

pytest.importorskip("scipy", reason="the affine transforms need SciPy (the `image` extra)")

RNG = np.random.default_rng(0)
IMG = RNG.uniform(0, 255, size=(5, 5, 3)).astype("float32")   # rows, cols, channels


def _affine(x, **kw):
    return image.apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2, order=0, **kw)


def _shifted(x, shift, axis, cval):
    """x moved by `shift` (>0: content moves toward index 0) along `axis`, vacated cells set to cval."""
    out = np.roll(x, -shift, axis=axis)
    idx = [slice(None)] * x.ndim
    idx[axis] = slice(x.shape[axis] - shift, None) if shift > 0 else slice(0, -shift)
    out[tuple(idx)] = cval
    return out


@pytest.mark.parametrize("tx,ty", [(1, 0), (0, 2), (-2, 0), (0, -1), (1, -1)])
def test_integer_shift_is_a_roll_with_the_constant_fill(tx, ty):
    out = _affine(IMG, tx=tx, ty=ty, fill_mode="constant", cval=-7.0)
    # As in tf.keras, with row_axis < col_axis `ty` moves along the rows and `tx` along the columns.
    expected = _shifted(_shifted(IMG, ty, 0, -7.0), tx, 1, -7.0)
    np.testing.assert_allclose(out, expected, atol=1e-4)
    assert out.dtype == np.float32 and out.shape == IMG.shape


def test_integer_shift_fill_modes_nearest_reflect_constant():
    col = np.arange(5, dtype="float32")
    x = np.broadcast_to(col[None, :, None], (3, 5, 1)).copy()
    out = _affine(x, tx=2, fill_mode="nearest")
    np.testing.assert_array_equal(out[0, :, 0], [2, 3, 4, 4, 4])
    out = _affine(x, tx=2, fill_mode="reflect")
    np.testing.assert_array_equal(out[0, :, 0], [2, 3, 4, 4, 3])
    out = _affine(x, tx=-2, fill_mode="constant", cval=9)
    np.testing.assert_array_equal(out[0, :, 0], [9, 9, 0, 1, 2])
    # "wrap" is scipy.ndimage's (tf.keras passes the mode through): the first and last samples overlap,
    # so the period is n - 1 = 4 and position 5 reads index 1, position -1 index 3.
    out = _affine(x, tx=2, fill_mode="wrap")
    np.testing.assert_array_equal(out[0, :, 0], [2, 3, 4, 1, 2])
    out = _affine(x, tx=-1, fill_mode="wrap")
    np.testing.assert_array_equal(out[0, :, 0], [3, 0, 1, 2, 3])


def test_rotation_by_90_degrees_is_rot90():
    np.testing.assert_allclose(_affine(IMG, theta=90), np.rot90(IMG, k=1, axes=(0, 1)), atol=1e-4)
    np.testing.assert_allclose(_affine(IMG, theta=-90), np.rot90(IMG, k=-1, axes=(0, 1)), atol=1e-4)
    np.testing.assert_allclose(_affine(IMG, theta=180), IMG[::-1, ::-1], atol=1e-4)


def test_zoom_one_and_no_transform_are_the_identity_and_zoom_two_picks_the_centre():
    np.testing.assert_array_equal(image.apply_affine_transform(IMG, channel_axis=2, row_axis=0, col_axis=1), IMG)
    np.testing.assert_allclose(image.random_zoom(IMG, (1.0, 1.0), row_axis=0, col_axis=1, channel_axis=2),
                               IMG, atol=1e-4)
    # zx=zy=0.5 samples input coordinates 0.5 * (o - 2) + 2: output centre = input centre.
    out = _affine(IMG, zx=0.5, zy=0.5)
    np.testing.assert_allclose(out[2, 2], IMG[2, 2])


def test_channels_first_matches_channels_last():
    chw = np.transpose(IMG, (2, 0, 1))
    out = image.apply_affine_transform(chw, theta=90, row_axis=1, col_axis=2, channel_axis=0, order=0)
    np.testing.assert_allclose(np.transpose(out, (1, 2, 0)), _affine(IMG, theta=90), atol=1e-4)


def test_order_one_interpolates_a_half_pixel_shift_linearly():
    x = np.arange(12, dtype="float32").reshape(3, 4, 1)
    out = image.apply_affine_transform(x, tx=0.5, row_axis=0, col_axis=1, channel_axis=2, order=1,
                                       fill_mode="nearest")
    np.testing.assert_allclose(out[:, :3, 0], x[:, :3, 0] + 0.5, atol=1e-5)
    np.testing.assert_allclose(out[:, 3, 0], x[:, 3, 0])


def test_channel_shift_formula():
    out = image.apply_channel_shift(IMG, 20.0, channel_axis=2)
    np.testing.assert_allclose(out, np.clip(IMG + 20.0, IMG.min(), IMG.max()), rtol=1e-6)


def test_brightness_shift_formula():
    x = (2 * RNG.integers(0, 100, size=(4, 4, 3))).astype("float32")
    out = image.apply_brightness_shift(x, 0.5, scale=False)
    np.testing.assert_allclose(out, x * 0.5, atol=1.0)
    out = image.apply_brightness_shift(x, 2.0, scale=False)
    np.testing.assert_allclose(out, np.clip(x * 2.0, 0, 255), atol=1.0)


def test_random_functions_are_reproducible_under_a_seed_and_draw_in_their_range():
    x = np.transpose(IMG, (2, 0, 1))   # the random_* defaults: channel axis 0
    for fn, args in [(image.random_rotation, (30,)), (image.random_shift, (0.2, 0.2)),
                     (image.random_shear, (20,)), (image.random_zoom, ((0.8, 1.2),)),
                     (image.random_channel_shift, (10.0,))]:
        np.random.seed(3)
        a = fn(x, *args)
        np.random.seed(3)
        b = fn(x, *args)
        np.testing.assert_array_equal(a, b, err_msg=fn.__name__)
        assert a.shape == x.shape
    np.random.seed(1)
    draw = np.random.uniform(-10.0, 10.0)
    np.random.seed(1)
    out = image.random_channel_shift(x, 10.0)
    np.testing.assert_allclose(out, np.clip(x + draw, x.min(), x.max()), rtol=1e-6)
    np.random.seed(2)
    b = np.random.uniform(0.5, 0.5)
    np.random.seed(2)
    y = (2 * RNG.integers(0, 100, size=(4, 4, 3))).astype("float32")
    np.testing.assert_allclose(image.random_brightness(y, (0.5, 0.5), scale=False), y * b, atol=1.0)


def test_errors():
    with pytest.raises(ValueError, match="must be multi-channel 2D images"):
        image.apply_affine_transform(IMG[..., 0], theta=10)
    with pytest.raises(ValueError, match="must be distinct"):
        image.apply_affine_transform(IMG, theta=10, row_axis=0, col_axis=0, channel_axis=2)
    with pytest.raises(ValueError, match="Invalid axis' indices"):
        image.apply_affine_transform(IMG, theta=10, row_axis=0, col_axis=3, channel_axis=2)
    with pytest.raises(ValueError, match="Channels are allowed and the first and last dimensions"):
        image.apply_affine_transform(IMG, theta=10, row_axis=0, col_axis=2, channel_axis=1)
    with pytest.raises(ValueError, match=r"`fill_mode` must be one of .*Received: fill_mode='mirror'"):
        _affine(IMG, theta=10, fill_mode="mirror")
    with pytest.raises(ValueError, match="`zoom_range` should be a tuple or list of two floats"):
        image.random_zoom(IMG, (0.5,))
    with pytest.raises(ValueError, match="`brightness_range should be tuple or list of two floats"):
        image.random_brightness(IMG, (0.5,))
