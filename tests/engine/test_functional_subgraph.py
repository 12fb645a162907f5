"""`Model(inputs=<intermediate tensors>, outputs=...)`: a new Input per intermediate input and the layer
calls between recorded again, with the weights shared and the original graph untouched (tf.keras's
`clone_graph_nodes`; layer names and config as tf_keras 2.21 gives them for the same model)."""
import numpy as np
import pytest

from kerasx import layers
from kerasx.engine.input_layer import Input
from kerasx.engine.model import Model


def _graph():
    a = Input(shape=(3,), name="a")
    h = layers.Dense(4, name="d1")(a)
    out = layers.Dense(2, name="d2")(layers.Activation("relu", name="act")(h))
    return a, h, out


def test_a_model_from_an_intermediate_tensor_shares_the_layers(backend):
    a, h, out = _graph()
    head = Model(h, out)
    # tf_keras 2.21: ['input_1', 'act', 'd2'], input named input_1 of shape (None, 4).
    assert [l.name for l in head.layers] == ["input_1", "act", "d2"]
    assert head.input_names == ["input_1"] and head.input_shape == (None, 4)
    full = Model(a, out)  # the original graph still runs from `a`
    assert [l.name for l in full.layers] == ["a", "d1", "act", "d2"]
    x = np.arange(6, dtype="float32").reshape(2, 3)
    d1, d2 = full.get_layer("d1"), full.get_layer("d2")
    hidden = x @ d1.kernel.numpy() + d1.bias.numpy()
    expected = np.maximum(hidden, 0) @ d2.kernel.numpy() + d2.bias.numpy()
    np.testing.assert_allclose(head(hidden).numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(full(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert head.get_layer("d2") is d2
    # Training the head moves the full model's weights too: the layers are the same objects.
    before = d2.kernel.numpy().copy()
    head.compile("sgd", "mse")
    head.fit(hidden, np.ones((2, 2), dtype="float32"), epochs=1, verbose=0)
    assert not np.allclose(before, d2.kernel.numpy())
    np.testing.assert_allclose(full(x).numpy(), head(hidden).numpy(), rtol=1e-5, atol=1e-6)
    config = head.get_config()
    assert config["input_layers"] == [["input_1", 0, 0]]
    assert [layer["inbound_nodes"] for layer in config["layers"]] == [[], [[["input_1", 0, 0, {}]]],
                                                                       [[["act", 0, 0, {}]]]]


def test_a_dict_of_inputs_mixing_inputs_and_intermediate_tensors(backend):
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    ha = layers.Dense(2, name="da")(a)
    out = layers.Add(name="add")([ha, b])
    model = Model({"ha": ha, "b": b}, out)
    assert model.inputs[0] is b and model.inputs[1] is not ha  # by sorted key: b, then ha
    x, y = np.ones((1, 2), dtype="float32"), np.full((1, 2), 2.0, dtype="float32")
    np.testing.assert_allclose(model([y, x]).numpy(), x + y)


def test_inputs_that_do_not_feed_the_outputs_are_refused():
    a, h, out = _graph()
    other = Input(shape=(3,), name="other")
    with pytest.raises(ValueError, match=r"Please make sure the tensor <KerasTensor: shape=\(None, 3\) .*'a'"):
        Model(layers.Dense(1, name="d3")(other), layers.Add(name="sum")([out, layers.Dense(2)(other)]))
    with pytest.raises(ValueError, match="disconnected from the outputs"):
        Model([h, layers.Dense(1, name="stray")(other)], out)
