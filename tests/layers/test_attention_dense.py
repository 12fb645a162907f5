"""Attention and AdditiveAttention against NumPy formulas written here (scores, value and causal masks,
softmax, query-mask zeroing, dropout), their weights, config and HDF5 round trips, training, errors."""
import json

import h5py
import numpy as np
import pytest

from kerasx import GradientTape, Input, Model, layers, models, ops, optimizers
from tests.saving import tf_keras_reference as ref

RNG = np.random.default_rng(3)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _np_apply(scores, value, v_mask=None, causal=False, q_mask=None):
    """tf.keras's `_apply_scores` and `call` in float64 (the -1e9 subtracted in float32, as it runs)."""
    mask = np.ones(scores.shape, bool)
    if v_mask is not None:
        mask = mask & v_mask[..., None, :]
    if causal:
        mask = mask & np.tri(scores.shape[-2], scores.shape[-1], dtype=bool)
    scores = np.where(mask, scores, (scores.astype("float32") - np.float32(1e9)).astype("float64"))
    w = np.exp(scores - scores.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    out = w @ value.astype("float64")
    if q_mask is not None:
        out = out * q_mask[..., None]
    return out, w


def _dot(q, k, scale=1.0):
    return scale * np.einsum("btd,bsd->bts", q.astype("float64"), k.astype("float64"))


def _concat(q, k, scale=1.0, weight=1.0):
    return weight * np.tanh(scale * (q[:, :, None, :] + k[:, None, :, :]).astype("float64")).sum(-1)


def _additive(q, k, scale):
    return (scale * np.tanh((q[:, :, None, :] + k[:, None, :, :]).astype("float64"))).sum(-1)


@pytest.mark.parametrize("use_scale", [False, True])
@pytest.mark.parametrize("score_mode", ["dot", "concat"])
@pytest.mark.parametrize("with_key", [False, True])
def test_attention_matches_numpy(backend, use_scale, score_mode, with_key):
    q, v, k = _x(2, 3, 4), _x(2, 5, 4), _x(2, 5, 4)
    layer = layers.Attention(use_scale=use_scale, score_mode=score_mode)
    inputs = [q, v, k] if with_key else [q, v]
    out, weights = layer(inputs, return_attention_scores=True)
    params = layer.get_weights()
    for w in layer.weights:
        w.assign(np.full(w.shape, 0.7, "float32"))  # away from the initial ones, so the scale counts
    out, weights = layer(inputs, return_attention_scores=True)
    names = ([("attention/scale:0", ())] if use_scale else []) + \
        ([("attention/concat_score_weight:0", ())] if score_mode == "concat" else [])
    assert [(w.name, w.shape) for w in layer.weights] == names and len(params) == len(names)
    key = k if with_key else v
    scale = 0.7 if use_scale else 1.0
    scores = _dot(q, key, scale) if score_mode == "dot" else _concat(q, key, scale, 0.7)
    want, want_w = _np_apply(scores, v)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(weights.numpy(), want_w, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("cls", ["Attention", "AdditiveAttention"])
def test_masks_and_causal(backend, cls):
    q, v = _x(2, 4, 3), _x(2, 6, 3)
    q[1, 2] = 0.0
    v[0, 4:] = 0.0
    masking = layers.Masking(0.0)
    layer = getattr(layers, cls)()
    out, weights = layer([masking(q), masking(v)], return_attention_scores=True, use_causal_mask=True)
    q_mask, v_mask = np.any(q != 0, -1), np.any(v != 0, -1)
    scores = _dot(q, v) if cls == "Attention" else _additive(q, v, layer.get_weights()[0])
    want, want_w = _np_apply(scores, v, v_mask=v_mask, causal=True, q_mask=q_mask)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(weights.numpy(), want_w, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), q_mask)


def test_deprecated_causal_argument(backend):
    q, v = _x(2, 3, 2), _x(2, 3, 2)
    with pytest.warns(UserWarning, match="`causal` argument is deprecated"):
        layer = layers.Attention(causal=True)
    assert "causal" not in layer.get_config()
    np.testing.assert_allclose(layer([q, v]).numpy(), _np_apply(_dot(q, v), v, causal=True)[0], rtol=1e-4,
                               atol=1e-5)


def test_additive_attention_matches_numpy(backend):
    q, v = _x(2, 3, 4), _x(2, 5, 4)
    layer = layers.AdditiveAttention()
    out = layer([q, v])
    assert [(w.name, w.shape) for w in layer.weights] == [("additive_attention/scale:0", (4,))]
    want, _ = _np_apply(_additive(q, v, layer.get_weights()[0]), v)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    plain = layers.AdditiveAttention(use_scale=False)
    np.testing.assert_allclose(plain([q, v]).numpy(), _np_apply(_additive(q, v, 1.0), v)[0], rtol=1e-4, atol=1e-5)
    assert plain.weights == []


@pytest.mark.parametrize("score_mode", ["dot", "concat"])
def test_dropout_in_training_returns_the_dropped_weights(backend, score_mode):
    q, v = _x(2, 4, 3), _x(2, 8, 3)
    layer = layers.Attention(dropout=0.5, score_mode=score_mode)
    inference, w_inf = layer([q, v], return_attention_scores=True)
    trained, w_train = layer([q, v], training=True, return_attention_scores=True)
    dropped = w_train.numpy() == 0
    assert dropped.any()
    # tf.keras returns the weights after dropout: kept ones scaled by 1 / keep.
    np.testing.assert_allclose(w_train.numpy()[~dropped], 2 * w_inf.numpy()[~dropped], rtol=1e-5)
    np.testing.assert_allclose(trained.numpy(), w_train.numpy() @ v, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls, kwargs", [("Attention", {"use_scale": True, "score_mode": "concat", "dropout": 0.1}),
                                         ("AdditiveAttention", {"use_scale": False, "dropout": 0.2})])
def test_config_round_trip(backend, cls, kwargs):
    q, v = _x(2, 3, 4), _x(2, 5, 4)
    layer = getattr(layers, cls)(**kwargs)
    y = layer([q, v]).numpy()
    config = json.loads(json.dumps(layer.get_config()))
    for key, value in kwargs.items():
        assert config[key] == value
    for rebuilt in (getattr(layers, cls).from_config(config),
                    layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))):
        rebuilt([q, v])
        rebuilt.set_weights(layer.get_weights())
        np.testing.assert_allclose(rebuilt([q, v]).numpy(), y, rtol=1e-6)
        assert json.loads(json.dumps(rebuilt.get_config())) == config


def _model():
    q_in, v_in = Input((3, 4), name="q"), Input((5, 4), name="v")
    a = layers.Attention(use_scale=True, name="dot")([q_in, v_in])
    b = layers.AdditiveAttention(name="additive")([q_in, v_in])
    return Model([q_in, v_in], layers.Add()([a, b]))


def test_h5_round_trip_and_tf_keras_files(backend, tmp_path):
    model = _model()
    q, v = _x(2, 3, 4), _x(2, 5, 4)
    y = model.predict([q, v], verbose=0)
    model.save(tmp_path / "m.h5")
    np.testing.assert_allclose(models.load_model(tmp_path / "m.h5").predict([q, v], verbose=0), y, rtol=1e-6)
    scale, additive = np.float32(1.5), _x(4)
    with h5py.File(tmp_path / "tf.h5", "w") as f:
        ref.write_weights_like_tf_keras(f, [("q", []), ("v", []), ("dot", [("dot/scale:0", scale)]),
                                            ("additive", [("additive/scale:0", additive)]), ("add", [])])
    model.load_weights(tmp_path / "tf.h5")
    assert model.get_layer("dot").get_weights()[0] == scale
    np.testing.assert_array_equal(model.get_layer("additive").get_weights()[0], additive)
    want = _np_apply(_dot(q, v, 1.5), v)[0] + _np_apply(_additive(q, v, additive), v)[0]
    np.testing.assert_allclose(model.predict([q, v], verbose=0), want, rtol=1e-4, atol=1e-5)


def test_trains(backend):
    q_in, v_in = Input((3, 4)), Input((5, 4))
    x = layers.Attention(use_scale=True)([layers.Dense(4)(q_in), v_in])
    model = Model([q_in, v_in], layers.Dense(1)(layers.Flatten()(x)))
    model.compile(optimizer=optimizers.Adam(0.01), loss="mse")
    q, v, y = _x(16, 3, 4), _x(16, 5, 4), _x(16, 1)
    history = model.fit([q, v], y, epochs=10, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with GradientTape() as tape:
        loss = ops.sum(ops.square(model([q, v], training=True)))
    assert all(g is not None for g in tape.gradient(loss, model.trainable_weights))


def test_errors(backend):
    with pytest.raises(ValueError, match=r'Received: score_mode=sum. Acceptable values are: \["dot", "concat"\]'):
        layers.Attention(score_mode="sum")
    with pytest.raises(ValueError, match=r"Attention: `dropout` must be a number in \[0, 1\), received -0.1"):
        layers.Attention(dropout=-0.1)
    q = _x(2, 3, 4)
    layer = layers.Attention()
    with pytest.raises(ValueError, match="Attention layer must be called on a list of inputs, namely "
                                         r"\[query, value\] or \[query, value, key\]"):
        layer(q)
    with pytest.raises(ValueError, match="Attention layer accepts inputs list of length 2 or 3, namely "
                                         r"\[query, value\] or \[query, value, key\]. Received length: 4"):
        layer([q, q, q, q])
    with pytest.raises(ValueError, match=r"Attention layer mask must be a list of length 2, namely "
                                         r"\[query_mask, value_mask\]. Received length: 1"):
        layer([q, q], mask=[None])
    with pytest.raises(ValueError, match=r"the query's and the key's last dimensions must be equal; received "
                                         r"shapes \(2, 3, 4\) and \(2, 5, 3\)"):
        layer([q, _x(2, 5, 3)])
    with pytest.raises(ValueError, match=r"expected query \(batch, T, dim\), value \(batch, S, dim_v\) and key"):
        layer([q, _x(3, 5, 4)])
