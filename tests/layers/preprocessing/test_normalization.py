"""The preprocessing Normalization layer: `adapt` on arrays, lists, Tensors and Datasets against NumPy's
mean and variance for several axes, given statistics, `invert`, its mean/variance/count weights
(names, dtypes, h5 files), config, training in a model, and the errors."""
import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.autodiff.tensor import as_tensor

RNG = np.random.default_rng(12)
EPSILON = 1e-7


def _data(*shape):
    return (3.0 + RNG.standard_normal(shape) * np.linspace(0.5, 4.0, shape[-1])).astype("float32")


@pytest.mark.parametrize("axis, shape", [(-1, (100, 3)), (None, (40, 5)), ((1, 2), (30, 2, 4)), (1, (30, 4, 2)),
                                         (-1, (50, 3, 2))])
def test_adapt_matches_numpy_statistics(backend, axis, shape):
    data = _data(*shape)
    layer = layers.Normalization(axis=axis)
    layer.adapt(data, batch_size=7)  # uneven batches: the merge must still give the whole data's statistics
    kept = () if axis is None else tuple(a % len(shape) for a in np.atleast_1d(axis))
    reduce = tuple(d for d in range(len(shape)) if d not in kept)
    mean = data.astype("float64").mean(reduce, keepdims=True)
    var = data.astype("float64").var(reduce, keepdims=True)
    np.testing.assert_allclose(layer.mean.numpy(), mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), var, rtol=1e-4, atol=1e-5)
    assert int(layer.count.numpy()) == int(np.prod([shape[d] for d in reduce]))
    x = _data(*((4,) + shape[1:]))
    np.testing.assert_allclose(layer(x).numpy(), (x - mean) / np.maximum(np.sqrt(var), EPSILON), rtol=1e-4,
                               atol=1e-4)
    assert layer.is_adapted


def test_adapt_on_datasets_lists_and_tensors(backend):
    data = _data(64, 3)
    mean, var = data.astype("float64").mean(0), data.astype("float64").var(0)
    for source in (keras.data.Dataset.from_tensor_slices(data).batch(10), data.tolist(), as_tensor(data)):
        layer = layers.Normalization()
        layer.adapt(source)
        np.testing.assert_allclose(layer.adapt_mean.numpy(), mean, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), var, rtol=1e-4, atol=1e-5)
    layer = layers.Normalization()
    layer.adapt(data[:32])
    layer.adapt(data[32:], steps=2, batch_size=8)  # adapt starts again, and `steps` stops it
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data[32:48].astype("float64").mean(0), rtol=1e-5)
    assert int(layer.count.numpy()) == 16


def test_given_statistics_and_invert(backend):
    x = _data(5, 3)
    layer = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25])
    want = (x - np.array([1.0, 2.0, 3.0])) / np.array([2.0, 1.0, 0.5])
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5)
    assert layer.weights == []
    inverse = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    np.testing.assert_allclose(inverse(layer(x)).numpy(), x, rtol=1e-5, atol=1e-5)
    scalar = layers.Normalization(axis=None, mean=2.0, variance=9.0)
    np.testing.assert_allclose(scalar(x).numpy(), (x - 2.0) / 3.0, rtol=1e-5)
    config = layer.get_config()
    assert (config["axis"], config["mean"], config["variance"], config["invert"]) == \
        ((-1,), [1.0, 2.0, 3.0], [4.0, 1.0, 0.25], False)
    again = layers.Normalization.from_config(config)
    np.testing.assert_allclose(again(x).numpy(), want, rtol=1e-5)
    # One value per channel on a non-last axis (EfficientNetV2 channels_first): tf.keras reshapes the
    # statistics to (1, 3, 1, 1), so they apply along axis 1.
    images = _data(2, 3, 4, 5).transpose(0, 3, 1, 2).copy()
    per_channel = layers.Normalization(axis=1, mean=[1.0, 2.0, 3.0, 4.0, 5.0], variance=[1.0, 4.0, 9.0, 16.0, 25.0])
    want = (images - np.arange(1.0, 6.0).reshape(1, 5, 1, 1)) / np.arange(1.0, 6.0).reshape(1, 5, 1, 1)
    np.testing.assert_allclose(per_channel(images).numpy(), want, rtol=1e-5, atol=1e-6)
    zero_variance = layers.Normalization(mean=0.0, variance=0.0)(np.ones((1, 2), "float32")).numpy()
    np.testing.assert_allclose(zero_variance, 1.0 / EPSILON, rtol=1e-5)  # max(sqrt(var), epsilon)


def test_weights_h5_and_a_model_that_trains(backend, tmp_path):
    data = _data(64, 4)
    norm = layers.Normalization()
    norm.adapt(data)
    assert [(w.name, w.shape, w.dtype, w.trainable) for w in norm.weights] == [
        ("normalization/mean:0", (4,), "float32", False), ("normalization/variance:0", (4,), "float32", False),
        ("normalization/count:0", (), "int64", False)]
    model = keras.Sequential([keras.Input((4,)), norm, layers.Dense(1)])
    model.compile("adam", "mse")
    y = data[:, :1] * 0.5
    history = model.fit(data, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_allclose(norm.adapt_mean.numpy(), data.astype("float64").mean(0), rtol=1e-5)  # not trained
    model.save(tmp_path / "norm.h5")
    with h5py.File(tmp_path / "norm.h5", "r") as f:
        group = f["model_weights/normalization"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        assert names == ["normalization/mean:0", "normalization/variance:0", "normalization/count:0"]
        assert group["normalization/count:0"][()] == 64
    loaded = keras.models.load_model(tmp_path / "norm.h5")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(loaded.layers[0].mean.numpy(), norm.mean.numpy())


def test_errors():
    with pytest.raises(ValueError, match=r"When setting values directly, both `mean` and `variance` must be set. "
                                         r"Got mean: 1.0 and variance: None"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"Normalization does not support passing a Variable for the `mean` init"):
        layers.Normalization(mean=keras.Variable(np.zeros(2, "float32")), variance=1.0)
    with pytest.raises(TypeError, match=r"`axis` of Normalization must be an int, a list/tuple of ints or None. "
                                        r"Received: axis='last'"):
        layers.Normalization(axis="last")
    with pytest.raises(ValueError, match=r"All `axis` values must be in the range \[-ndim, ndim\). Found ndim: `2`, "
                                         r"axis: \(2,\)"):
        layers.Normalization(axis=2).adapt(np.zeros((4, 3)))
    fixed = layers.Normalization(mean=0.0, variance=1.0)
    with pytest.raises(ValueError, match=r"Cannot `adapt` a Normalization layer that is initialized with static "
                                         r"`mean` and `variance`"):
        fixed.adapt(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"`batch_size` of adapt \(layer \"normalization(_\d+)?\" \(Normalization\)\) "
                                         r"must not be set when the data is a Dataset"):
        layers.Normalization().adapt(keras.data.Dataset.from_tensor_slices(np.zeros((4, 2))).batch(2), batch_size=2)
    with pytest.raises(ValueError, match=r"`steps` of adapt must be a positive integer or None. Received: steps=0"):
        layers.Normalization().adapt(np.zeros((4, 2)), steps=0)
    with pytest.raises(ValueError, match=r"adapt of layer \"normalization(_\d+)?\" \(Normalization\) received empty"):
        layers.Normalization().adapt(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"adapt of layer .* takes a kerasx.data.Dataset, a NumPy array, a list or a "
                                         r"Tensor. Received: dict"):
        layers.Normalization().adapt({"x": np.zeros((4, 2))})


def test_update_state_errors():
    layer = layers.Normalization()
    with pytest.raises(RuntimeError, match=r"`build` must be called before `update_state`."):
        layer.update_state(np.zeros((2, 3)))
    layer.adapt(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r'Layer "normalization(_\d+)?" \(Normalization\) was built for inputs of '
                                         r"rank 2, but adapt received a batch of shape \(2, 3, 1\)."):
        layer.update_state(np.zeros((2, 3, 1)))
