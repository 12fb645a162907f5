"""Layer.add_metric / add_loss with tensors inside `call`, and Keras 2's update API as tf.keras 2.x keeps it
eagerly (`updates` empty with a warning, `add_update` applied at once, `get_updates_for`/`get_losses_for`)."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import backend as K
from kerasx import layers, ops


class ActivityTracker(layers.Layer):
    def call(self, inputs):
        self.add_metric(ops.mean(inputs), name="mean_activation")
        self.add_loss(ops.multiply(ops.mean(ops.square(inputs)), 0.5))
        return inputs


X = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
Y = np.zeros((8, 1), "float32")


def _model():
    inp = keras.Input((3,))
    hidden = ActivityTracker()(layers.Dense(2, kernel_initializer="ones", name="first")(inp))
    model = keras.Model(inp, layers.Dense(1, kernel_initializer="zeros")(hidden))
    model.compile("sgd", "mse")
    return model


def test_add_metric_is_logged_by_fit_and_evaluate():
    model = _model()
    history = model.fit(X, Y, batch_size=4, epochs=1, verbose=0, validation_data=(X, Y), shuffle=False)
    assert set(history.history) == {"loss", "mean_activation", "val_loss", "val_mean_activation"}
    assert "mean_activation" in model.metrics_names
    # After the epoch the weights changed: the validation metric is the mean over the whole set, now.
    hidden = X @ model.get_layer("first").get_weights()[0] + model.get_layer("first").get_weights()[1]
    assert history.history["val_mean_activation"][0] == pytest.approx(float(hidden.mean()), rel=1e-5)
    results = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert results["mean_activation"] == pytest.approx(float(hidden.mean()), rel=1e-5)
    # add_loss with a tensor: evaluate's loss is the mse (zero outputs -> 0 + ...) plus the activity loss.
    out = model.predict(X, verbose=0)
    assert results["loss"] == pytest.approx(float((out ** 2).mean() + 0.5 * (hidden ** 2).mean()), rel=1e-5)


def test_add_metric_errors():
    class Unnamed(layers.Layer):
        def call(self, inputs):
            self.add_metric(ops.mean(inputs))
            return inputs

    class Summed(layers.Layer):
        def call(self, inputs):
            self.add_metric(ops.mean(inputs), name="m", aggregation="sum")
            return inputs

    with pytest.raises(ValueError, match="Please provide a name for your metric like"):
        Unnamed()(X)
    with pytest.raises(ValueError, match="We currently support only `mean` sample-wise metric aggregation. "
                                         "You provided aggregation=`sum`"):
        Summed()(X)
    layer = layers.Dense(1)
    with pytest.raises(ValueError, match="Expected a symbolic Tensor for the metric value"):
        layer.add_metric(K.ones(()), name="outside")
    assert layer.__dict__.get("_metrics", []) == []


def test_updates_api_as_tf_keras_eager():
    model = _model()
    with pytest.warns(UserWarning, match="`layer.updates` will be removed in a future version"):
        assert model.updates == []
    with pytest.warns(UserWarning, match="`layer.get_updates_for` is deprecated"):
        assert model.layers[1].get_updates_for(None) == []
    model(X)
    with pytest.warns(UserWarning, match="`layer.get_losses_for` is deprecated .* Please use `layer.losses`"):
        losses = model.get_losses_for(None)
    assert len(losses) == 1
    v = K.variable(np.zeros(2))
    layer = layers.Layer()
    layer.add_update(lambda: v.assign_add(np.ones(2, "float32")))
    layer.add_update([K.update_add(v, np.ones(2, "float32"))])
    np.testing.assert_allclose(v.numpy(), [2.0, 2.0])
