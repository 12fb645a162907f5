import numpy as np
import pytest

import kerasx as keras
from kerasx import GradientTape, layers, ops
from kerasx.engine.functional import Functional
from kerasx.engine.input_layer import Input
from kerasx.engine.model import Model

from tests.engine.engine_test_layers import Linear, TrainingEcho, Twice


def test_model_of_inputs_and_outputs_is_functional(backend):
    inp = Input(shape=(3,))
    out = Linear(2)(inp)
    model = Model(inputs=inp, outputs=out)
    assert isinstance(model, Functional)
    assert model.name == "model" and model.input_names == ["input_1"] and model.output_names == ["linear"]
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    np.testing.assert_allclose(model(np.ones((4, 3), dtype="float32")).numpy(), np.full((4, 2), 3.0))


def test_symbolic_shapes_follow_the_layers():
    inp = Input(shape=(5,), batch_size=7)
    out = Linear(4)(inp)
    assert inp.shape == (7, 5) and out.shape == (7, 4) and out.dtype == "float32"
    assert "created by layer 'linear'" in repr(out)


def test_residual_add_shared_layer_and_several_inputs_and_outputs(backend):
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    shared = Linear(2, name="shared")
    ha, hb = shared(a), shared(b)          # one layer, two nodes
    total = ops_add_layer()([ha, hb, a])  # a residual connection from input `a`
    out1, out2 = Twice()(total)
    model = Model([a, b], [out1, out2])
    # tf.keras's order: by decreasing depth, inputs first.
    assert [l.name for l in model.layers] == ["a", "b", "shared", "add", "twice"]
    xa = np.array([[1.0, 2.0]], dtype="float32")
    xb = np.array([[3.0, 4.0]], dtype="float32")
    y1, y2 = model([xa, xb])
    expected = xa @ np.ones((2, 2)) + xb @ np.ones((2, 2)) + xa
    np.testing.assert_allclose(y1.numpy(), expected)
    np.testing.assert_allclose(y2.numpy(), 2 * expected)
    # dict feeding by input name
    y1d, _ = model({"a": xa, "b": xb})
    np.testing.assert_allclose(y1d.numpy(), expected)
    assert len(model.trainable_weights) == 2  # the shared layer's weights count once


def ops_add_layer():
    from kerasx.engine.base_layer import Layer

    class Add(Layer):
        def call(self, inputs):
            out = inputs[0]
            for x in inputs[1:]:
                out = out + x
            return out
    return Add()


def test_gradients_flow_through_the_graph(backend):
    inp = Input(shape=(2,))
    model = Model(inp, Linear(1)(Linear(3)(inp)))
    x = np.array([[1.0, -1.0]], dtype="float32")
    with GradientTape() as tape:
        loss = ops.sum(model(x))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None and g.dtype == "float32" for g in grads)
    # kernel2 = ones(3,1): d/d bias1 = 1 for each unit
    np.testing.assert_allclose(grads[1].numpy(), np.ones(3))


def test_training_flag_passes_through_the_graph(backend):
    inp = Input(shape=(1,))
    model = Model(inp, TrainingEcho()(inp))
    x = np.zeros((1, 1), dtype="float32")
    assert model(x).numpy()[0, 0] == 0.0
    assert model(x, training=True).numpy()[0, 0] == 1.0


def test_wrong_input_shape_names_the_model(backend):
    inp = Input(shape=(32,))
    model = Model(inp, Linear(2)(inp))
    with pytest.raises(ValueError, match=r'Input 0 of layer "model" is incompatible with the layer: expected '
                                         r"shape=\(None, 32\), found shape=\(10, 16\)"):
        model(np.ones((10, 16), dtype="float32"))
    with pytest.raises(ValueError, match="expects 1 input"):
        model([np.ones((1, 32)), np.ones((1, 32))])


def test_rank_one_columns_fit_an_input_of_shape_one(backend):
    # tf.keras's Functional conforms (batch,) and (batch, 1) data to the Input's shape, in fit too.
    inp = Input(shape=(1,))
    model = Model(inp, Linear(2)(inp))
    x = np.array([1.0, 2.0, 3.0], dtype="float32")
    np.testing.assert_allclose(model(x).numpy(), model(x[:, None]).numpy())
    np.testing.assert_allclose(model(x).numpy(), np.repeat(x[:, None], 2, axis=1))  # Linear's kernel is ones
    model.compile("sgd", "mse")
    history = model.fit(x, np.zeros((3, 2), dtype="float32"), epochs=2, batch_size=3, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    flat = Input(shape=(2,))
    model = Model(flat, Linear(1)(flat))
    np.testing.assert_allclose(model(np.ones((4, 2, 1), dtype="float32")).numpy(), np.full((4, 1), 2.0))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 2\), found shape=\(4, 2, 3\)"):
        model(np.ones((4, 2, 3), dtype="float32"))


def test_inputs_must_come_from_input():
    with pytest.raises(ValueError, match="must come from `kerasx.Input`"):
        Model(inputs=np.ones((1, 2)), outputs=Input(shape=(2,)))


def test_get_layer(backend):
    inp = Input(shape=(2,))
    model = Model(inp, Linear(1, name="head")(inp))
    assert model.get_layer("head") is model.layers[1]
    assert model.get_layer(index=0).name == "input_1"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 2 layers"):
        model.get_layer(index=5)


def test_subclassed_model_tracks_its_layers_and_builds(backend):
    class Net(Model):
        def __init__(self):
            super().__init__(name="net")
            self.hidden = Linear(4)
            self.out = Linear(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    net = Net()
    y = net(np.ones((2, 3), dtype="float32"))
    assert y.shape == (2, 1)
    assert [l.name for l in net.layers] == ["linear", "linear_1"]
    assert len(net.trainable_weights) == 4 and net.count_params() == 3 * 4 + 4 + 4 + 1
    np.testing.assert_allclose(y.numpy(), np.full((2, 1), 12.0))


def test_subclassed_model_build_with_a_shape(backend):
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.d = Linear(2)

        def call(self, x):
            return self.d(x)

    net = Net()
    net.build((None, 5))
    assert net.built and net.d.kernel.shape == (5, 2)


def test_unknown_spatial_sizes_use_the_layers_compute_output_shape(backend):
    # The placeholder runs probe unknown sizes with 1 and 2, too small for a 3x3 window; the layer's
    # own compute_output_shape carries None through instead, and the model runs on real sizes.
    import kerasx as keras
    from kerasx import layers
    x = keras.Input((None, None, 3))
    y = layers.MaxPooling2D(3, strides=1)(x)
    assert tuple(y.shape) == (None, None, None, 3)
    assert tuple(layers.Cropping1D(1)(keras.Input((None, 3))).shape) == (None, None, 3)
    model = keras.Model(x, y)
    assert model.predict(np.ones((2, 8, 7, 3), "float32"), verbose=0).shape == (2, 6, 5, 3)


def test_probes_that_agree_on_an_unknown_size_keep_it_unknown(backend):
    # Fills 1 and 2 both give 1 through a stride-2 convolution and 0 through a 3x3/2 'valid' pooling;
    # the layers' compute_output_shape says None, as tf.keras's static shapes do (ResNet50 without top).
    import kerasx as keras
    from kerasx import layers
    x = keras.Input((None, None, 3))
    conv = layers.Conv2D(4, 1, strides=2)(x)
    pooled = layers.MaxPooling2D(3, strides=2)(layers.ZeroPadding2D(1)(conv))
    assert tuple(conv.shape) == tuple(pooled.shape) == (None, None, None, 4)
    assert tuple(layers.Conv2D(4, 1, strides=2)(keras.Input((None, 6, 3))).shape) == (None, None, 3, 4)
    model = keras.Model(x, pooled)
    assert model.predict(np.ones((1, 16, 12, 3), "float32"), verbose=0).shape == (1, 4, 3, 4)


def test_a_symbolic_call_with_training_true_changes_no_state(backend):
    import kerasx as keras
    from kerasx import layers
    bn = layers.BatchNormalization()
    bn(keras.Input((4,)), training=True)
    np.testing.assert_array_equal(bn.moving_variance.numpy(), np.ones(4, "float32"))
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(4, "float32"))


def test_a_layer_that_fails_on_real_shapes_still_raises_its_own_error(backend):
    import kerasx as keras
    from kerasx import layers
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping1D(4)(keras.Input((5, 3)))


def test_a_symbolic_call_keeps_a_stateful_rnns_states(backend):
    import kerasx as keras
    from kerasx import layers
    lstm = layers.LSTM(3, stateful=True, bias_initializer="ones")
    x = keras.Input(batch_shape=(2, 4, 5))
    keras.Model(x, lstm(x))
    assert all(not np.any(s.numpy()) for s in lstm.states)


def test_model_reset_states_zeroes_stateful_layers(backend):
    import kerasx as keras
    from kerasx import layers
    lstm = layers.LSTM(3, stateful=True, bias_initializer="ones")
    model = keras.Sequential([layers.InputLayer(batch_input_shape=(2, 4, 5)), lstm])
    model.predict(np.ones((2, 4, 5), "float32"), verbose=0)
    assert any(np.any(s.numpy()) for s in lstm.states)
    model.reset_states()
    assert all(not np.any(s.numpy()) for s in lstm.states)


# ---------------------------------------------------------------- Model.from_config
def test_model_from_config_rebuilds_a_functional_config(backend):
    x = keras.Input((3,), name="x")
    model = keras.Model(x, layers.Dense(2, name="d")(x), name="net")
    rebuilt = keras.Model.from_config(model.get_config())
    assert type(rebuilt).__name__ == "Functional" and rebuilt.name == "net"
    assert [w.shape for w in rebuilt.weights] == [(3, 2), (2,)]


class _Scaled(keras.Model):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {"factor": self.factor, "name": self.name}


def test_model_from_config_passes_a_subclass_config_to_its_constructor():
    again = _Scaled.from_config(_Scaled(3.0, name="scaled").get_config())
    assert (again.factor, again.name) == (3.0, "scaled")


def test_model_from_config_names_what_the_constructor_missed():
    with pytest.raises(TypeError, match=r"Unable to revive model from config. When overriding `get_config\(\)`, "
                                        r"make sure that the returned config contains all items used as "
                                        r"arguments in the constructor to _Scaled"):
        _Scaled.from_config({"name": "scaled"})


def test_a_float64_model_keeps_float64_inputs_exact(backend):
    # As tf.keras: a graph network (Functional or Sequential) does not autocast its inputs to floatx;
    # its layers cast them to their own dtype. A float64 model used to round inputs through float32.
    from kerasx import layers as L
    x = np.array([[1.0 + 1e-12, 2.0, 3.0]])
    inputs = keras.Input((3,), dtype="float64")
    functional = keras.Model(inputs, L.Lambda(lambda t: t * 1.0, dtype="float64")(inputs))
    sequential = keras.Sequential([keras.Input((3,), dtype="float64"), L.Lambda(lambda t: t * 1.0, dtype="float64")])
    for model in (functional, sequential):
        out = model(x)
        assert out.dtype == "float64"
        np.testing.assert_array_equal(out.numpy(), x)
    # A float32 model still takes float64 data as float32, through its layers.
    float32_model = keras.Sequential([keras.Input((3,)), L.Dense(2)])
    assert float32_model(x).dtype == "float32"


def test_a_graph_deeper_than_the_recursion_limit_builds():
    # The graph walks keep their own stacks: ResNetRS270 chains 1471 layers, past Python's default
    # recursion limit of 1000 frames.
    import sys

    import kerasx as keras
    from kerasx import layers
    x = keras.Input((2,))
    y, chain = x, []
    for _ in range(sys.getrecursionlimit() + 100):
        chain.append(layers.Activation("relu"))
        y = chain[-1](y)
    model = keras.Model(x, layers.Add()([x, y]))
    assert model.layers[1:-1] == chain and len(model.layers) == len(chain) + 2
    np.testing.assert_allclose(model.predict(np.array([[1.0, -1.0]], "float32"), verbose=0), [[2.0, -1.0]])
