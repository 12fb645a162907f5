import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.engine.base_layer import Layer
from kerasx.utils import set_random_seed

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(5)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


class FoldedMaskRecorder(Layer):
    """An inner layer that takes a mask, to see what TimeDistributed hands it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = None

    def call(self, inputs, mask=None):
        self.seen = None if mask is None else mask.numpy()
        return inputs


def _np_time_dense(activation=None):
    def ref(x, weights):
        # One dense per timestep, written as a loop so it does not fold time like the layer does.
        kernel, bias = weights
        out = np.stack([x[:, t] @ kernel + bias for t in range(x.shape[1])], axis=1)
        return activation(out) if activation else out
    return ref


@pytest.mark.parametrize("inner, shape, act", [
    (lambda: layers.Dense(3), (2, 5, 4), None),
    (lambda: layers.Dense(2, activation="relu"), (3, 2, 3, 4), lambda y: np.maximum(y, 0)),
    (lambda: layers.Dense(4, activation="tanh", bias_initializer="ones"), (1, 3, 2), np.tanh),
])
def test_time_distributed_dense_matches_numpy(backend, inner, shape, act):
    dense = inner()
    layer, _ = layer_test(layers.TimeDistributed, {"layer": dense}, _x(*shape),
                          reference_fn=_np_time_dense(act),
                          expected_weights=[("kernel", (shape[-1], dense.units)), ("bias", (dense.units,))])
    # The weights are the inner layer's, shared by every timestep, named in the wrapper's scope as tf.
    assert layer.weights[0] is layer.layer.kernel
    assert layer.weights[0].name == "time_distributed/kernel:0"


def test_time_distributed_flatten_has_no_weights(backend):
    layer_test(layers.TimeDistributed, {"layer": layers.Flatten()}, _x(2, 3, 4, 5),
               reference_fn=lambda x, w: x.reshape(2, 3, 20), expected_weights=[])


def test_time_distributed_of_a_sequential(backend):
    inner = keras.Sequential([layers.Dense(3, activation="relu", input_shape=(4,)), layers.Dense(2)])
    x = _x(2, 3, 4)
    y = layers.TimeDistributed(inner)(x).numpy()
    k1, b1, k2, b2 = inner.get_weights()
    ref = np.stack([np.maximum(x[:, t] @ k1 + b1, 0) @ k2 + b2 for t in range(3)], axis=1)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


def test_time_distributed_config_nests_the_layer():
    layer = layers.TimeDistributed(layers.Dense(3, name="d"))
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "layer"]
    assert config["name"] == "time_distributed"
    assert config["layer"] == {"class_name": "Dense", "config": layers.Dense(3, name="d").get_config()}
    rebuilt = layers.deserialize(layers.serialize(layer))
    assert isinstance(rebuilt.layer, layers.Dense) and rebuilt.layer.units == 3


def test_time_distributed_passes_training_to_the_inner_layer(backend):
    layer = layers.TimeDistributed(layers.Dropout(0.5))
    x = np.ones((4, 5, 6), dtype="float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    dropped = layer(x, training=True).numpy()
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 0 < np.mean(dropped == 0) < 1


def test_time_distributed_shapes(backend):
    layer = layers.TimeDistributed(layers.Dense(3))
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 3)
    assert layer.compute_output_shape((2, 7, 5, 4)) == (2, 7, 5, 3)
    assert layers.TimeDistributed(layers.Dense(3))(layers.Input(shape=(None, 4))).shape == (None, None, 3)
    assert layers.TimeDistributed(layers.Dense(3))(layers.Input(shape=(6, 4))).shape == (None, 6, 3)


def test_time_distributed_masks(backend):
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    emb = layers.Embedding(4, 2, mask_zero=True)(ids)
    out = layers.TimeDistributed(layers.Dense(3))(emb)
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)
    # The inner layer gets the mask folded like its inputs.
    recorder = FoldedMaskRecorder()
    layers.TimeDistributed(recorder)(emb)
    np.testing.assert_array_equal(recorder.seen, (ids != 0).reshape(6))
    # An inner layer that makes a mask (Masking) gives it per timestep.
    x = _x(2, 3, 4, 2)
    x[0, 1, 2] = 0.0
    masked = layers.TimeDistributed(layers.Masking())(x)
    np.testing.assert_array_equal(masked._keras_mask.numpy(), np.any(x != 0, axis=-1))


def test_time_distributed_mask_in_a_functional_model_reaches_the_loss(backend):
    set_random_seed(0)
    inp = layers.Input(shape=(3,), dtype="int32")
    out = layers.TimeDistributed(layers.Dense(1))(layers.Embedding(5, 2, mask_zero=True)(inp))
    model = keras.Model(inp, out)
    assert out._keras_mask.shape == (None, 3)
    model.compile(optimizer="sgd", loss="mse")
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    y = np.zeros((2, 3, 1), dtype="float32")
    y_far = y.copy()
    y_far[ids == 0] = 50.0  # only masked targets differ
    np.testing.assert_allclose(model.evaluate(ids, y, verbose=0), model.evaluate(ids, y_far, verbose=0),
                               rtol=1e-6)


def test_time_distributed_inner_without_masking_refuses_a_mask(backend):
    # As tf.keras 2.x with its own layers: TimeDistributed asks the inner layer for the output mask, and
    # one without masking support (Flatten) refuses the mask it is passed.
    x = layers.Masking()(_x(2, 3, 4, 2))
    with pytest.raises(TypeError, match="Layer flat does not support masking, but was passed an input_mask"):
        layers.TimeDistributed(layers.Flatten(name="flat"))(x)


def test_time_distributed_errors(backend):
    with pytest.raises(ValueError, match="Please initialize `TimeDistributed` layer with a "
                                         "`kerasx.layers.Layer` instance. You passed: 3"):
        layers.TimeDistributed(3)
    with pytest.raises(ValueError, match=r"`TimeDistributed` Layer should be passed an `input_shape` with at "
                                         r'least 3 dimensions, received: \(2, 3\) \(layer "td2"\)'):
        layers.TimeDistributed(layers.Dense(2), name="td2")(_x(2, 3))
    layer = layers.TimeDistributed(layers.Dense(2), name="td3")
    layer(_x(2, 3, 4))
    with pytest.raises(ValueError, match=r'Input 0 of layer "td3" \(TimeDistributed\) is '
                                         r"incompatible: expected shape=\(None, None, 4\), found "
                                         r"shape=\(2, 3, 5\)"):
        layer(_x(2, 3, 5))
    with pytest.raises(ValueError, match=r'Layer "td4" \(TimeDistributed\) needs every input to share its '
                                         r"batch and time dimensions, received inputs of shapes "
                                         r"\[\(2, 3, 4\), \(2, 5, 4\)\]"):
        layers.TimeDistributed(layers.Add(), name="td4")([_x(2, 3, 4), _x(2, 5, 4)])
    with pytest.raises(ValueError, match=r"`TimeDistributed` Layer should be passed an `input_shape` with at "
                                         r'least 3 dimensions, received: \[\(2, 3, 4\), \(2, 4\)\] \(layer "td5"\)'):
        layers.TimeDistributed(layers.Add(), name="td5")([_x(2, 3, 4), _x(2, 4)])


class _TwoOutputs(layers.Layer):
    def call(self, inputs):
        return [inputs * 2.0, inputs[..., :1] + 1.0]

    def compute_output_shape(self, input_shape):
        return [tuple(input_shape), tuple(input_shape[:-1]) + (1,)]


def test_time_distributed_nested_inputs_and_outputs(backend):
    a, b = _x(2, 3, 4), _x(2, 3, 4)
    np.testing.assert_allclose(layers.TimeDistributed(layers.Add())([a, b]).numpy(), a + b, rtol=1e-6)
    doubled, first = layers.TimeDistributed(_TwoOutputs())(a)
    np.testing.assert_allclose(doubled.numpy(), a * 2.0, rtol=1e-6)
    np.testing.assert_allclose(first.numpy(), a[..., :1] + 1.0, rtol=1e-6)

    x1, x2 = keras.Input((3, 4)), keras.Input((3, 2))
    merged = layers.TimeDistributed(layers.Concatenate(), name="td_concat")([x1, x2])
    assert merged.shape == (None, 3, 6)
    model = keras.Model([x1, x2], layers.TimeDistributed(layers.Dense(1))(merged))
    c = _x(2, 3, 2)
    rebuilt = keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    kernel, bias = model.get_weights()
    want = np.concatenate([a, c], -1) @ kernel + bias
    np.testing.assert_allclose(model.predict([a, c], verbose=0), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rebuilt.predict([a, c], verbose=0), want, rtol=1e-5, atol=1e-6)


def test_time_distributed_merge_of_masked_inputs(backend):
    # The inner merge layer combines the two masks per timestep: a step counts where both inputs do, as
    # tf.keras's Concatenate (`all` over the concatenated masks).
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    embed = layers.Embedding(5, 4, mask_zero=True)
    a, b = embed(ids), embed(ids[:, ::-1].copy())
    out = layers.TimeDistributed(layers.Concatenate())([a, b])
    np.testing.assert_array_equal(out._keras_mask.numpy(), (ids != 0) & (ids[:, ::-1] != 0))


def test_time_distributed_trains(backend):
    set_random_seed(1)
    model = keras.Sequential([layers.TimeDistributed(layers.Dense(1), input_shape=(4, 3))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = _x(16, 4, 3)
    y = x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=10, batch_size=4, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.2 * first
    assert [w.name for w in model.weights] == ["time_distributed/kernel:0", "time_distributed/bias:0"]
