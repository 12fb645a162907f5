"""BatchNormalization's `renorm`, `virtual_batch_size` and `adjustment` against direct NumPy formulas of
tf.keras 2.x's non-fused path: outputs, moving statistics, weights (names, shapes, order), gradients,
config, training in a model, and the errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers

RNG = np.random.default_rng(3)
EPS = 1e-3
X = (1.5 + 2.0 * RNG.standard_normal((8, 3))).astype("float32")
W = RNG.standard_normal((8, 3)).astype("float32")  # weights of the scalar loss sum(y * W)


def _moments(x, reduce):
    x = x.astype("float64")
    return x.mean(axis=reduce, keepdims=True), x.var(axis=reduce, keepdims=True)


# ---------------------------------------------------------------- renorm
CLIP = {"rmax": 1.5, "rmin": 0.8, "dmax": 0.5}


def _renorm_layer():
    layer = layers.BatchNormalization(renorm=True, renorm_clipping=CLIP, momentum=0.9, renorm_momentum=0.7,
                                      epsilon=EPS)
    layer.build((None, 3))
    gamma, beta = np.array([1.0, 2.0, -0.5], "float32"), np.array([0.1, -0.2, 0.3], "float32")
    # Renorm averages far from this batch's statistics: r and d hit their clips on some channels.
    renorm_mean, renorm_stddev = np.array([1.0, 1.6, 3.0], "float32"), np.array([1.0, 2.0, 4.0], "float32")
    moving = [np.zeros(3, "float32"), np.ones(3, "float32"), np.ones(3, "float32")]
    layer.set_weights([gamma, beta] + moving + [renorm_mean, renorm_stddev])
    return layer


def _renorm_reference(layer_weights, x):
    gamma, beta, mm, mv, ms, rm, rs = (w.astype("float64") for w in layer_weights)
    mean, var = _moments(x, (0,))
    mean, var = mean[0], var[0]
    stddev = np.sqrt(var + EPS)
    safe = np.maximum(rs, np.sqrt(EPS))
    r = np.clip(stddev / safe, CLIP["rmin"], CLIP["rmax"])
    d = np.clip((mean - rm) / safe, -CLIP["dmax"], CLIP["dmax"])
    x_hat = (x - mean) / stddev
    y = x_hat * (r * gamma) + (d * gamma + beta)
    ms_new = ms - (ms - stddev) * 0.1
    updated = [mm - (mm - mean) * 0.1, np.maximum(ms_new ** 2 - EPS, 0), ms_new,
               rm - (rm - mean) * 0.3, rs - (rs - stddev) * 0.3]
    return y, updated, r, d, x_hat


def test_renorm_weights_in_tf_keras_order():
    layer = _renorm_layer()
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("batch_normalization/gamma:0", (3,)), ("batch_normalization/beta:0", (3,)),
        ("batch_normalization/moving_mean:0", (3,)), ("batch_normalization/moving_variance:0", (3,)),
        ("batch_normalization/moving_stddev:0", (3,)), ("batch_normalization/renorm_mean:0", (3,)),
        ("batch_normalization/renorm_stddev:0", (3,))]
    fresh = layers.BatchNormalization(renorm=True, moving_variance_initializer=keras.initializers.Constant(4.0))
    fresh.build((None, 2))
    # The standard deviations start at the square root of the variance initializer, as in tf.keras.
    np.testing.assert_allclose(fresh.moving_stddev.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(fresh.renorm_stddev.numpy(), [2.0, 2.0])


def test_renorm_training_output_and_updates(backend):
    layer = _renorm_layer()
    y_want, updated, r, d, _ = _renorm_reference(layer.get_weights(), X)
    assert (r == CLIP["rmax"]).any() and (np.abs(d) == CLIP["dmax"]).any()  # the clips matter here
    np.testing.assert_allclose(layer(X, training=True).numpy(), y_want, rtol=1e-5, atol=1e-5)
    got = [w.numpy() for w in (layer.moving_mean, layer.moving_variance, layer.moving_stddev,
                                 layer.renorm_mean, layer.renorm_stddev)]
    for g, want in zip(got, updated):
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)
    # Inference: the moving statistics, no correction.
    mm, mv = updated[0], updated[1]
    gamma, beta = layer.get_weights()[:2]
    np.testing.assert_allclose(layer(X, training=False).numpy(), (X - mm) / np.sqrt(mv + EPS) * gamma + beta,
                               rtol=1e-5, atol=1e-5)


def test_renorm_corrections_are_constants_for_the_gradient(backend):
    layer = _renorm_layer()
    _, _, r, d, x_hat = _renorm_reference(layer.get_weights(), X)
    x = keras.Variable(X)
    with GradientTape() as tape:
        loss = keras.ops.sum(keras.ops.multiply(layer(x, training=True), W))
    gx, ggamma, gbeta = tape.gradient(loss, [x, layer.gamma, layer.beta])
    np.testing.assert_allclose(ggamma.numpy(), ((x_hat * r + d) * W).sum(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gbeta.numpy(), W.sum(0), rtol=1e-5)
    # dx is plain batch norm's with gamma' = r * gamma: the corrections carry no gradient of their own.
    gamma = layer.get_weights()[0].astype("float64")
    g_hat = W * r * gamma
    want = (g_hat - g_hat.mean(0) - x_hat * (g_hat * x_hat).mean(0)) / np.sqrt(X.var(0, dtype="float64") + EPS)
    np.testing.assert_allclose(gx.numpy(), want, rtol=1e-4, atol=1e-5)


def test_renorm_config_round_trip():
    layer = layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 3.0}, renorm_momentum=0.9)
    config = layer.get_config()
    assert (config["renorm"], config["renorm_clipping"], config["renorm_momentum"]) == (True, {"rmax": 3.0}, 0.9)
    assert "virtual_batch_size" not in config
    again = layers.BatchNormalization.from_config(config)
    assert (again.renorm, again.renorm_clipping, again.renorm_momentum) == (True, {"rmax": 3.0}, 0.9)
    plain = layers.BatchNormalization().get_config()
    assert not {"renorm", "renorm_clipping", "renorm_momentum", "virtual_batch_size"} & set(plain)


# ---------------------------------------------------------------- virtual batches
def test_ghost_batches_normalize_interleaved_rows_and_average_their_statistics(backend):
    layer = layers.BatchNormalization(virtual_batch_size=4, momentum=0.5, epsilon=EPS)
    y = layer(X, training=True).numpy()
    assert [w.shape for w in layer.weights] == [(1, 1, 3)] * 4  # tf.keras's ghost-axis weight shape
    want = np.empty_like(X, dtype="float64")
    means, variances = [], []
    for j in range(2):  # (4, 2, 3): ghost batch j is rows j, j + 2, j + 4, j + 6
        rows = X[j::2].astype("float64")
        mean, var = rows.mean(0), rows.var(0)
        want[j::2] = (rows - mean) / np.sqrt(var + EPS)
        means.append(mean)
        variances.append(var)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy()[0, 0], 0.5 * np.mean(means, 0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy()[0, 0], 0.5 + 0.5 * np.mean(variances, 0), rtol=1e-5)
    mm, mv = layer.moving_mean.numpy()[0, 0], layer.moving_variance.numpy()[0, 0]
    np.testing.assert_allclose(layer(X, training=False).numpy(), (X - mm) / np.sqrt(mv + EPS), rtol=1e-5,
                               atol=1e-5)


def test_ghost_batches_on_images_with_renorm(backend):
    x = RNG.standard_normal((4, 2, 2, 3)).astype("float32")
    layer = layers.BatchNormalization(virtual_batch_size=2, renorm=True, epsilon=EPS)
    y = layer(x, training=True).numpy()
    assert [w.shape for w in layer.weights] == [(1, 1, 1, 1, 3)] * 7
    want = np.empty_like(x, dtype="float64")
    for j in range(2):  # fresh renorm averages (mean 0, stddev 1): r = stddev and d = mean, unclipped
        ghost = x[j::2].astype("float64")
        mean, var = ghost.mean((0, 1, 2)), ghost.var((0, 1, 2))
        want[j::2] = (ghost - mean) / np.sqrt(var + EPS)
    all_mean = np.mean([x[j::2].mean((0, 1, 2)) for j in range(2)], 0)
    all_std = np.sqrt(np.mean([x[j::2].var((0, 1, 2)) for j in range(2)], 0) + EPS)
    np.testing.assert_allclose(y, want * all_std + all_mean, rtol=1e-4, atol=1e-5)


def test_ghost_batch_errors(backend):
    layer = layers.BatchNormalization(virtual_batch_size=3, name="ghost")
    with pytest.raises(ValueError, match=r'Layer "ghost" \(BatchNormalization\): `virtual_batch_size`=3 must '
                                         r"divide the batch size, but it received a batch of 8"):
        layer(X, training=True)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), 0.0)  # nothing updated
    with pytest.raises(ValueError, match=r'Layer "ghost" \(BatchNormalization\) does not support masks together '
                                         r"with `virtual_batch_size`"):
        layer(X[:6], training=True, mask=np.ones(6, bool))
    with pytest.raises(ValueError, match=r"When using `virtual_batch_size`, the batch dimension must be 0 and "
                                         r"thus axis cannot include 0"):
        layers.BatchNormalization(axis=0, virtual_batch_size=2)(X, training=True)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=r"`virtual_batch_size` must be a positive integer that divides the "
                                             r"true batch size of the input tensor. Received: virtual_batch_size="):
            layers.BatchNormalization(virtual_batch_size=bad)
    with pytest.raises(ValueError, match=r"When using `virtual_batch_size`, adjustment cannot be specified"):
        layers.BatchNormalization(virtual_batch_size=2, adjustment=lambda shape: (1.0, 0.0))


# ---------------------------------------------------------------- adjustment
def _adjustment(shape):
    assert shape == (8, 3)  # the input's shape, as tf.keras passes tf.shape(inputs)
    return np.array([2.0, 1.0, 0.5], "float32"), np.array([0.5, 0.0, -1.0], "float32")


def test_adjustment_scales_and_shifts_in_training_only(backend):
    layer = layers.BatchNormalization(adjustment=_adjustment, epsilon=EPS,
                                      gamma_initializer=keras.initializers.Constant(3.0),
                                      beta_initializer=keras.initializers.Constant(0.25))
    mean, var = _moments(X, (0,))
    a, b = _adjustment((8, 3))
    want = (X - mean) / np.sqrt(var + EPS) * (a * 3.0) + (b * 3.0 + 0.25)
    np.testing.assert_allclose(layer(X, training=True).numpy(), want, rtol=1e-5, atol=1e-5)
    mm, mv = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    np.testing.assert_allclose(layer(X, training=False).numpy(), (X - mm) / np.sqrt(mv + EPS) * 3.0 + 0.25,
                               rtol=1e-5, atol=1e-5)
    with pytest.warns(UserWarning, match=r"The `adjustment` function of BatchNormalization layer "
                                         r'"batch_normalization(_\d+)?" cannot be serialized'):
        config = layer.get_config()
    assert "adjustment" not in config


# ---------------------------------------------------------------- fused and clipping errors, training
@pytest.mark.parametrize("kwargs, message", [
    ({"renorm": True}, r"Passing both `fused=True` and `renorm=True` is not supported"),
    ({"virtual_batch_size": 2}, r"Passing `fused=True` is not supported when `virtual_batch_size` is specified."),
    ({"adjustment": _adjustment}, r"Passing `fused=True` is not supported when `adjustment` is specified."),
])
def test_fused_true_refuses_the_variants(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.BatchNormalization(fused=True, **kwargs)


def test_renorm_clipping_keys():
    with pytest.raises(ValueError, match=r"Received invalid keys for `renorm_clipping` argument: "
                                         r"\{'rmax': 2.0, 'max': 1.0\}. Supported values: \['rmax', 'rmin', 'dmax'\]"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0, "max": 1.0})


@pytest.mark.parametrize("kwargs", [{"renorm": True}, {"virtual_batch_size": 4}])
def test_variants_train_in_a_model(backend, kwargs):
    keras.utils.set_random_seed(1)
    x = RNG.standard_normal((64, 4)).astype("float32")
    y = (x[:, :1] - 0.5 * x[:, 1:2] > 0).astype("float32")
    model = keras.Sequential([layers.Dense(8, input_shape=(4,)), layers.BatchNormalization(**kwargs),
                              layers.Activation("relu"), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0, shuffle=False)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]


def test_renorm_weights_survive_h5(backend, tmp_path):
    model = keras.Sequential([layers.BatchNormalization(renorm=True, virtual_batch_size=2, input_shape=(3,))])
    model(X, training=True)
    path = str(tmp_path / "renorm.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [w.name for w in loaded.weights] == [w.name for w in model.weights]
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert (loaded.layers[0].renorm, loaded.layers[0].virtual_batch_size) == (True, 2)


def test_renorm_first_step_undoes_the_normalization_with_or_without_a_mask(backend):
    # Fresh renorm averages (mean 0, stddev 1), no clipping: r = sigma_B and d = mu_B, so the first
    # training step gives back x, whichever rows the statistics came from.
    x = (3.0 + 2.0 * RNG.standard_normal((2, 4, 3))).astype("float32")
    mask = np.array([[True, True, False, True], [True, False, False, True]])
    for kwargs in ({}, {"mask": mask}):
        layer = layers.BatchNormalization(renorm=True)
        np.testing.assert_allclose(layer(x, training=True, **kwargs).numpy(), x, rtol=1e-4, atol=1e-4)
    kept = x[mask].astype("float64")
    np.testing.assert_allclose(layer.renorm_mean.numpy(), 0.01 * kept.mean(0), rtol=1e-4)
