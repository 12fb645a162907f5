"""`ImageDataGenerator`: fit statistics vs np.mean/np.std and ZCA vs its SVD formula, standardize,
flips and explicit transforms, seeded random transforms, `flow` batches (shapes, shuffle, sample_weight,
validation_split subsets), a model trained on a generator, and every error/warning message."""
import numpy as np
import pytest

import kerasx
from kerasx.preprocessing.image import ImageDataGenerator, NumpyArrayIterator

pytest.importorskip("scipy", reason="the affine transforms need SciPy (the `image` extra)")

RNG = np.random.default_rng(1)
X = RNG.uniform(0, 1, size=(10, 6, 7, 3)).astype("float32")
Y = np.arange(10)


def test_fit_featurewise_statistics_match_numpy():
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(X)
    np.testing.assert_allclose(gen.mean, X.mean(axis=(0, 1, 2)).reshape(1, 1, 3), rtol=1e-5)
    np.testing.assert_allclose(gen.std, X.std(axis=(0, 1, 2)).reshape(1, 1, 3), rtol=1e-5)
    out = gen.standardize(X[0].copy())
    np.testing.assert_allclose(out, (X[0] - gen.mean) / (gen.std + 1e-6), rtol=1e-5)
    gen_cf = ImageDataGenerator(featurewise_center=True, data_format="channels_first")
    gen_cf.fit(np.transpose(X, (0, 3, 1, 2)))
    np.testing.assert_allclose(gen_cf.mean.ravel(), gen.mean.ravel(), rtol=1e-5)
    assert gen_cf.mean.shape == (3, 1, 1)


def test_fit_zca_matches_the_svd_formula_and_whitens():
    x = RNG.normal(size=(40, 2, 2, 1)).astype("float32")
    with pytest.warns(UserWarning, match="`zca_whitening`, which overrides setting of `featurewise_center`"):
        gen = ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-6)
    gen.fit(x)
    flat = (x - x.mean(axis=(0, 1, 2))).reshape(40, -1)
    u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
    np.testing.assert_allclose(gen.zca_whitening_matrix, (u * (np.sqrt(40) / (s + 1e-6))) @ u.T, rtol=1e-3,
                               atol=1e-4)
    white = np.stack([gen.standardize(xi.copy()) for xi in x]).reshape(40, -1)
    np.testing.assert_allclose(white.T @ white / 40, np.eye(4), atol=1e-3)


def test_samplewise_and_rescale_and_preprocessing_function():
    gen = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True, rescale=2.0,
                             preprocessing_function=lambda a: a + 1.0)
    x = X[0].copy()
    expected = (x + 1.0) * 2.0
    expected = (expected - expected.mean()) / (expected.std() + 1e-6)
    np.testing.assert_allclose(gen.standardize(x), expected, rtol=1e-4, atol=1e-5)


def test_flips_and_explicit_transform():
    gen = ImageDataGenerator()
    np.testing.assert_array_equal(gen.apply_transform(X[0], {"flip_horizontal": True}), X[0][:, ::-1])
    np.testing.assert_array_equal(gen.apply_transform(X[0], {"flip_vertical": True}), X[0][::-1])
    np.testing.assert_allclose(gen.apply_transform(X[0], {"channel_shift_intensity": 0.1}),
                               np.clip(X[0] + 0.1, X[0].min(), X[0].max()), rtol=1e-6)
    np.testing.assert_array_equal(gen.random_transform(X[0]), X[0])   # no augmentation configured


def test_random_transform_is_seeded_and_draws_documented_ranges():
    gen = ImageDataGenerator(rotation_range=20, width_shift_range=0.2, height_shift_range=2, shear_range=5,
                             zoom_range=0.1, channel_shift_range=0.2, horizontal_flip=True,
                             brightness_range=(0.8, 1.2), fill_mode="reflect")
    a = gen.get_random_transform(X[0].shape, seed=5)
    b = gen.get_random_transform(X[0].shape, seed=5)
    assert a == b
    assert -20 <= a["theta"] <= 20 and abs(a["ty"]) <= 0.2 * 7 and abs(a["tx"]) in (0, 1, 2)
    assert 0.9 <= a["zx"] <= 1.1 and 0.8 <= a["brightness"] <= 1.2 and a["flip_vertical"] == 0
    img = (X[0] * 255).astype("float32")
    np.testing.assert_array_equal(gen.random_transform(img, seed=7), gen.random_transform(img, seed=7))
    assert gen.random_transform(img, seed=7).shape == img.shape


def test_flow_batches_shapes_shuffle_and_sample_weight():
    gen = ImageDataGenerator()
    it = gen.flow(X, Y, batch_size=4, shuffle=False)
    assert isinstance(it, NumpyArrayIterator) and len(it) == 3
    xb, yb = it[0]
    assert xb.shape == (4, 6, 7, 3) and xb.dtype == np.float32
    np.testing.assert_array_equal(yb, [0, 1, 2, 3])
    np.testing.assert_array_equal(it[2][1], [8, 9])
    sh = gen.flow(X, Y, batch_size=10, shuffle=True, seed=3)
    _, ys = next(sh)
    assert sorted(ys) == list(range(10)) and list(ys) != list(range(10))
    np.testing.assert_array_equal(next(gen.flow(X, Y, batch_size=10, seed=3))[1], ys)
    w = np.linspace(0.1, 1.0, 10)
    xb, yb, wb = gen.flow(X, Y, sample_weight=w, batch_size=5, shuffle=False)[1]
    np.testing.assert_allclose(wb, w[5:])
    xs, extra = gen.flow((X, X[:, 0, 0]), batch_size=2, shuffle=False)[0]
    np.testing.assert_array_equal(extra, X[:2, 0, 0])
    assert gen.flow(X, batch_size=3, shuffle=False)[0].shape == (3, 6, 7, 3)   # no y: images only


def test_validation_split_subsets():
    y = np.array([0, 1] * 5)
    gen = ImageDataGenerator(validation_split=0.3)
    train = gen.flow(X, y, batch_size=20, shuffle=False, subset="training")
    val = gen.flow(X, y, batch_size=20, shuffle=False, subset="validation")
    assert train.n == 7 and val.n == 3
    np.testing.assert_array_equal(val[0][0], X[:3])
    np.testing.assert_array_equal(train[0][0], X[3:])
    with pytest.raises(ValueError, match="Training and validation subsets have different number of classes"):
        gen.flow(X, np.array([0] * 3 + [1] * 7), subset="validation")
    with pytest.raises(ValueError, match="Invalid subset name"):
        gen.flow(X, y, subset="test")


def test_a_model_trains_with_fit_on_a_generator(backend):
    x = RNG.uniform(0, 1, size=(32, 4, 4, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    gen = ImageDataGenerator(horizontal_flip=True, vertical_flip=True)
    model = kerasx.Sequential([kerasx.layers.Flatten(input_shape=(4, 4, 1)), kerasx.layers.Dense(1)])
    model.compile(optimizer=kerasx.optimizers.SGD(0.05), loss="mse")
    hist = model.fit(gen.flow(x, y, batch_size=8, seed=0), epochs=4, verbose=0)
    assert len(hist.history["loss"]) == 4 and hist.history["loss"][-1] < hist.history["loss"][0]


def test_errors_and_warnings():
    with pytest.raises(ValueError, match="`validation_split` must be strictly between 0 and 1"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match=r"`fill_mode` must be one of .*Received: fill_mode='mirror'"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="`data_format` should be"):
        ImageDataGenerator(data_format="channels_middle")
    with pytest.raises(ValueError, match="`zoom_range` should be a float or a tuple or list of two floats"):
        ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="`brightness_range should be tuple or list of two floats"):
        ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match=r"Input to `.fit\(\)` should have rank 4. Got array with shape: \(6, 7, 3\)"):
        ImageDataGenerator(featurewise_center=True).fit(X[0])
    with pytest.warns(UserWarning, match="Expected input to be images"):
        ImageDataGenerator(featurewise_center=True).fit(np.zeros((2, 4, 4, 5), "float32"))
    with pytest.warns(UserWarning, match="specifies `zca_whitening`, but it hasn't been fit"):
        ImageDataGenerator(zca_whitening=True, featurewise_center=True).standardize(X[0].copy())
    with pytest.warns(UserWarning, match="specifies `featurewise_center`, but it hasn't been fit"):
        ImageDataGenerator(featurewise_center=True).standardize(X[0].copy())
    with pytest.raises(ValueError, match="should have rank 4"):
        ImageDataGenerator().flow(X[0])
    with pytest.raises(ValueError, match=r"`x` \(images tensor\) and `y` \(labels\) should have the same length"):
        ImageDataGenerator().flow(X, Y[:3])
    with pytest.raises(ValueError, match="`x` \\(images tensor\\) and `sample_weight` should have the same"):
        ImageDataGenerator().flow(X, Y, sample_weight=Y[:3])
