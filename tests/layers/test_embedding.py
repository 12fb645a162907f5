import json

import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, constraints, initializers, layers, ops, regularizers
from kerasx.autodiff.tensor import as_tensor

from tests.layers.layer_test_utils import layer_test

RNG = np.random.default_rng(11)


def _lookup(x, weights):
    return weights[0][x.astype("int64")]


# ------------------------------------------------------------------ Embedding
@pytest.mark.parametrize("kwargs, ids", [
    ({"input_dim": 10, "output_dim": 4}, RNG.integers(0, 10, (3, 5))),
    ({"input_dim": 7, "output_dim": 3, "input_length": 6, "mask_zero": True}, RNG.integers(0, 7, (2, 6))),
    ({"input_dim": 5, "output_dim": 2, "embeddings_initializer": initializers.RandomNormal(seed=3)},
     RNG.integers(0, 5, (2, 3, 4))),
    ({"input_dim": 4, "output_dim": 3, "input_length": (2, 3)}, RNG.integers(0, 4, (2, 2, 3))),
    ({"input_dim": 6, "output_dim": 5}, RNG.integers(0, 6, (4,))),
])
def test_embedding_matches_numpy(backend, kwargs, ids):
    layer, y = layer_test(layers.Embedding, kwargs, ids, reference_fn=_lookup,
                          expected_weights=[("embeddings", (kwargs["input_dim"], kwargs["output_dim"]))])
    assert y.shape == ids.shape + (kwargs["output_dim"],)


def test_embedding_config_is_keras_format():
    assert layers.Embedding(10, 4).get_config() == {
        "name": "embedding", "trainable": True, "batch_input_shape": (None, None), "dtype": "float32",
        "input_dim": 10, "output_dim": 4,
        "embeddings_initializer": {"class_name": "RandomUniform",
                                   "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
        "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
        "mask_zero": False, "input_length": None}
    assert layers.Embedding(10, 4, input_length=7).get_config()["batch_input_shape"] == (None, 7)


def test_embedding_gradient_is_a_scatter_add(backend):
    ids = np.array([[1, 3, 1], [0, 1, 3]])
    layer = layers.Embedding(5, 2)
    upstream = RNG.standard_normal((2, 3, 2)).astype("float32")
    with GradientTape() as tape:
        out = layer(ids)
        loss = ops.sum(ops.multiply(out, upstream))
    grad = tape.gradient(loss, layer.embeddings).numpy()
    expected = np.zeros((5, 2), dtype="float32")
    np.add.at(expected, ids, upstream)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, expected, rtol=1e-6)
    assert np.all(grad[[2, 4]] == 0)  # rows never looked up get no gradient


def test_embedding_takes_float_and_int64_ids(backend):
    layer = layers.Embedding(5, 3)
    a = layer(np.array([[1.0, 4.0]], dtype="float32")).numpy()
    b = layer(np.array([[1, 4]], dtype="int64")).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[0], layer.get_weights()[0][[1, 4]])
    assert layer(np.array([[1, 4]], dtype="int64")).dtype == "float32"


def test_embedding_mask_zero(backend):
    ids = np.array([[0, 2, 0], [3, 0, 1]])
    layer = layers.Embedding(4, 2, mask_zero=True)
    assert layer.supports_masking
    np.testing.assert_array_equal(layer(ids)._keras_mask.numpy(), ids != 0)
    np.testing.assert_array_equal(layer.compute_mask(as_tensor(ids)).numpy(), ids != 0)
    plain = layers.Embedding(4, 2)
    assert not plain.supports_masking and plain.compute_mask(as_tensor(ids)) is None
    assert getattr(plain(ids), "_keras_mask", None) is None


def test_embedding_regularizer_constraint_and_activity(backend):
    layer = layers.Embedding(4, 3, embeddings_regularizer=regularizers.L2(0.1),
                             activity_regularizer=regularizers.L1(0.01),
                             embeddings_constraint=constraints.NonNeg())
    ids = np.array([[1, 2], [3, 3]])
    y = layer(ids).numpy()
    w = layer.get_weights()[0]
    np.testing.assert_allclose([float(v) for v in layer.losses],
                               [0.1 * np.sum(w ** 2), 0.01 * np.sum(np.abs(y)) / 2], rtol=1e-5)
    assert isinstance(layer.embeddings.constraint, constraints.NonNeg)
    config = layer.get_config()
    assert config["embeddings_regularizer"]["class_name"] == "L2"
    assert config["embeddings_constraint"] == {"class_name": "NonNeg", "config": {}}
    assert json.loads(json.dumps(config)) == json.loads(json.dumps(
        layers.Embedding.from_config(config).get_config()))


def test_embedding_first_in_sequential_builds_and_trains(backend):
    model = keras.Sequential([layers.Embedding(8, 4, input_length=3), layers.Flatten(), layers.Dense(1)])
    assert model.layers[0].input_shape == (None, 3) and model.output_shape == (None, 1)
    assert [w.name for w in model.weights][0] == "embedding/embeddings:0"
    model.compile(optimizer="sgd", loss="mse")
    ids = RNG.integers(0, 8, (6, 3))
    before = model.get_weights()[0].copy()
    model.fit(ids, np.ones((6, 1)), epochs=1, verbose=0)
    changed = np.any(model.get_weights()[0] != before, axis=1)
    np.testing.assert_array_equal(changed, np.isin(np.arange(8), ids))


def test_embedding_symbolic_shapes():
    inp = layers.Input(shape=(None,), dtype="int32")
    assert layers.Embedding(5, 3)(inp).shape == (None, None, 3)
    assert layers.Embedding(5, 3, input_length=4).compute_output_shape((None, None)) == (None, 4, 3)


def test_embedding_bad_arguments_and_inputs(backend):
    with pytest.raises(ValueError, match="Both `input_dim` and `output_dim` should be positive, found "
                                         "input_dim 0 and output_dim 3"):
        layers.Embedding(0, 3)
    layer = layers.Embedding(5, 3, input_length=4, name="emb")
    with pytest.raises(ValueError, match=r'Layer "emb" \(Embedding\): "input_length" is 4, but received '
                                         r"input has shape \(2, 3\)"):
        layer(np.zeros((2, 3), dtype="int32"))
    assert not layer.built  # refused before any weight was made
    with pytest.raises(ValueError, match=r'Input 0 of layer "emb2" \(Embedding\) is incompatible: expected '
                                         r"min_ndim=1, found ndim=0"):
        layers.Embedding(5, 3, name="emb2")(np.int32(3))
    with pytest.raises(ValueError, match=r'Layer "emb" \(Embedding\): "input_length" is 4'):
        layer.compute_output_shape((None, 3, 2))


def test_embedding_ids_out_of_range(backend):
    if backend.name == "cupy":
        pytest.skip("CuPy's take wraps out-of-range ids instead of raising (as tf on GPU returns zeros)")
    layer = layers.Embedding(5, 3, name="emb")
    with pytest.raises(ValueError, match=r'Layer "emb" \(Embedding\) received ids outside \[0, 5\) \(its '
                                         r"`input_dim`\): ids from 1 to 7"):
        layer(np.array([[1, 7]]))


# ------------------------------------------------------------------ Masking
def _np_masking(value):
    def ref(x, weights):
        return x * np.any(x != value, axis=-1, keepdims=True)
    return ref


def _padded(shape, value):
    x = RNG.standard_normal(shape).astype("float32")
    x[0, 1] = value
    x[-1, -1] = value
    return x


@pytest.mark.parametrize("value, shape", [(0.0, (2, 4, 3)), (-1.0, (3, 3, 2)), (2.5, (2, 2, 3, 2))])
def test_masking_matches_numpy(backend, value, shape):
    x = _padded(shape, value)
    layer, y = layer_test(layers.Masking, {"mask_value": value}, x, reference_fn=_np_masking(value),
                          expected_weights=[])
    out = layer(x)
    np.testing.assert_array_equal(out._keras_mask.numpy(), np.any(x != value, axis=-1))
    np.testing.assert_array_equal(layer.compute_mask(as_tensor(x)).numpy(), np.any(x != value, axis=-1))
    assert layer.get_config()["mask_value"] == value


def test_masking_config_is_keras_format():
    assert layers.Masking().get_config() == {"name": "masking", "trainable": True, "dtype": "float32",
                                             "mask_value": 0.0}


def test_masking_gradient_is_zero_on_masked_steps(backend):
    x = as_tensor(_padded((2, 3, 2), 0.0))
    with GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(layers.Masking()(x))
    keep = np.any(x.numpy() != 0, axis=-1, keepdims=True)
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), np.broadcast_to(keep, (2, 3, 2)))


def test_masking_needs_features(backend):
    with pytest.raises(ValueError, match=r'Input 0 of layer "masking" \(Masking\) is incompatible: expected '
                                         r"min_ndim=2, found ndim=1"):
        layers.Masking()(np.ones((4,), dtype="float32"))
