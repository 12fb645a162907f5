import numpy as np
import pytest

from kerasx.engine.input_layer import Input
from kerasx.engine.sequential import Sequential

from tests.engine.engine_test_layers import Linear, Twice


def test_list_constructor_with_input_shape_builds_the_graph(backend):
    model = Sequential([Linear(4, input_shape=(3,)), Linear(2)])
    assert model.built and model.name == "sequential"
    assert [l.name for l in model.layers] == ["linear", "linear_1"]
    assert model.output_shape == (None, 2) and model.inputs[0]._keras_history[0].name == "linear_input"
    np.testing.assert_allclose(model(np.ones((1, 3), dtype="float32")).numpy(), [[12.0, 12.0]])


def test_add_and_deferred_build_on_first_data(backend):
    model = Sequential()
    model.add(Linear(4))
    model.add(Linear(2))
    assert not model.built
    with pytest.raises(ValueError, match="This model has not yet been built"):
        model.summary()
    model(np.ones((5, 3), dtype="float32"))
    assert model.built and model.input_shape == (None, 3) and model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_input_tensor_first(backend):
    model = Sequential()
    model.add(Input(shape=(6,)))
    model.add(Linear(1))
    assert model.output_shape == (None, 1) and len(model.layers) == 1


def test_pop(backend):
    model = Sequential([Linear(4, input_shape=(3,)), Linear(2)])
    model.pop()
    assert model.output_shape == (None, 4) and len(model.layers) == 1
    model.pop()
    with pytest.raises(TypeError, match="There are no layers in the model."):
        model.pop()


def test_build_method(backend):
    model = Sequential([Linear(2)])
    model.build((None, 7))
    assert model.built and model.layers[0].kernel.shape == (7, 2)


def test_errors():
    with pytest.raises(TypeError, match="The added layer must be an instance of class Layer"):
        Sequential().add("dense")
    model = Sequential([Linear(1, name="same")])
    with pytest.raises(ValueError, match='Name "same" is already the name of a layer in this model'):
        model.add(Linear(1, name="same"))
    with pytest.raises(ValueError, match="should have a single output tensor"):
        Sequential([Linear(2, input_shape=(2,)), Twice()])


def test_model_weights_are_listed_layer_by_layer_as_tf_keras():
    # tf.keras's Model.weights: each layer's weights in turn (its trainable, then non-trainable ones),
    # not every trainable weight of the model first; get_weights lists from tf.keras line up with ours.
    import kerasx as keras
    from kerasx import layers
    model = keras.Sequential([layers.Dense(3, input_shape=(2,), name="d1"),
                              layers.BatchNormalization(name="bn"), layers.Dense(1, name="d2")])
    assert [w.name for w in model.weights] == [
        "d1/kernel:0", "d1/bias:0", "bn/gamma:0", "bn/beta:0", "bn/moving_mean:0",
        "bn/moving_variance:0", "d2/kernel:0", "d2/bias:0"]
    assert [w.name for w in model.trainable_weights] == [
        "d1/kernel:0", "d1/bias:0", "bn/gamma:0", "bn/beta:0", "d2/kernel:0", "d2/bias:0"]
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(2, 3), (3,), (3,), (3,), (3,), (3,), (3, 1), (1,)]


def test_a_nested_sequential_with_an_input_shape_builds_the_outer_one(backend, tmp_path):
    import kerasx as keras
    from kerasx import layers
    inner = keras.Sequential([layers.Dense(4, input_shape=(3,), name="inner_dense")], name="inner")
    model = keras.Sequential([inner, layers.Dense(2, name="head")])
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 2)
    # tf.keras names the implicit input after the first layer.
    assert model.inputs[0]._keras_history[0].name == "inner_input"
    lines = []
    model.summary(print_fn=lines.append)
    assert any(line.startswith("inner (Sequential)") and "(None, 4)" in line for line in lines)
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x), model.layers[1](inner(x)).numpy(), rtol=1e-6)
    path = str(tmp_path / "nested.h5")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == ["Sequential", "Dense"]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_nested_functional_model_or_input_built_sequential_gives_its_input(backend):
    import kerasx as keras
    from kerasx import layers
    inputs = keras.Input(shape=(6,))
    functional = keras.Model(inputs, layers.Dense(3)(inputs))
    from_input = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(6)])
    for first, width in ((functional, 6), (from_input, 5)):
        model = keras.Sequential([first, layers.Dense(1)])
        assert model.built and model.input_shape == (None, width) and model.output_shape == (None, 1)
    model = keras.Sequential([from_input, functional, layers.Dense(1)])
    assert model.output_shape == (None, 1)


def test_a_layer_that_cannot_take_the_output_leaves_the_model_unchanged(backend):
    model = Sequential([Linear(4, input_shape=(3,))])
    bad = Linear(2)
    bad.build((None, 7))  # now it expects 7 features, the model gives 4
    with pytest.raises(ValueError, match='layer "linear_1"'):
        model.add(bad)
    assert [l.name for l in model.layers] == ["linear"] and model.output_shape == (None, 4)
    model.add(Linear(2, name="linear_1_again"))
    assert model.output_shape == (None, 2)
    first = Sequential()
    expected = r"expected last dimension 7, received input with shape \(None, 3\)"
    with pytest.raises(ValueError, match=expected):
        first.add(_prebuilt_linear(2, inputs=7, input_shape=(3,)))
    assert first.layers == [] and not first.built and first.inputs == []


def _prebuilt_linear(units, inputs, **kwargs):
    layer = Linear(units, **kwargs)
    layer.build((None, inputs))
    return layer


def test_pop_of_the_only_layer_forgets_the_input_it_brought(backend):
    model = Sequential([Linear(4, input_shape=(3,))])
    model.pop()
    assert not model.built and model.inputs == [] and model.layers == []
    model.add(Linear(2))
    model.build((None, 5))
    assert model.input_shape == (None, 5)
    with_input = Sequential([Input(shape=(3,)), Linear(4)])
    with_input.pop()
    with_input.add(Linear(1))
    assert with_input.output_shape == (None, 1)


def test_building_a_sequential_does_work_linear_in_its_length(backend, monkeypatch):
    # A deterministic stand-in for time: how often the graph code reads a node's parents. Each layer
    # added should cost the same, whatever the length (re-walking the graph per add made it quadratic).
    from kerasx.engine.keras_tensor import Node
    reads = [0]
    parents = Node.parent_nodes.fget

    def counted(node):
        reads[0] += 1
        return parents(node)

    monkeypatch.setattr(Node, "parent_nodes", property(counted))
    calls = []
    for n in (10, 20, 40):
        reads[0] = 0
        stack = [Linear(2, input_shape=(2,))] + [Linear(2) for _ in range(n - 1)]
        model = Sequential(stack)
        calls.append(reads[0])
        assert len(model.layers) == n and all(len(l.inbound_nodes) == 1 for l in stack)
    assert calls[1] - calls[0] == (calls[2] - calls[1]) / 2, calls


def test_rank_one_columns_fit_an_input_shape_of_one(backend):
    # tf.keras's Sequential with an input shape is a graph network: (batch,) data meets (batch, 1) there.
    model = Sequential([Linear(1, input_shape=(1,))])  # kernel of ones, bias zero
    x = np.array([1.0, 2.0, 3.0], dtype="float32")
    np.testing.assert_allclose(model(x).numpy(), x[:, None])
    model.compile("sgd", "mse")
    history = model.fit(x, np.zeros(3, dtype="float32"), epochs=2, batch_size=3, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
