"""MultiHeadAttention against NumPy formulas written here (projections, scores, masks, softmax over the
attention axes, output projection), its weights (names, shapes and order as tf.keras), config and HDF5
round trips, files laid out as tf.keras writes them, training, and its errors."""
import json

import h5py
import numpy as np
import pytest

from kerasx import GradientTape, Input, Model, layers, models, ops
from kerasx.autodiff.tensor import as_tensor
from tests.saving import tf_keras_reference as ref

RNG = np.random.default_rng(7)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _softmax(s, axes):
    s = s - s.max(axis=axes, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=axes, keepdims=True)


def _mask_scores(s, mask):
    """tf.keras's Softmax mask, in float32 as it runs: s + (1 - mask) * -1e9."""
    if mask is None:
        return s
    return np.where(mask, s, (s.astype("float32") - np.float32(1e9)).astype("float64"))


def _project(x, kernel, bias):
    out = np.tensordot(x.astype("float64"), kernel, axes=([x.ndim - 1], [0]))
    return out if bias is None else out + bias


def _np_mha(query, value, key, weights, key_dim, mask=None, use_bias=True):
    """One attention axis (inputs (B, T, D)): mask (B, T, S) or None. Returns (output, scores)."""
    w = list(weights)
    take = (lambda: (w.pop(0), w.pop(0))) if use_bias else (lambda: (w.pop(0), None))
    wq, wk, wv, wo = take(), take(), take(), take()
    q, k, v = _project(query, *wq), _project(key, *wk), _project(value, *wv)   # (B, T|S, N, H)
    s = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(key_dim)
    p = _softmax(_mask_scores(s, None if mask is None else mask[:, None]), -1)
    o = np.einsum("bnts,bsnh->btnh", p, v)
    out = np.tensordot(o, wo[0], axes=([2, 3], [0, 1]))
    return (out if wo[1] is None else out + wo[1]), p


def test_self_attention_matches_numpy_and_weights_are_tf_keras(backend):
    x = _x(2, 5, 6)
    layer = layers.MultiHeadAttention(num_heads=3, key_dim=4)
    out, scores = layer(x, x, return_attention_scores=True)
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("multi_head_attention/query/kernel:0", (6, 3, 4)), ("multi_head_attention/query/bias:0", (3, 4)),
        ("multi_head_attention/key/kernel:0", (6, 3, 4)), ("multi_head_attention/key/bias:0", (3, 4)),
        ("multi_head_attention/value/kernel:0", (6, 3, 4)), ("multi_head_attention/value/bias:0", (3, 4)),
        ("multi_head_attention/attention_output/kernel:0", (3, 4, 6)),
        ("multi_head_attention/attention_output/bias:0", (6,))]
    assert out.dtype == "float32" and scores.dtype == "float32"
    want, want_scores = _np_mha(x, x, x, layer.get_weights(), 4)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), want_scores, rtol=1e-4, atol=1e-6)
    assert scores.shape == (2, 3, 5, 5)


@pytest.mark.parametrize("use_bias", [True, False])
def test_cross_attention_with_key_value_dims_and_output_shape(backend, use_bias):
    # Query length 4, key/value length 7; key and value of different widths; value_dim and output_shape.
    query, value, key = _x(2, 4, 5), _x(2, 7, 3), _x(2, 7, 6)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=8, use_bias=use_bias,
                                      bias_initializer="glorot_uniform")
    out, scores = layer(query, value, key=key, return_attention_scores=True)
    shapes = [w.shape for w in layer.weights]
    expected = [(5, 2, 3), (2, 3), (6, 2, 3), (2, 3), (3, 2, 5), (2, 5), (2, 5, 8), (8,)]
    assert shapes == (expected if use_bias else expected[::2])
    assert out.shape == (2, 4, 8) and scores.shape == (2, 2, 4, 7)
    want, want_scores = _np_mha(query, value, key, layer.get_weights(), 3, use_bias=use_bias)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), want_scores, rtol=1e-4, atol=1e-6)


def test_masks_combine_as_tf_keras(backend):
    # query mask [B, T, 1] & value mask [B, 1, S] & attention_mask & causal; a query row hidden everywhere
    # attends uniformly, as tf.keras's additive mask makes it.
    query, value = _x(2, 4, 6), _x(2, 5, 6)
    query[0, 3] = 0.0
    value[1, 3:] = 0.0
    masking = layers.Masking(0.0)
    q, v = masking(query), masking(value)
    explicit = RNG.uniform(size=(2, 4, 5)) > 0.2
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    out, scores = layer(q, v, attention_mask=explicit, use_causal_mask=True, return_attention_scores=True)
    q_mask = np.any(query != 0, -1)
    v_mask = np.any(value != 0, -1)
    combined = q_mask[:, :, None] & v_mask[:, None, :] & explicit & np.tri(4, 5, dtype=bool)[None]
    want, want_scores = _np_mha(query, value, value, layer.get_weights(), 3, mask=combined)
    np.testing.assert_allclose(scores.numpy(), want_scores, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.numpy()[0, :, 3], np.full((2, 5), 0.2), rtol=1e-5)
    # The output carries the query's mask, as tf.keras's.
    np.testing.assert_array_equal(out._keras_mask.numpy(), q_mask)


def test_two_attention_axes_softmax_over_both(backend):
    # Inputs (B, X, Y, D) attending over (X, Y) jointly: scores (B, N, X, Y, X, Y).
    x = _x(2, 3, 2, 4)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2))
    mask = RNG.uniform(size=(2, 3, 2, 3, 2)) > 0.3
    out, scores = layer(x, x, attention_mask=mask, return_attention_scores=True)
    w = layer.get_weights()
    q, k, v = (_project(x, w[i], w[i + 1]) for i in (0, 2, 4))
    s = np.einsum("bxynh,buwnh->bnxyuw", q, k) / np.sqrt(3)
    p = _softmax(_mask_scores(s, mask[:, None]), (-2, -1))
    o = np.einsum("bnxyuw,buwnh->bxynh", p, v)
    want = np.tensordot(o, w[6], axes=([3, 4], [0, 1])) + w[7]
    assert scores.shape == (2, 2, 3, 2, 3, 2)
    np.testing.assert_allclose(scores.numpy(), p, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)


def test_attention_over_a_middle_axis_treats_the_others_as_batch(backend):
    # attention_axes=(2,) on (B, X, Y, D): every X position attends over Y on its own; scores (B, X, N, Y, Y).
    x = _x(2, 3, 4, 5)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=2)
    out, scores = layer(x, x, return_attention_scores=True, use_causal_mask=False)
    w = layer.get_weights()
    q, k, v = (_project(x, w[i], w[i + 1]) for i in (0, 2, 4))
    p = _softmax(np.einsum("bxynh,bxwnh->bxnyw", q, k) / np.sqrt(3), -1)
    o = np.einsum("bxnyw,bxwnh->bxynh", p, v)
    want = np.tensordot(o, w[6], axes=([3, 4], [0, 1])) + w[7]
    assert scores.shape == (2, 3, 2, 4, 4)
    np.testing.assert_allclose(scores.numpy(), p, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)


def test_dropout_only_in_training_and_scores_before_dropout(backend):
    x = _x(2, 6, 4)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.5)
    inference, scores = layer(x, x, return_attention_scores=True)
    again = layer(x, x, training=False)
    np.testing.assert_array_equal(inference.numpy(), again.numpy())
    trained, train_scores = layer(x, x, training=True, return_attention_scores=True)
    assert not np.allclose(trained.numpy(), inference.numpy())
    # tf.keras returns the softmax before its dropout layer.
    np.testing.assert_allclose(train_scores.numpy(), scores.numpy(), rtol=1e-6)
    with GradientTape() as tape:
        loss = ops.sum(ops.square(layer(x, x, training=True)))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in grads)


def test_config_round_trip_builds_the_weights(backend):
    x, v = _x(2, 4, 6), _x(2, 3, 5)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=(7,), attention_axes=[1],
                                      kernel_initializer="he_normal", name="mha")
    y = layer(x, v).numpy()
    config = json.loads(json.dumps(layer.get_config()))
    # The shapes of the first call, as tf.keras stores them (eagerly, with their batch size).
    assert config["query_shape"] == [2, 4, 6] and config["value_shape"] == [2, 3, 5]
    assert config["key_shape"] == [2, 3, 5] and config["attention_axes"] == [1]
    assert config["value_dim"] == 4 and config["output_shape"] == [7]
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    for rebuilt in (layers.MultiHeadAttention.from_config(config),
                    layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))):
        # Built from the stored shapes: weights exist before any call, named as tf.keras's.
        assert [w.name for w in rebuilt.weights] == [w.name for w in layer.weights]
        rebuilt.set_weights(layer.get_weights())
        np.testing.assert_allclose(rebuilt(x, v).numpy(), y, rtol=1e-6)
        assert json.loads(json.dumps(rebuilt.get_config())) == config


def _functional():
    q_in, v_in = Input((4, 6), name="q"), Input((5, 6), name="v")
    out = layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")(q_in, v_in)
    return Model([q_in, v_in], layers.Dense(2, name="head")(out))


def test_h5_model_round_trip_and_tf_keras_layout(backend, tmp_path):
    model = _functional()
    # The node as tf.keras's Node.serialize writes it: the value is a keyword holding a tensor reference.
    mha_entry = next(entry for entry in model.get_config()["layers"] if entry["name"] == "mha")
    assert mha_entry["inbound_nodes"] == [[["q", 0, 0, {"value": ["v", 0, 0]}]]]
    q, v = _x(3, 4, 6), _x(3, 5, 6)
    y = model.predict([q, v], verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(loaded.predict([q, v], verbose=0), y, rtol=1e-6)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        names = ref.load_attributes_from_hdf5_group(f["model_weights"]["mha"], "weight_names")
        assigned = ref.read_weights_like_tf_keras(
            f["model_weights"], [(l.name, [w.shape for w in l.weights]) for l in model.layers])
    assert model.get_layer("mha").get_config()["query_shape"] == [None, 4, 6]
    assert names == [f"mha/{part}/{kind}:0" for part in ("query", "key", "value", "attention_output")
                     for kind in ("kernel", "bias")]
    for got, want in zip(assigned["mha"], model.get_layer("mha").get_weights()):
        np.testing.assert_array_equal(got, want)


def test_weights_written_as_tf_keras_writes_them_load(backend, tmp_path):
    shapes = {"query": ((6, 2, 3), (2, 3)), "key": ((6, 2, 3), (2, 3)), "value": ((6, 2, 3), (2, 3)),
              "attention_output": ((2, 3, 6), (6,))}
    mha = [(f"mha/{part}/{kind}:0", _x(*shape)) for part, (ks, bs) in shapes.items()
           for kind, shape in (("kernel", ks), ("bias", bs))]
    head = [("head/kernel:0", _x(6, 2)), ("head/bias:0", _x(2))]
    with h5py.File(tmp_path / "tf.h5", "w") as f:
        ref.write_weights_like_tf_keras(f, [("q", []), ("v", []), ("mha", mha), ("head", head)])
    model = _functional()
    model.load_weights(tmp_path / "tf.h5")
    got = model.get_layer("mha").get_weights()
    for g, (_, want) in zip(got, mha):
        np.testing.assert_array_equal(g, want)
    q, v = _x(2, 4, 6), _x(2, 5, 6)
    want, _ = _np_mha(q, v, v, got, 3)
    inner = Model(model.inputs, model.get_layer("mha").output)
    np.testing.assert_allclose(inner.predict([q, v], verbose=0), want, rtol=1e-4, atol=1e-5)


def test_trains_in_a_model(backend):
    seq = Input((6,), dtype="int32")
    x = layers.Embedding(20, 8, mask_zero=True)(seq)
    x = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x, use_causal_mask=True)
    out = layers.Dense(1)(layers.GlobalAveragePooling1D()(x))
    model = Model(seq, out)
    model.compile(optimizer="adam", loss="mse")
    data = RNG.integers(1, 20, (16, 6))
    data[:, 4:] = 0
    target = RNG.standard_normal((16, 1)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(data, target, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_query_and_value_by_keyword(backend):
    x = _x(2, 3, 4)
    layer = layers.MultiHeadAttention(num_heads=1, key_dim=2)
    np.testing.assert_allclose(layer(query=x, value=x).numpy(), layer(x, x).numpy(), rtol=1e-6)


def test_errors_name_the_argument(backend):
    with pytest.raises(ValueError, match=r"`num_heads` must be a positive integer, received 0"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match=r"`key_dim` must be a positive integer, received 2.5"):
        layers.MultiHeadAttention(num_heads=1, key_dim=2.5)
    with pytest.raises(ValueError, match=r"`dropout` must be a number in \[0, 1\), received 1.5"):
        layers.MultiHeadAttention(num_heads=1, key_dim=2, dropout=1.5)
    x = _x(2, 3, 4)
    layer = layers.MultiHeadAttention(num_heads=1, key_dim=2, attention_axes=(3,), name="m")
    with pytest.raises(ValueError, match=r'"m": `attention_axes` \(3,\) must be distinct axes of the inputs '
                                         r"between the batch axis and the last axis \(inputs of rank 3\)"):
        layer(x, x)
    assert layer.weights == []
    layer = layers.MultiHeadAttention(num_heads=1, key_dim=2, name="m2")
    with pytest.raises(ValueError, match=r"all dimensions of `value` and `key`, except the last one, must be "
                                         r"equal. Received \(2, 3, 4\) and \(2, 5, 4\)"):
        layer(x, x, key=_x(2, 5, 4))
    with pytest.raises(ValueError, match=r"query and value must have rank >= 3 .* received shapes \(2, 4\)"):
        layer(_x(2, 4), _x(2, 4))
    with pytest.raises(ValueError, match=r'"m2": the attention mask of shape \(2, 3, 2\) does not broadcast to '
                                         r"the attention scores of shape \(2, 1, 3, 3\)"):
        layer(x, x, attention_mask=np.ones((2, 3, 2), bool))
    two_axes = layers.MultiHeadAttention(num_heads=1, key_dim=2, attention_axes=(1, 2), name="m3")
    with pytest.raises(ValueError, match=r'"m3": `use_causal_mask=True` needs one attention axis'):
        two_axes(_x(2, 3, 2, 4), _x(2, 3, 2, 4), use_causal_mask=True)


def test_softmax_robust_masking_replaces_masked_scores(backend):
    # tf.keras's Softmax(robust_masking=True): where(mask, scores, -1e9); large scores make the difference.
    x = _x(2, 4, 6) * 30
    mask = RNG.uniform(size=(2, 4, 4)) > 0.4
    mask[0, 1] = False
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, softmax_robust_masking=True)
    out, scores = layer(x, x, attention_mask=mask, return_attention_scores=True)
    w = layer.get_weights()
    q, k, v = (_project(x, w[i], w[i + 1]) for i in (0, 2, 4))
    s = np.where(mask[:, None], np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(3), -1e9)
    p = _softmax(s, -1)
    want = np.tensordot(np.einsum("bnts,bsnh->btnh", p, v), w[6], axes=([2, 3], [0, 1])) + w[7]
    np.testing.assert_allclose(scores.numpy(), p, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(scores.numpy()[0, :, 1], np.full((2, 4), 0.25, "float32"))
    assert layer.get_config()["softmax_robust_masking"] is True


def test_model_config_as_tf_keras_writes_it(backend):
    # tf.keras 2.x's JSON for Input q, Input v -> MultiHeadAttention(q, value=v, use_causal_mask=True).
    config = {"class_name": "Functional", "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4, 6], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "q"},
         "name": "q", "inbound_nodes": []},
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4, 6], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "v"},
         "name": "v", "inbound_nodes": []},
        {"class_name": "MultiHeadAttention", "config": {
            "name": "mha", "trainable": True, "dtype": "float32", "num_heads": 2, "key_dim": 3, "value_dim": 3,
            "dropout": 0.0, "use_bias": True, "output_shape": None, "attention_axes": [1],
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
            "bias_constraint": None, "query_shape": [None, 4, 6], "key_shape": [None, 4, 6],
            "value_shape": [None, 4, 6], "softmax_robust_masking": False},
         "name": "mha", "inbound_nodes": [[["q", 0, 0, {"value": ["v", 0, 0], "use_causal_mask": True}]]]}],
        "input_layers": [["q", 0, 0], ["v", 0, 0]], "output_layers": [["mha", 0, 0]]},
        "keras_version": "2.13.1", "backend": "tensorflow"}
    model = models.model_from_json(json.dumps(config))
    q, v = _x(2, 4, 6), _x(2, 4, 6)
    want, _ = _np_mha(q, v, v, model.get_weights(), 3, mask=np.tri(4, 4, dtype=bool)[None])
    np.testing.assert_allclose(model.predict([q, v], verbose=0), want, rtol=1e-4, atol=1e-5)
