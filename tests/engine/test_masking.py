"""Mask propagation as tf.keras 2.x does it: eagerly, in Sequential, in the functional API, into the loss."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import ops
from kerasx import layers
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer
from kerasx.utils import set_random_seed

IDS = np.array([[3, 1, 0, 0], [2, 5, 4, 0]])
MASK = IDS != 0


class MaskRecorder(Layer):
    """Takes `mask` in `call` (so the engine passes it) and remembers what it got."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = []

    def call(self, inputs, mask=None):
        self.seen.append(None if mask is None else mask.numpy())
        return inputs


class NoMasking(Layer):
    """A layer that neither takes nor supports masks."""

    def call(self, inputs):
        return inputs * 2.0


class TemporalSplit(Layer):
    """The tf.keras masking guide's example: overriding compute_mask opts the layer in to masking."""

    def call(self, inputs):
        half = inputs.shape[1] // 2
        return inputs[:, :half], inputs[:, half:]

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        half = mask.shape[1] // 2
        return mask[:, :half], mask[:, half:]


class TemporalSoftmax(Layer):
    """The guide's layer that needs its mask: a softmax over the unmasked timesteps only."""

    def call(self, inputs, mask=None):
        keep = ops.expand_dims(ops.cast(mask, dtype="float32"), -1)
        e = ops.exp(inputs) * keep
        return e / ops.sum(e, axis=1, keepdims=True)


def _masked_softmax(x, mask):
    e = np.exp(x) * mask[..., None]
    return e / e.sum(axis=1, keepdims=True)


# ------------------------------------------------------------------ eager
def test_embedding_mask_passes_through_supporting_layers(backend):
    x = layers.Embedding(6, 3, mask_zero=True)(IDS)
    np.testing.assert_array_equal(x._keras_mask.numpy(), MASK)
    y = layers.Dense(2)(x)
    np.testing.assert_array_equal(y._keras_mask.numpy(), MASK)
    assert y._keras_mask.dtype == "bool"


def test_mask_reaches_call_implicitly_and_explicit_mask_wins(backend):
    x = layers.Embedding(6, 3, mask_zero=True)(IDS)
    rec = MaskRecorder()
    out = rec(x)
    np.testing.assert_array_equal(rec.seen[-1], MASK)
    np.testing.assert_array_equal(out._keras_mask.numpy(), MASK)
    other = np.ones_like(MASK)
    rec(x, mask=as_tensor(other))
    np.testing.assert_array_equal(rec.seen[-1], other)
    rec(np.ones((2, 4, 3), dtype="float32"))
    assert rec.seen[-1] is None


def test_layer_without_masking_drops_the_mask_as_tf_keras_2(backend):
    # tf.keras 2.x does not raise here (tensorflow/tensorflow#33260): the mask just stops.
    x = layers.Embedding(6, 3, mask_zero=True)(IDS)
    y = NoMasking()(x)
    assert getattr(y, "_keras_mask", None) is None


def test_compute_mask_of_a_layer_without_masking_raises(backend):
    layer = NoMasking(name="no_masking")
    assert layer.compute_mask(np.ones((2, 4)), None) is None
    with pytest.raises(TypeError, match="Layer no_masking does not support masking, but was passed an "
                                        "input_mask: "):
        layer.compute_mask(np.ones((2, 4)), as_tensor(MASK))


def test_overriding_compute_mask_opts_in(backend):
    x = layers.Embedding(6, 3, mask_zero=True)(IDS)
    split = TemporalSplit()
    assert split.supports_masking
    first, second = split(x)
    np.testing.assert_array_equal(first._keras_mask.numpy(), MASK[:, :2])
    np.testing.assert_array_equal(second._keras_mask.numpy(), MASK[:, 2:])


def test_autocast_keeps_the_mask(backend):
    x = layers.Embedding(6, 3, mask_zero=True)(IDS)
    rec = MaskRecorder(dtype="float64")
    out = rec(x)
    assert out.dtype == "float64"
    np.testing.assert_array_equal(rec.seen[-1], MASK)
    np.testing.assert_array_equal(out._keras_mask.numpy(), MASK)


def test_masks_merge_in_a_list_input(backend):
    a = layers.Embedding(6, 3, mask_zero=True)(IDS)
    other_ids = np.array([[1, 1, 1, 0], [0, 1, 1, 1]])
    b = layers.Embedding(6, 3, mask_zero=True)(other_ids)
    np.testing.assert_array_equal(layers.add([a, b])._keras_mask.numpy(), MASK & (other_ids != 0))
    joined = layers.concatenate([a, b])
    np.testing.assert_array_equal(joined._keras_mask.numpy(), MASK & (other_ids != 0))
    in_time = layers.concatenate([a, b], axis=1)
    np.testing.assert_array_equal(in_time._keras_mask.numpy(), np.concatenate([MASK, other_ids != 0], 1))


# ------------------------------------------------------------------ functional and Sequential
def test_functional_graph_carries_and_replays_masks(backend):
    inp = layers.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(6, 3, mask_zero=True)(inp)
    assert x._keras_mask.shape == (None, None) and x._keras_mask.dtype == "bool"
    h = layers.Dense(1)(x)
    assert h._keras_mask.shape == (None, None)
    out = TemporalSoftmax()(h)
    model = keras.Model(inp, out)
    y = model(IDS)
    emb, dense = model.layers[1].get_weights()[0], model.layers[2].get_weights()
    ref = _masked_softmax(emb[IDS] @ dense[0] + dense[1], MASK)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5, atol=1e-6)
    # TemporalSoftmax does not support masking: the model's output carries no mask.
    assert getattr(y, "_keras_mask", None) is None
    assert out._keras_mask is None


def test_functional_model_output_mask_and_nesting(backend):
    inp = layers.Input(shape=(4,), dtype="int32")
    inner = keras.Model(inp, layers.Dense(2)(layers.Embedding(6, 3, mask_zero=True)(inp)))
    y = inner(IDS)
    np.testing.assert_array_equal(y._keras_mask.numpy(), MASK)
    np.testing.assert_array_equal(inner.compute_mask(IDS).numpy(), MASK)
    # The inner model as a layer: the mask comes out of it, into the next layer's call.
    outer_in = layers.Input(shape=(4,), dtype="int32")
    rec = MaskRecorder()
    outer = keras.Model(outer_in, rec(inner(outer_in)))
    rec.seen.clear()
    outer(IDS)
    np.testing.assert_array_equal(rec.seen[-1], MASK)


def test_model_mask_argument_feeds_the_inputs(backend):
    inp = layers.Input(shape=(4, 3))
    rec = MaskRecorder()
    model = keras.Model(inp, rec(layers.Dense(3)(inp)))
    rec.seen.clear()
    given = np.array([[True, False, True, True], [False, True, True, True]])
    out = model(np.ones((2, 4, 3), dtype="float32"), mask=as_tensor(given))
    np.testing.assert_array_equal(rec.seen[-1], given)
    np.testing.assert_array_equal(out._keras_mask.numpy(), given)


def test_sequential_with_masking_layer(backend):
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]], [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]],
                 dtype="float32")
    rec = MaskRecorder()
    model = keras.Sequential([layers.Masking(input_shape=(3, 2)), layers.Dense(2), rec])
    out = model(x)
    expected = np.any(x != 0, axis=-1)
    np.testing.assert_array_equal(rec.seen[-1], expected)
    np.testing.assert_array_equal(out._keras_mask.numpy(), expected)
    # Deferred build (no input shape) propagates the same way.
    rec2 = MaskRecorder()
    deferred = keras.Sequential([layers.Masking(), rec2])
    deferred(x)
    np.testing.assert_array_equal(rec2.seen[-1], expected)


def test_symbolic_mask_passed_explicitly_is_refused():
    inp = layers.Input(shape=(4,), dtype="int32")
    x = layers.Embedding(6, 3, mask_zero=True)(inp)
    with pytest.raises(ValueError, match='Layer "mask_recorder" was passed the symbolic tensor .* which is '
                                         "not the output of a layer or an `Input`"):
        MaskRecorder()(x, mask=x._keras_mask)


# ------------------------------------------------------------------ training
def _masked_regressor(seed):
    set_random_seed(seed)
    model = keras.Sequential([layers.Embedding(6, 3, mask_zero=True, input_length=4), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def test_masked_timesteps_do_not_count_in_the_loss(backend):
    rng = np.random.default_rng(0)
    y = rng.normal(size=(2, 4, 1)).astype("float32")
    model = _masked_regressor(0)
    emb, (kernel, bias) = model.layers[0].get_weights()[0], model.layers[1].get_weights()
    pred = emb[IDS] @ kernel + bias
    # As tf.keras: the mask weighs each timestep, and the mean divides by every timestep.
    expected = np.sum((pred - y)[..., 0] ** 2 * MASK) / MASK.size
    np.testing.assert_allclose(model.evaluate(IDS, y, verbose=0), expected, rtol=1e-5)

    y_other = y.copy()
    y_other[~MASK] += 100.0  # only the masked targets differ
    np.testing.assert_allclose(model.evaluate(IDS, y_other, verbose=0), expected, rtol=1e-5)
    model.fit(IDS, y, epochs=2, batch_size=2, verbose=0)
    twin = _masked_regressor(0)
    twin.fit(IDS, y_other, epochs=2, batch_size=2, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert not np.allclose(model.get_weights()[1], kernel)


# ------------------------------------------------------------------ user layers, as in the tf.keras guide
class Linear(Layer):
    """The guide's custom layer: weights in build, math in call, shape and config methods."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="b")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


def test_guide_custom_layer_works_everywhere(backend):
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    layer = Linear(4)
    y = layer(x)
    w, b = layer.get_weights()
    np.testing.assert_allclose(y.numpy(), x @ w + b, rtol=1e-5, atol=1e-6)
    assert [v.name for v in layer.weights] == ["linear/w:0", "linear/b:0"]
    assert not layer.supports_masking
    model = keras.Sequential([Linear(4, input_shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.ones((5, 1)), epochs=1, verbose=0)
    assert model.output_shape == (None, 1)
    rebuilt = keras.Sequential.from_config(model.get_config(), custom_objects={"Linear": Linear})
    assert rebuilt.layers[0].units == 4
    inp = layers.Input(shape=(3,))
    assert keras.Model(inp, Linear(2)(inp)).output_shape == (None, 2)


def test_unnamed_weight_is_called_variable_as_tf(backend):
    class Unnamed(Layer):
        def build(self, input_shape):
            self.table = self.add_weight(shape=(2, 2), initializer="zeros")

    layer = Unnamed()
    layer(np.ones((1, 2), dtype="float32"))
    assert layer.weights[0].name == "unnamed/Variable:0"


def test_masked_timesteps_do_not_count_in_metrics(backend):
    set_random_seed(2)
    model = keras.Sequential([layers.Embedding(6, 3, mask_zero=True, input_length=4),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    emb, (kernel, bias) = model.layers[0].get_weights()[0], model.layers[1].get_weights()
    predicted = np.argmax(emb[IDS] @ kernel + bias, axis=-1)
    y = predicted.copy()
    y[0, 0] = 1 - y[0, 0]       # one wrong answer on a real timestep
    y[~MASK] = 1 - y[~MASK]     # and wrong answers on every masked one, which must not count
    _, accuracy = model.evaluate(IDS, y, verbose=0)
    np.testing.assert_allclose(accuracy, (MASK.sum() - 1) / MASK.sum(), rtol=1e-6)
