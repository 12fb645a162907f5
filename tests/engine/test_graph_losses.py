"""`model.add_loss` / `model.add_metric` of symbolic tensors on a functional model, and `add_loss` of
zero-argument callables, as tf.keras 2.x: values against NumPy, gradients, History keys, the AddLoss /
AddMetric layers in the config (h5 round trip, clone), errors."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers, ops
from kerasx.engine.keras_tensor import KerasTensor

RNG = np.random.default_rng(3)
X = RNG.standard_normal((6, 4)).astype("float32")
Y = RNG.standard_normal((6, 1)).astype("float32")


class MeanOf(layers.Layer):
    """The mean of its input, a scalar: the symbolic loss of these tests."""

    def call(self, inputs):
        return ops.mean(inputs)

    def compute_output_shape(self, input_shape):
        return ()


def _model(with_metric=True):
    inputs = keras.Input((4,))
    dense = layers.Dense(3, kernel_initializer="glorot_uniform", bias_initializer="random_normal", name="hidden")
    x = dense(inputs)
    out = layers.Dense(1, name="out")(x)
    model = keras.Model(inputs, out)
    model.add_loss(MeanOf(name="mean_of")(x))
    if with_metric:
        model.add_metric(x, name="mean_x")
    return model, dense


def _hidden(model, x):
    w, b = model.get_layer("hidden").get_weights()
    return x @ w + b


def test_symbolic_loss_and_metric_values(backend):
    model, _ = _model()
    assert [l.name for l in model.layers][-3:] == ["mean_of", "add_loss", "add_metric"]
    assert model.metrics_names == ["mean_x"]
    model.compile("sgd", "mse")
    results = model.evaluate(X, Y, batch_size=6, verbose=0, return_dict=True)
    assert model.metrics_names == ["loss", "mean_x"]
    h = _hidden(model, X)
    w, b = model.get_layer("out").get_weights()
    mse = float(np.mean((h @ w + b - Y) ** 2))
    assert results["loss"] == pytest.approx(mse + float(h.mean()), rel=1e-5, abs=1e-6)
    assert results["mean_x"] == pytest.approx(float(h.mean()), rel=1e-5, abs=1e-6)
    # The loss is recomputed from the inputs of each call.
    model(X[:2])
    np.testing.assert_allclose(model.losses[0].numpy(), _hidden(model, X[:2]).mean(), rtol=1e-5)


def test_history_has_the_metric_and_its_val_twin(backend):
    model, _ = _model()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = _hidden(model, X).mean()
    history = model.fit(X, Y, batch_size=6, epochs=2, validation_data=(X, Y), verbose=0).history
    assert sorted(history) == ["loss", "mean_x", "val_loss", "val_mean_x"]
    # One batch per epoch: the training metric is that of the weights before the step, val after it.
    assert history["mean_x"][0] == pytest.approx(float(before), rel=1e-5, abs=1e-6)
    assert history["val_mean_x"][-1] == pytest.approx(float(_hidden(model, X).mean()), rel=1e-5, abs=1e-6)


def test_gradients_include_the_added_loss(backend):
    inputs = keras.Input((4,))
    dense = layers.Dense(3, name="hidden")
    x = dense(inputs)
    model = keras.Model(inputs, layers.Dense(1, name="out")(x))
    model.add_loss(MeanOf()(x))
    model.compile(keras.optimizers.SGD(0.5))  # no compiled loss: only the added one
    w0, b0 = dense.get_weights()
    out_before = model.get_layer("out").get_weights()
    loss = model.train_on_batch(X)
    assert loss == pytest.approx(float((X @ w0 + b0).mean()), rel=1e-5, abs=1e-6)
    w1, b1 = dense.get_weights()
    # d mean(X W + b) / dW[i, j] = sum_b X[b, i] / (batch * units); / db[j] = 1 / units.
    np.testing.assert_allclose(w1, w0 - 0.5 * np.repeat(X.sum(0)[:, None] / (6 * 3), 3, axis=1), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(b1, b0 - 0.5 / 3, rtol=1e-5, atol=1e-6)
    for a, b in zip(model.get_layer("out").get_weights(), out_before):
        np.testing.assert_array_equal(a, b)  # the output layer is not on the loss's path


def test_callable_loss_is_evaluated_on_each_read(backend):
    inputs = keras.Input((4,))
    dense = layers.Dense(3, kernel_initializer="ones")
    model = keras.Model(inputs, dense(inputs))
    model.add_loss(lambda: ops.multiply(ops.mean(dense.kernel), 2.0))
    model.add_loss([lambda: None, None])  # skipped, as in tf.keras
    assert len(model.losses) == 1 and model.losses[0].numpy() == pytest.approx(2.0)
    dense.kernel.assign(np.full((4, 3), 3.0, "float32"))
    assert model.losses[0].numpy() == pytest.approx(6.0)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    loss = model.train_on_batch(X, np.zeros((6, 3), "float32"))
    pred = X @ np.full((4, 3), 3.0)
    assert loss == pytest.approx(float(np.mean(pred ** 2)) + 6.0, rel=1e-5)
    # The penalty's gradient 2 / 12 per entry is part of the step.
    mse_grad = X.T @ (2 * pred / pred.size)
    np.testing.assert_allclose(dense.kernel.numpy(), 3.0 - 0.1 * (mse_grad + 2.0 / 12), rtol=1e-5)


def test_h5_round_trip_keeps_the_added_loss_and_metric(backend, tmp_path):
    model, _ = _model()
    model.compile("sgd", "mse")
    config = model.get_config()
    add_loss, add_metric = config["layers"][-2:]
    assert add_loss["class_name"] == "AddLoss" and add_loss["config"]["unconditional"] is False
    assert add_loss["inbound_nodes"] == [[["mean_of", 0, 0, {}]]]
    assert add_metric["class_name"] == "AddMetric"
    assert (add_metric["config"]["aggregation"], add_metric["config"]["metric_name"]) == ("mean", "mean_x")
    expected = model.evaluate(X, Y, verbose=0, return_dict=True)
    model.save(tmp_path / "m.h5")
    restored = keras.models.load_model(tmp_path / "m.h5", custom_objects={"MeanOf": MeanOf})
    assert [l.name for l in restored.layers] == [l.name for l in model.layers]
    got = restored.evaluate(X, Y, verbose=0, return_dict=True)
    assert restored.metrics_names == ["loss", "mean_x"]
    for key in expected:
        assert got[key] == pytest.approx(expected[key], rel=1e-6)
    assert restored.get_config() == config
    clone = keras.models.clone_model(model)
    assert [type(l).__name__ for l in clone.layers][-3:] == ["MeanOf", "AddLoss", "AddMetric"]
    clone(X)
    assert len(clone.losses) == 1


def test_errors_change_nothing():
    model, _ = _model(with_metric=False)
    names = [l.name for l in model.layers]
    other = keras.Input((4,), name="other_input")
    foreign = layers.Dense(1)(other)
    with pytest.raises(ValueError, match='Graph disconnected: add_loss of model "model" received the symbolic '
                                         'tensor .* which depends on input "other_input", not an input of '
                                         r"this model \(its inputs: \['input_1'\]\)"):
        model.add_loss([MeanOf()(model.layers[1].output), foreign])
    with pytest.raises(ValueError, match='Graph disconnected: add_metric of model "model"'):
        model.add_metric(foreign, name="foreign")
    with pytest.raises(ValueError, match='add_loss of model "model" expects a symbolic tensor made by a layer '
                                         "of its graph; received <KerasTensor"):
        model.add_loss(KerasTensor((None, 2)))
    with pytest.raises(ValueError, match="Please provide a name for your metric like"):
        model.add_metric(model.output)
    with pytest.raises(ValueError, match="We currently support only `mean` sample-wise metric aggregation. "
                                         "You provided aggregation=`sum`"):
        model.add_metric(model.output, name="s", aggregation="sum")
    with pytest.raises(ValueError, match="Expected a symbolic Tensors or a callable for the loss value. Please "
                                         "wrap your loss computation in a zero argument `lambda`."):
        model.add_loss(ops.ones(()))
    with pytest.raises(TypeError, match="Unknown keyword arguments"):
        model.add_loss(lambda: 1.0, scale=2)
    assert [l.name for l in model.layers] == names and model.metrics_names == [] and len(model.losses) == 0
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match='Sequential model "sequential" cannot add_loss the symbolic tensor '
                                         "<KerasTensor.*belong to a functional model"):
        seq.add_loss(seq.layers[0].output)
    with pytest.raises(ValueError, match='Sequential model "sequential" cannot add_metric the symbolic tensor'):
        seq.add_metric(seq.layers[0].output, name="m")
    assert seq.losses == [] and seq.metrics_names == []
    dense = layers.Dense(2, name="plain")
    with pytest.raises(ValueError, match=r'Layer "plain" \(Dense\) cannot add the symbolic tensor '
                                         "<KerasTensor.*only a functional model"):
        dense.add_loss(model.output)
