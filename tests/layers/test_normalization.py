import numpy as np
import pytest

from kerasx import GradientTape, Sequential, constraints, initializers, layers, ops, optimizers, regularizers
from kerasx.autodiff.tensor import as_tensor

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(11)


def _x(*shape, loc=0.0, scale=1.0):
    return (loc + scale * RNG.standard_normal(shape)).astype("float32")


def _bcast(p, ndim, axes):
    """A (C,) or full-rank parameter in the input's rank, for the references below."""
    if p.ndim == ndim:
        return p
    shape = [1] * ndim
    for a, n in zip(axes, p.shape):
        shape[a] = n
    return p.reshape(shape)


def _np_batch_norm(axes, epsilon=1e-3, center=True, scale=True, training=True):
    """Batch statistics (training) or the moving ones, with loops-free direct formulas in float64."""
    def ref(x, weights):
        x = x.astype("float64")
        weights = list(weights)
        gamma = weights.pop(0) if scale else np.ones(1)
        beta = weights.pop(0) if center else np.zeros(1)
        moving_mean, moving_var = weights
        reduce = tuple(i for i in range(x.ndim) if i not in axes)
        if training:
            mean, var = x.mean(axis=reduce, keepdims=True), x.var(axis=reduce, keepdims=True)
        else:
            mean, var = _bcast(moving_mean, x.ndim, axes), _bcast(moving_var, x.ndim, axes)
        gamma = _bcast(gamma, x.ndim, axes) if scale else 1.0
        beta = _bcast(beta, x.ndim, axes) if center else 0.0
        return (x - mean) / np.sqrt(var + epsilon) * gamma + beta
    return ref


# ------------------------------------------------------------------ BatchNormalization
@pytest.mark.parametrize("kwargs, shape, axes", [
    ({}, (8, 3), (1,)),
    ({"axis": 1}, (4, 3, 5), (1,)),
    ({"axis": -1, "epsilon": 0.1, "gamma_initializer": "random_uniform", "beta_initializer": "ones"},
     (4, 3, 3, 2), (3,)),
    ({"axis": 1, "center": False}, (3, 4, 2, 2), (1,)),
    # beta starts at ones: at zero its gradient is the batch mean of x_hat, which is zero.
    ({"axis": [1, 2], "scale": False, "beta_initializer": "ones"}, (5, 2, 3, 2), (1, 2)),
])
def test_batch_norm_training_uses_batch_statistics(backend, kwargs, shape, axes):
    center, scale = kwargs.get("center", True), kwargs.get("scale", True)
    n_params = int(center) + int(scale)
    param_shape = (shape[axes[0]],) if len(axes) == 1 else \
        tuple(shape[i] if i in axes else 1 for i in range(len(shape)))
    expected = [(n, param_shape) for n, on in (("gamma", scale), ("beta", center)) if on] + \
        [("moving_mean", param_shape), ("moving_variance", param_shape)]
    layer, _ = layer_test(layers.BatchNormalization, kwargs, _x(*shape, loc=1.0, scale=2.0),
                          reference_fn=_np_batch_norm(axes, kwargs.get("epsilon", 1e-3), center, scale),
                          expected_weights=expected, call_kwargs={"training": True}, rtol=1e-4, atol=1e-4)
    assert len(layer.trainable_weights) == n_params and len(layer.non_trainable_weights) == 2


@pytest.mark.parametrize("kwargs, shape, axes", [
    ({"moving_mean_initializer": "random_normal", "moving_variance_initializer": "ones"}, (6, 4), (1,)),
    ({"axis": 1, "moving_mean_initializer": initializers.RandomNormal(seed=2),
      "moving_variance_initializer": initializers.RandomUniform(0.5, 2.0, seed=3)}, (2, 3, 4, 4), (1,)),
])
def test_batch_norm_inference_uses_moving_statistics(backend, kwargs, shape, axes):
    layer_test(layers.BatchNormalization, kwargs, _x(*shape),
               reference_fn=_np_batch_norm(axes, training=False), call_kwargs={"training": False},
               rtol=1e-4, atol=1e-5)


def test_batch_norm_default_call_is_inference(backend):
    layer = layers.BatchNormalization(moving_mean_initializer="ones")
    x = _x(4, 3)
    np.testing.assert_allclose(layer(x).numpy(), (x - 1) / np.sqrt(1 + 1e-3), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.ones(3))


def test_batch_norm_config_is_keras_format():
    layer = layers.BatchNormalization()
    config = layer.get_config()
    assert config == {
        "name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": -1, "momentum": 0.99,
        "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}
    layer(_x(2, 4, 4, 3))
    assert layer.get_config()["axis"] == [3]  # tf.keras resolves the axis list at build


def _moving_reference(x, axes, momentum, unbiased, steps=1, mean0=0.0, var0=1.0):
    reduce = tuple(i for i in range(x.ndim) if i not in axes)
    mean, var = x.astype("float64").mean(reduce), x.astype("float64").var(reduce, ddof=1 if unbiased else 0)
    mm, mv = np.full(mean.shape, mean0), np.full(var.shape, var0)
    for _ in range(steps):
        mm = mm * momentum + mean * (1 - momentum)
        mv = mv * momentum + var * (1 - momentum)
    return mm, mv


@pytest.mark.parametrize("shape, kwargs, axes, unbiased", [
    # tf.keras 2.x runs 4-D/5-D inputs with one channel axis (first or last) through fused_batch_norm,
    # whose moving variance takes the unbiased batch variance...
    ((4, 3, 3, 2), {}, (3,), True),
    ((4, 2, 3, 3), {"axis": 1}, (1,), True),
    ((3, 2, 2, 2, 2), {}, (4,), True),
    # ...while the non-fused path (other ranks, a middle axis, fused=False, float64) takes the biased one.
    ((6, 3), {}, (1,), False),
    ((4, 5, 3), {}, (2,), False),
    ((4, 3, 3, 2), {"axis": 2}, (2,), False),
    ((4, 3, 3, 2), {"fused": False}, (3,), False),
])
def test_batch_norm_moving_statistics_update(backend, shape, kwargs, axes, unbiased):
    layer = layers.BatchNormalization(momentum=0.9, **kwargs)
    x = _x(*shape, loc=2.0, scale=3.0)
    layer(x, training=True)
    layer(x, training=True)
    mm, mv = _moving_reference(x, axes, 0.9, unbiased, steps=2)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), mv, rtol=1e-4, atol=1e-5)
    assert layer.moving_mean.dtype == "float32"


def test_batch_norm_float64_takes_the_non_fused_biased_path(backend):
    layer = layers.BatchNormalization(momentum=0.5, dtype="float64")
    x = _x(4, 2, 2, 3).astype("float64")
    y = layer(x, training=True)
    assert y.dtype == "float64"
    _, mv = _moving_reference(x, (3,), 0.5, unbiased=False)
    np.testing.assert_allclose(layer.moving_variance.numpy(), mv, rtol=1e-10)


def test_batch_norm_fused_path_raises_small_epsilon(backend):
    # fused_batch_norm clamps epsilon to 1.001e-5; the non-fused path keeps it.
    x = _x(8, 1, 1, 2) * 1e-3
    fused = layers.BatchNormalization(epsilon=1e-8)(x, training=True).numpy()
    plain = layers.BatchNormalization(epsilon=1e-8, fused=False)(x, training=True).numpy()
    mean, var = x.astype("float64").mean(0), x.astype("float64").var(0)
    np.testing.assert_allclose(fused, (x - mean) / np.sqrt(var + 1.001e-5), rtol=1e-3)
    np.testing.assert_allclose(plain, (x - mean) / np.sqrt(var + 1e-8), rtol=1e-3)


def test_batch_norm_inference_and_frozen_layer_leave_statistics_alone(backend):
    layer = layers.BatchNormalization()
    x = _x(8, 3, loc=5.0)
    layer(x)
    layer(x, training=False)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    layer.trainable = False
    y = layer(x, training=True).numpy()  # a frozen BN layer runs in inference mode (tf.keras 2.x)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_norm_update_stays_off_the_tape(backend):
    layer = layers.BatchNormalization(momentum=0.5)
    x = as_tensor(_x(16, 4, loc=3.0))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = ops.sum(ops.multiply(y, as_tensor(np.arange(4, dtype="float32"))))
    assert tape.gradient(loss, layer.moving_mean) is None
    gx, ggamma, gbeta = tape.gradient(loss, [x, layer.gamma, layer.beta])
    # The normalized output is invariant to a shift of each column: its gradient sums to zero.
    np.testing.assert_allclose(gx.numpy().sum(0), np.zeros(4), atol=1e-4)
    np.testing.assert_allclose(gbeta.numpy(), 16 * np.arange(4), rtol=1e-6)
    x_hat = (x.numpy() - x.numpy().mean(0)) / np.sqrt(x.numpy().var(0) + 1e-3)
    np.testing.assert_allclose(ggamma.numpy(), (x_hat * np.arange(4)).sum(0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.numpy().mean(0), rtol=1e-5)


def test_batch_norm_frozen_layer_passes_gradients_to_its_input(backend):
    layer = layers.BatchNormalization(moving_variance_initializer=initializers.Constant(4.0), trainable=False)
    x = as_tensor(_x(3, 2))
    with GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(layer(x, training=True))
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), np.full((3, 2), 1 / np.sqrt(4.001)), rtol=1e-5)


def test_batch_norm_in_fit_updates_moving_statistics_and_predict_uses_them(backend):
    x = _x(64, 3, loc=4.0, scale=2.0)
    y = (x.sum(1, keepdims=True) > 12).astype("float32")
    model = Sequential([layers.BatchNormalization(momentum=0.5, input_shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(0.01), loss="mse")
    bn = model.layers[0]
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    # Eight updates at momentum 0.5 leave the moving statistics close to the batches' statistics.
    np.testing.assert_allclose(mm, x.mean(0), rtol=0.1)
    assert np.all(np.abs(mv - x.var(0)) < 0.5 * x.var(0))
    gamma, beta = bn.gamma.numpy(), bn.beta.numpy()
    kernel, bias = model.layers[1].get_weights()
    expected = ((x - mm) / np.sqrt(mv + 1e-3) * gamma + beta) @ kernel + bias
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)  # predict and evaluate leave them alone
    model.evaluate(x, y, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)


def test_batch_norm_frozen_inside_fit(backend):
    x = _x(32, 3, loc=4.0)
    model = Sequential([layers.BatchNormalization(input_shape=(3,)), layers.Dense(1)])
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((32, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].moving_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(model.layers[0].gamma.numpy(), np.ones(3))


def test_batch_norm_regularizers_and_constraints(backend):
    layer = layers.BatchNormalization(gamma_regularizer=regularizers.L2(0.1), beta_regularizer="l1",
                                      gamma_constraint=constraints.NonNeg(), beta_constraint="max_norm",
                                      beta_initializer="ones")
    layer(_x(4, 3))
    np.testing.assert_allclose([float(v) for v in layer.losses], [0.1 * 3, 0.01 * 3], rtol=1e-6)
    assert isinstance(layer.gamma.constraint, constraints.NonNeg)
    assert isinstance(layer.beta.constraint, constraints.MaxNorm)
    config = layer.get_config()
    assert config["gamma_regularizer"] == {"class_name": "L2", "config": {"l2": 0.1}}
    assert config["gamma_constraint"] == {"class_name": "NonNeg", "config": {}}


def test_batch_norm_set_weights_in_tf_keras_order(backend):
    layer = layers.BatchNormalization()
    x = _x(5, 2)
    layer(x)
    gamma, beta, mean, var = (np.array(v, "float32") for v in ([2, 3], [1, -1], [0.5, 1], [4, 9]))
    layer.set_weights([gamma, beta, mean, var])
    np.testing.assert_allclose(layer(x).numpy(), (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-5)


def test_batch_norm_wrong_channels_message(backend):
    layer = layers.BatchNormalization()
    layer(_x(2, 4))
    with pytest.raises(ValueError, match=r'Input 0 of layer "batch_normalization" \(BatchNormalization\) is '
                                         r"incompatible: expected axis 1 4, received input with shape \(2, 5\)"):
        layer(_x(2, 5))


def test_batch_norm_wrong_rank_message(backend):
    layer = layers.BatchNormalization()
    layer(_x(2, 4))
    with pytest.raises(ValueError, match=r'layer "batch_normalization" \(BatchNormalization\) is incompatible: '
                                         r"expected ndim=2, found ndim=3\. Full shape received: \(2, 3, 4\)"):
        layer(_x(2, 3, 4))


def test_batch_norm_axis_out_of_range_message(backend):
    layer = layers.BatchNormalization(axis=3)
    with pytest.raises(ValueError, match=r'Invalid value for `axis` argument of layer "batch_normalization" '
                                         r"\(BatchNormalization\)\. Expected 0 <= axis < inputs\.rank \(with "
                                         r"inputs\.rank=2\)\. Received: axis=\(3,\)"):
        layer(_x(2, 4))
    assert not layer.built and layer.axis == 3 and layer.weights == []


def test_batch_norm_duplicate_axis_and_bad_axis_type(backend):
    with pytest.raises(ValueError, match=r'Duplicate axis in layer "batch_normalization" '
                                         r"\(BatchNormalization\): \(1, -2\)"):
        layers.BatchNormalization(axis=[1, -2])(_x(2, 3, 4))
    with pytest.raises(TypeError, match="Expected an int or a list/tuple of ints for the argument 'axis', but "
                                        "received: 'channels'"):
        layers.BatchNormalization(axis="channels")


def test_batch_norm_undefined_axis_dimension_message():
    with pytest.raises(ValueError, match=r"has undefined `axis` dimension\. Received input with shape "
                                         r"\(None, None\) and axis=\(1,\)"):
        layers.BatchNormalization().build((None, None))


def test_batch_norm_fused_errors(backend):
    with pytest.raises(ValueError, match=r"Passing `fused=True` is only supported when axis is 1 or 3 .* Got "
                                         r"axis \(2,\)"):
        layers.BatchNormalization(axis=2, fused=True)
    with pytest.raises(ValueError, match=r'only support 4D or 5D input tensors \(layer "batch_normalization"\)\. '
                                         r"Received tensor with shape: \(2, 3\)"):
        layers.BatchNormalization(fused=True)(_x(2, 3))


def test_batch_norm_symbolic_and_functional(backend):
    inputs = layers.Input(shape=(4, 4, 2))
    outputs = layers.BatchNormalization(axis=-1)(inputs)
    assert tuple(outputs.shape) == (None, 4, 4, 2)


# ------------------------------------------------------------------ LayerNormalization
def _np_layer_norm(axes, epsilon=1e-3, center=True, scale=True):
    def ref(x, weights):
        x = x.astype("float64")
        weights = list(weights)
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)
        y = (x - mean) / np.sqrt(var + epsilon)
        if scale:
            y = y * _bcast(weights.pop(0), x.ndim, axes)
        if center:
            y = y + _bcast(weights.pop(0), x.ndim, axes)
        return y
    return ref


@pytest.mark.parametrize("kwargs, shape, axes", [
    ({}, (4, 6), (1,)),
    ({"gamma_initializer": "random_uniform", "beta_initializer": "random_normal"}, (2, 3, 5), (2,)),
    ({"axis": [1, 2], "epsilon": 0.1}, (2, 3, 4, 2), (1, 2)),
    ({"axis": 1, "center": False}, (3, 4, 2), (1,)),
    ({"axis": (-2, -1), "scale": False}, (3, 2, 4), (1, 2)),
])
def test_layer_norm_matches_numpy(backend, kwargs, shape, axes):
    center, scale = kwargs.get("center", True), kwargs.get("scale", True)
    param_shape = tuple(shape[a] for a in axes)
    expected = [(n, param_shape) for n, on in (("gamma", scale), ("beta", center)) if on]
    layer, _ = layer_test(layers.LayerNormalization, kwargs, _x(*shape, loc=1.0, scale=2.0),
                          reference_fn=_np_layer_norm(axes, kwargs.get("epsilon", 1e-3), center, scale),
                          expected_weights=expected, rtol=1e-4, atol=1e-4)
    assert layer.get_config()["axis"] == list(axes)


def test_layer_norm_same_in_training_and_inference(backend):
    layer = layers.LayerNormalization()
    x = _x(3, 5)
    np.testing.assert_array_equal(layer(x, training=True).numpy(), layer(x, training=False).numpy())


def test_layer_norm_config_is_keras_format():
    assert layers.LayerNormalization(axis=[1, 2]).get_config() == {
        "name": "layer_normalization", "trainable": True, "dtype": "float32", "axis": [1, 2],
        "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}


def test_layer_norm_wrong_last_dimension_message(backend):
    layer = layers.LayerNormalization()
    layer(_x(2, 4))
    with pytest.raises(ValueError, match=r'Input 0 of layer "layer_normalization" \(LayerNormalization\) is '
                                         r"incompatible: expected axis 1 4, received input with shape \(2, 6\)"):
        layer(_x(2, 6))


def test_layer_norm_axis_out_of_range_message(backend):
    with pytest.raises(ValueError, match=r'Invalid value for `axis` argument of layer "layer_normalization" '
                                         r"\(LayerNormalization\)\. Expected 0 <= axis < inputs\.rank \(with "
                                         r"inputs\.rank=3\)\. Received: axis=\(-4,\)"):
        layers.LayerNormalization(axis=-4)(_x(2, 3, 4))


# ------------------------------------------------------------------ BatchNormalization with a mask
def test_batch_norm_mask_takes_statistics_over_unmasked_positions(backend):
    x = _x(4, 6, 3, loc=2.0, scale=3.0)
    mask = RNG.random((4, 6)) > 0.4
    layer = layers.BatchNormalization(momentum=0.5, gamma_initializer=initializers.Constant(2.0),
                                      beta_initializer="ones")
    y = layer(x, training=True, mask=mask).numpy()
    picked = x[mask].astype("float64")  # (unmasked positions, channels)
    mean, var = picked.mean(0), picked.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3) * 2.0 + 1.0, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-5)
    np.testing.assert_allclose(layer(x, mask=mask).numpy(),  # inference ignores the mask
                               (x - 0.5 * mean) / np.sqrt(0.5 + 0.5 * var + 1e-3) * 2.0 + 1.0, rtol=1e-4)


def test_batch_norm_mask_gradient_matches_the_unmasked_rows(backend):
    # Normalizing the whole batch with the statistics of its unmasked rows, with a loss that ignores
    # the masked rows: on the others, the gradient must equal that of plain batch normalization of
    # those rows alone (the statistics' own gradients included).
    x = _x(5, 4, 2)
    mask = np.ones((5, 4), bool)
    mask[:, 3] = False
    xt, kept = as_tensor(x), as_tensor(np.ascontiguousarray(x[:, :3]))
    w = _x(5, 4, 2)
    w[:, 3] = 0.0
    w = as_tensor(w)
    layer = layers.BatchNormalization()
    with GradientTape() as tape:
        tape.watch(xt)
        loss = ops.sum(ops.multiply(layer(xt, training=True, mask=mask), w))
    g_masked = tape.gradient(loss, xt).numpy()
    with GradientTape() as tape:
        tape.watch(kept)
        loss = ops.sum(ops.multiply(layers.BatchNormalization()(kept, training=True), w[:, :3]))
    g_plain = tape.gradient(loss, kept).numpy()
    np.testing.assert_allclose(g_masked[:, :3], g_plain, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(g_masked[:, 3], 0.0, atol=1e-6)


def test_batch_norm_mask_travels_from_a_masking_layer(backend):
    x = _x(3, 5, 2, loc=1.0)
    x[:, 3:] = 0.0
    model = Sequential([layers.Masking(0.0, input_shape=(5, 2)), layers.BatchNormalization(momentum=0.0)])
    model(x, training=True)
    np.testing.assert_allclose(model.layers[1].moving_mean.numpy(), x[:, :3].mean((0, 1)), rtol=1e-5)


def test_batch_norm_mask_shape_message(backend):
    with pytest.raises(ValueError, match=r'Layer "batch_normalization" \(BatchNormalization\) expects a mask of '
                                         r"shape \(2, 3\) \(the input's shape without its last axis\), received "
                                         r"a mask of shape \(2, 4\)\."):
        layers.BatchNormalization()(_x(2, 3, 4), training=True, mask=np.ones((2, 4), bool))


def test_batch_norm_fused_path_ignores_the_mask_with_a_warning(backend):
    x = _x(2, 3, 3, 2)
    with pytest.warns(UserWarning, match="Masking is not supported with `fused=True`"):
        y = layers.BatchNormalization()(x, training=True, mask=np.zeros((2, 3, 3), bool)).numpy()
    np.testing.assert_allclose(y, _np_batch_norm((3,))(x, [np.ones(2), np.zeros(2), None, None]),
                               rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------ BatchNormalization(synchronized=True)
# Alone (one process, no distributed step), the global batch is this batch: the same normalization as
# without synchronization; tests/distribute/test_replica_steps.py trains it on 2 and 4 ranks.
@pytest.mark.parametrize("kwargs, shape, axes", [
    ({"synchronized": True}, (8, 3), (1,)),
    ({"synchronized": True, "axis": 1, "epsilon": 0.1}, (4, 3, 5), (1,)),
    ({"synchronized": True, "axis": [1, 2], "scale": False, "beta_initializer": "ones"}, (5, 2, 3, 2), (1, 2)),
])
def test_synchronized_batch_norm_alone_normalizes_with_the_batch_statistics(backend, kwargs, shape, axes):
    center, scale = kwargs.get("center", True), kwargs.get("scale", True)
    layer, _ = layer_test(layers.BatchNormalization, kwargs, _x(*shape, loc=1.0, scale=2.0),
                          reference_fn=_np_batch_norm(axes, kwargs.get("epsilon", 1e-3), center, scale),
                          call_kwargs={"training": True}, rtol=1e-4, atol=1e-4)
    assert layer.get_config()["synchronized"] is True


def test_synchronized_batch_norm_updates_moving_statistics_with_the_biased_variance(backend):
    x = _x(16, 3, loc=2.0)
    layer = layers.BatchNormalization(synchronized=True, momentum=0.0)
    layer(as_tensor(x), training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), x.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), x.var(axis=0), rtol=1e-4, atol=1e-5)
    assert "synchronized" not in layers.BatchNormalization().get_config()


def test_synchronized_batch_norm_argument_errors():
    with pytest.raises(ValueError, match="Passing `fused=True` is not supported when `synchronized=True`"):
        layers.BatchNormalization(synchronized=True, fused=True)
    with pytest.raises(ValueError, match="`synchronized=True` cannot be combined with `renorm`"):
        layers.BatchNormalization(synchronized=True, renorm=True)
