"""LocallyConnected1D/2D (kerasx.layers.local, Keras 2's `keras.layers.local`): values against a NumPy
loop, weight shapes as tf.keras's implementation=1/2/3, config round trip, gradients, errors."""
import itertools

import h5py
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.layers import local
from kerasx.layers import locally_connected_utils
from tests.saving import tf_keras_reference as ref

RNG = np.random.default_rng(4)


def numpy_local_1d(x, kernel, bias, k, s):
    out_len = kernel.shape[0]
    return np.stack([x[:, i * s:i * s + k].reshape(x.shape[0], -1) @ kernel[i] for i in range(out_len)], 1) + bias


def test_locally_connected_1d(backend):
    x = RNG.standard_normal((2, 7, 3)).astype("float32")
    layer = layers.LocallyConnected1D(4, 3, strides=2, bias_initializer="random_normal")
    out = layer(x).numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 9, 4) and bias.shape == (3, 4)
    np.testing.assert_allclose(out, numpy_local_1d(x, kernel, bias, 3, 2), rtol=1e-5, atol=1e-5)
    first = layers.LocallyConnected1D(4, 3, strides=2, data_format="channels_first",
                                      bias_initializer="random_normal")
    x_cf = np.moveaxis(x, -1, 1)
    y = first(x_cf).numpy()
    k2, b2 = first.get_weights()
    assert y.shape == (2, 4, 3) and b2.shape == (3, 4)
    # channels_first patches flatten in (channels, steps) order, as tf.keras's; K.bias_add reshapes the
    # (steps, filters) bias to (1, filters, steps), as tf.keras's.
    expected = np.stack([x_cf[:, :, i * 2:i * 2 + 3].reshape(2, -1) @ k2[i] for i in range(3)], 1)
    np.testing.assert_allclose(y, np.moveaxis(expected, -1, 1) + b2.reshape(1, 4, 3), rtol=1e-5, atol=1e-5)


def test_locally_connected_2d_values_config_and_training(backend):
    x = RNG.standard_normal((2, 4, 5, 2)).astype("float32")
    layer = layers.LocallyConnected2D(3, (2, 2), strides=(2, 1), activation="relu")
    out = layer(x).numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (2 * 4, 8, 3) and bias.shape == (2, 4, 3)
    expected = np.zeros((2, 2, 4, 3))
    for p, (i, j) in enumerate([(i, j) for i in range(2) for j in range(4)]):
        expected[:, i, j] = x[:, i * 2:i * 2 + 2, j:j + 2].reshape(2, -1) @ kernel[p]
    np.testing.assert_allclose(out, np.maximum(expected + bias, 0), rtol=1e-5, atol=1e-5)
    config = layer.get_config()
    assert config["implementation"] == 1 and config["kernel_size"] == (2, 2)
    clone = layers.LocallyConnected2D.from_config(config)
    assert clone.get_config() == config
    model = keras.Sequential([keras.Input((4, 5, 2)), layers.LocallyConnected2D(2, 3), layers.Flatten(),
                              layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()[0].copy()
    model.fit(x, np.ones((2, 1), "float32"), verbose=0)
    assert not np.allclose(model.get_weights()[0], before)
    assert local.LocallyConnected2D is layers.LocallyConnected2D


def test_locally_connected_gradients(backend):
    layer = layers.LocallyConnected1D(2, 2, dtype="float64")
    layer.build((1, 3, 2))
    assert keras.gradcheck(lambda a, k: local.local_conv(a, k, (2,), (1,), (2,), "channels_last"),
                           [RNG.standard_normal((1, 3, 2)), RNG.standard_normal((2, 4, 2))])


def test_locally_connected_errors():
    with pytest.raises(ValueError, match='Invalid border mode for LocallyConnected2D \\(only "valid" is supported '
                                         'if implementation is 1\\): same'):
        layers.LocallyConnected2D(2, 2, padding="same")
    with pytest.raises(ValueError, match="Unrecognized implementation mode: 4."):
        layers.LocallyConnected1D(2, 2, implementation=4)
    with pytest.raises(ValueError, match="Unrecognized implementation mode: True."):
        layers.LocallyConnected1D(2, 2, implementation=True)
    with pytest.raises(ValueError, match='Invalid border mode for LocallyConnected1D \\(only "valid" and "same" '
                                         'are supported\\): causal'):
        layers.LocallyConnected1D(2, 2, padding="causal", implementation=2)
    for implementation in (2, 3):
        layer = layers.LocallyConnected2D(2, 4, implementation=implementation)
        with pytest.raises(ValueError, match=r"the kernel_size \(4, 4\) does not fit the input shape "
                                             r"\(1, 3, 5, 2\)"):
            layer(np.zeros((1, 3, 5, 2), "float32"))
        assert layer.weights == []
    layer = layers.LocallyConnected1D(2, 5)
    with pytest.raises(ValueError, match=r"the kernel_size \(5,\) does not fit the input shape \(1, 3, 2\)"):
        layer(np.zeros((1, 3, 2), "float32"))
    assert layer.weights == []


# ------------------------------------------------------------------ implementation=2 and implementation=3
# tf.keras's conv_utils (conv_connected_inputs, conv_kernel_mask, conv_kernel_idxs), written with NumPy.
def np_connected(n, k, s, p, padding):
    left = k // 2
    center = p * s + (left if padding == "valid" else 0)
    return range(max(0, center - left), min(n, center + k - left))


def np_out_len(n, k, s, padding):
    return (n - k) // s + 1 if padding == "valid" else -(-n // s)


def np_kernel_mask(spatial, kernel, strides, padding):
    out = tuple(np_out_len(n, k, s, padding) for n, k, s in zip(spatial, kernel, strides))
    mask = np.zeros(spatial + out, bool)
    for o in itertools.product(*map(range, out)):
        for i in itertools.product(*[np_connected(n, k, s, p, padding)
                                     for n, k, s, p in zip(spatial, kernel, strides, o)]):
            mask[i + o] = True
    return mask, out


def np_kernel_idxs(spatial, kernel, strides, padding, cin, cout, channels_first):
    mask, out = np_kernel_mask(spatial, kernel, strides, padding)
    cat = (lambda sp, c: (c,) + sp) if channels_first else (lambda sp, c: sp + (c,))
    idxs = []
    for o in itertools.product(*map(range, out)):
        for i in itertools.product(*[np_connected(n, k, s, p, padding)
                                     for n, k, s, p in zip(spatial, kernel, strides, o)]):
            for fi in range(cin):
                for fo in range(cout):
                    idxs.append((np.ravel_multi_index(cat(o, fo), cat(out, cout)),
                                 np.ravel_multi_index(cat(i, fi), cat(spatial, cin))))
    return sorted(idxs)


def np_bias_add(y, bias, channels_first):
    shape = bias.shape
    return y + (bias.reshape((1, shape[-1]) + shape[:-1]) if channels_first else bias[None])


def np_implementation_2(x, kernel, spatial, ks, strides, padding, channels_first):
    mask, out = np_kernel_mask(spatial, ks, strides, padding)
    r = len(spatial)
    mask = np.expand_dims(np.expand_dims(mask, 0), -r - 1) if channels_first else \
        np.expand_dims(np.expand_dims(mask, r), -1)
    dense = (kernel * mask).reshape(int(np.prod(kernel.shape[:kernel.ndim // 2])), -1)
    return x.reshape(len(x), -1) @ dense


def np_implementation_3(x, values, spatial, ks, strides, padding, cin, cout, channels_first):
    idxs = np_kernel_idxs(spatial, ks, strides, padding, cin, cout, channels_first)
    out = tuple(np_out_len(n, k, s, padding) for n, k, s in zip(spatial, ks, strides))
    sparse = np.zeros((int(np.prod(out)) * cout, int(np.prod(spatial)) * cin))
    for v, (o, i) in zip(values, idxs):
        sparse[o, i] = v
    return (sparse @ x.reshape(len(x), -1).T).T


CASES = [  # (layer class, input spatial, channels, kernel_size, strides)
    (layers.LocallyConnected1D, (7,), 3, (3,), (2,)),
    (layers.LocallyConnected2D, (5, 6), 2, (2, 3), (2, 1)),
]


@pytest.mark.parametrize("case", CASES, ids=["1d", "2d"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("implementation", [2, 3])
def test_implementations_2_and_3_against_numpy(backend, case, data_format, padding, implementation):
    cls, spatial, cin, ks, strides = case
    cf = data_format == "channels_first"
    shape = (2,) + ((cin,) + spatial if cf else spatial + (cin,))
    x = RNG.standard_normal(shape).astype("float32")
    layer = cls(4, ks, strides=strides, padding=padding, data_format=data_format, implementation=implementation,
                bias_initializer="random_normal", activation="tanh")
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    out = tuple(np_out_len(n, k, s, padding) for n, k, s in zip(spatial, ks, strides))
    assert bias.shape == out + (4,)
    if implementation == 2:
        assert kernel.shape == ((cin,) + spatial + (4,) + out if cf else spatial + (cin,) + out + (4,))
        assert layer.kernel_shape == kernel.shape
        flat = np_implementation_2(x, kernel, spatial, ks, strides, padding, cf)
    else:
        idxs = np_kernel_idxs(spatial, ks, strides, padding, cin, 4, cf)
        assert kernel.shape == (len(idxs),) and layer.kernel_idxs == idxs
        assert layer.kernel_shape == (int(np.prod(out)) * 4, int(np.prod(spatial)) * cin)
        flat = np_implementation_3(x, kernel, spatial, ks, strides, padding, cin, 4, cf)
    expected = np.tanh(np_bias_add(flat.reshape((2,) + ((4,) + out if cf else out + (4,))), bias, cf))
    assert y.shape == layer.compute_output_shape(shape) == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def _implementation_1_as_dense(k1, spatial, ks, strides, cin, channels_first):
    """Implementation 1's kernel (positions, patch, filters) as implementation 2's dense kernel."""
    out = tuple(np_out_len(n, k, s, "valid") for n, k, s in zip(spatial, ks, strides))
    filters = k1.shape[-1]
    dense = np.zeros(((cin,) + spatial + (filters,) + out) if channels_first else (spatial + (cin,) + out + (filters,)))
    for p, o in enumerate(itertools.product(*map(range, out))):
        patch_shape = (cin,) + ks if channels_first else ks + (cin,)
        for f, offset in enumerate(itertools.product(*map(range, patch_shape))):
            if channels_first:
                c, window = offset[0], offset[1:]
            else:
                c, window = offset[-1], offset[:-1]
            i = tuple(oi * s + w for oi, s, w in zip(o, strides, window))
            key = (c,) + i + (slice(None),) + o if channels_first else i + (c,) + o + (slice(None),)
            dense[key] = k1[p, f]
    return dense


@pytest.mark.parametrize("case", CASES, ids=["1d", "2d"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_the_three_implementations_agree_on_equal_weights(backend, case, data_format):
    cls, spatial, cin, ks, strides = case
    cf = data_format == "channels_first"
    x = RNG.standard_normal((3,) + ((cin,) + spatial if cf else spatial + (cin,))).astype("float32")
    one = cls(4, ks, strides=strides, data_format=data_format, bias_initializer="random_normal")
    y1 = one(x).numpy()
    k1, bias = one.get_weights()
    dense = _implementation_1_as_dense(k1, spatial, ks, strides, cin, cf)
    two = cls(4, ks, strides=strides, data_format=data_format, implementation=2)
    two.build(x.shape)
    two.set_weights([dense.astype("float32"), bias])
    three = cls(4, ks, strides=strides, data_format=data_format, implementation=3)
    three.build(x.shape)
    flat = dense.reshape(int(np.prod(dense.shape[:dense.ndim // 2])), -1)
    three.set_weights([np.array([flat[i, o] for o, i in three.kernel_idxs], "float32"), bias])
    np.testing.assert_allclose(two(x).numpy(), y1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(three(x).numpy(), y1, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("implementation", [2, 3])
def test_implementations_2_and_3_config_training_and_gradients(backend, implementation):
    x = RNG.standard_normal((4, 4, 5, 2)).astype("float32")
    layer = layers.LocallyConnected2D(3, (2, 2), padding="same", implementation=implementation)
    config = layer.get_config()
    assert config["implementation"] == implementation and config["padding"] == "same"
    assert layers.LocallyConnected2D.from_config(config).get_config() == config
    model = keras.Sequential([keras.Input((4, 5, 2)), layer, layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    before = layer.get_weights()[0].copy()
    history = model.fit(x, np.ones((4, 1), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    after = layer.get_weights()[0]
    assert not np.allclose(after, before)
    if implementation == 2:
        # The gradient reaches only connected entries, as tf.keras's masked kernel's: the others stay put.
        mask, _ = np_kernel_mask((4, 5), (2, 2), (1, 1), "same")
        mask = np.expand_dims(np.expand_dims(mask, 2), -1) & np.ones(after.shape, bool)
        np.testing.assert_array_equal(after[~mask], before[~mask])
    fn = (locally_connected_utils.local_conv_sparse_matmul if implementation == 3 else
          locally_connected_utils.local_conv_matmul)
    small = layers.LocallyConnected1D(2, 2, padding="same", implementation=implementation, dtype="float64")
    small.build((1, 3, 2))
    extra = small._gather_tables if implementation == 3 else (small.kernel_mask,)
    assert keras.gradcheck(lambda a, k: fn(a, k, *extra, (3, 2)),
                           [RNG.standard_normal((1, 3, 2)), RNG.standard_normal(small.kernel.shape)])


@pytest.mark.parametrize("implementation", [1, 2, 3])
def test_weights_written_by_tf_keras_load(backend, tmp_path, implementation):
    """A weights file laid out as tf.keras writes it for each implementation (shapes from tf.keras's
    build) loads, and the layer computes tf.keras's function of those weights."""
    spatial, cin, ks = (4, 5), 2, (3, 2)
    padding = "valid" if implementation == 1 else "same"
    out = tuple(np_out_len(n, k, 1, padding) for n, k in zip(spatial, ks))
    if implementation == 1:
        kernel_shape = (int(np.prod(out)), int(np.prod(ks)) * cin, 3)
    elif implementation == 2:
        kernel_shape = spatial + (cin,) + out + (3,)
    else:
        kernel_shape = (len(np_kernel_idxs(spatial, ks, (1, 1), padding, cin, 3, False)),)
    kernel = RNG.standard_normal(kernel_shape).astype("float32")
    bias = RNG.standard_normal(out + (3,)).astype("float32")
    with h5py.File(tmp_path / "tf.h5", "w") as f:
        ref.write_weights_like_tf_keras(f, [("locally_connected2d", [("locally_connected2d/kernel:0", kernel),
                                                                     ("locally_connected2d/bias:0", bias)])])
    model = keras.Sequential([keras.Input(spatial + (cin,)),
                              layers.LocallyConnected2D(3, ks, padding=padding, implementation=implementation)])
    model.load_weights(tmp_path / "tf.h5")
    got_kernel, got_bias = model.get_weights()
    np.testing.assert_array_equal(got_kernel, kernel)
    np.testing.assert_array_equal(got_bias, bias)
    x = RNG.standard_normal((2,) + spatial + (cin,)).astype("float32")
    if implementation == 3:
        flat = np_implementation_3(x, kernel, spatial, ks, (1, 1), padding, cin, 3, False)
    elif implementation == 2:
        flat = np_implementation_2(x, kernel, spatial, ks, (1, 1), padding, False)
    else:
        flat = np_implementation_2(x, _implementation_1_as_dense(kernel, spatial, ks, (1, 1), cin, False),
                                   spatial, ks, (1, 1), padding, False)
    np.testing.assert_allclose(model.predict(x, verbose=0), flat.reshape((2,) + out + (3,)) + bias,
                               rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "kx.h5")
    loaded = keras.models.load_model(tmp_path / "kx.h5")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
