"""`Model` subclasses built from a functional graph (`CustomModel(inputs, outputs)`), the tf.keras guide's
recipe for customising `fit`: overridden `train_step`/`test_step`/`predict_step`/`metrics`, and saving."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.engine.functional import Functional
from kerasx.utils import set_random_seed


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3
    return x, y


class CompiledLossModel(keras.Model):
    """The guide's first version: the step uses `compiled_loss` and `compiled_metrics`."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        self.compiled_metrics.update_state(y, y_pred)
        self.train_steps_run = getattr(self, "train_steps_run", 0) + 1
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred)
        self.test_steps_run = getattr(self, "test_steps_run", 0) + 1
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        # Predictions doubled, so the test can see that this step is the one `predict` runs.
        return self(data, training=False) * 2.0


def _functional(cls, seed=0):
    set_random_seed(seed)
    inputs = keras.Input(shape=(3,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    outputs = layers.Dense(1)(hidden)
    return cls(inputs, outputs)


def test_a_model_subclass_called_with_inputs_and_outputs_is_a_graph_of_its_own_class(backend):
    model = _functional(CompiledLossModel)
    assert type(model) is CompiledLossModel
    assert isinstance(model, Functional) and isinstance(model, keras.Model)
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense", "Dense"]
    assert model.input_shape == (None, 3) and model.output_shape == (None, 1)
    # The keyword form too, with a name.
    inputs = keras.Input(shape=(2,))
    named = CompiledLossModel(inputs=inputs, outputs=layers.Dense(1)(inputs), name="custom")
    assert named.name == "custom" and type(named) is CompiledLossModel


def test_fit_evaluate_and_predict_run_the_overridden_steps(backend):
    model = _functional(CompiledLossModel)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    x, y = _data()
    history = model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    assert model.train_steps_run == 6 * 4
    losses = history.history["loss"]
    assert set(history.history) == {"loss", "mae"} and losses[-1] < 0.5 * losses[0]
    result = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert model.test_steps_run == 2 and set(result) == {"loss", "mae"}
    expected_mse = float(np.mean((model(x).numpy() - y) ** 2))
    np.testing.assert_allclose(result["loss"], expected_mse, rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, batch_size=16), 2.0 * model(x).numpy(), rtol=1e-6)


class OwnTrackersModel(keras.Model):
    """The guide's second version: its own Mean trackers, listed in `metrics` so that `fit` resets them
    at the start of every epoch; compiled without a loss."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = keras.ops.mean(keras.losses.mean_squared_error(y, y_pred))
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def test_own_trackers_listed_in_metrics_are_reset_every_epoch(backend):
    model = _functional(OwnTrackersModel)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    x, y = _data()
    weights_before = [w.numpy() for w in model.trainable_weights]
    history = model.fit(x, y, batch_size=64, epochs=3, verbose=0, shuffle=False)
    # One batch per epoch: with the trackers reset each epoch, an epoch's loss is that batch's loss
    # alone (a running mean over all epochs would lie between the first and the last).
    set_random_seed(0)
    replay = _functional(OwnTrackersModel)
    replay.set_weights(weights_before)
    optimizer = keras.optimizers.SGD(0.05)
    expected = []
    for _ in range(3):
        with keras.GradientTape() as tape:
            loss = keras.ops.mean(keras.losses.mean_squared_error(y, replay(x, training=True)))
        expected.append(float(loss.numpy()))
        grads = tape.gradient(loss, replay.trainable_variables)
        optimizer.apply_gradients(zip(grads, replay.trainable_variables))
    np.testing.assert_allclose(history.history["loss"], expected, rtol=1e-5)
    assert model.metrics_names == ["loss", "mae"]


def test_save_and_load_give_the_class_and_the_predictions_back(backend, tmp_path):
    model = _functional(CompiledLossModel)
    model.compile(optimizer="adam", loss="mse")
    x, y = _data()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    path = str(tmp_path / "custom.h5")
    model.save(path)
    with pytest.raises(ValueError, match="CompiledLossModel"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"CompiledLossModel": CompiledLossModel})
    assert type(loaded) is CompiledLossModel
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    # The loaded model trains on with its own train_step.
    loaded.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert loaded.train_steps_run == 2


class Recorder(layers.Layer):
    """Keeps the last input it saw (its `call` takes no `training` argument either)."""

    def call(self, x):
        self.last = x.numpy()
        return x


class NoTrainingArgumentModel(keras.Model):
    """A subclassed model whose `call` takes no `training` argument: its layers must still follow the
    flag that `fit` (training) and `predict`/`evaluate` (inference) give the model."""

    def __init__(self):
        super().__init__()
        self.norm = layers.BatchNormalization()
        self.dropout = layers.Dropout(0.5)
        self.recorder = Recorder()
        self.dense = layers.Dense(1, kernel_initializer="ones")

    def call(self, x):
        return self.dense(self.recorder(self.dropout(self.norm(x))))


def _fitted_no_training_argument_model():
    set_random_seed(0)
    model = NoTrainingArgumentModel()
    # A zero learning rate: only the training flag can make the layers behave differently.
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = (np.random.default_rng(0).normal(size=(64, 50)) + 5.0).astype("float32")
    y = np.zeros((64, 1), "float32")
    model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=False)
    return model, x, y


def test_fit_trains_batch_norm_and_dropout_inside_a_call_without_training(backend):
    model, x, _ = _fitted_no_training_argument_model()
    # One training step moved the moving mean from 0 towards the batch mean by (1 - momentum).
    np.testing.assert_allclose(model.norm.moving_mean.numpy(), 0.01 * x.mean(axis=0), rtol=1e-4)
    dropped = np.mean(model.recorder.last == 0.0)
    assert 0.3 < dropped < 0.7, dropped


def test_predict_and_evaluate_of_such_a_model_run_in_inference_mode(backend):
    model, x, y = _fitted_no_training_argument_model()
    moving_mean = model.norm.moving_mean.numpy()
    first = model.predict(x, batch_size=16)
    assert np.all(model.recorder.last != 0.0)  # no dropout
    np.testing.assert_array_equal(model.predict(x, batch_size=16), first)
    np.testing.assert_allclose(first, model(x, training=False).numpy(), rtol=1e-6)
    loss = model.evaluate(x, y, batch_size=16, verbose=0)
    np.testing.assert_allclose(loss, np.mean(first ** 2), rtol=1e-5)
    assert np.all(model.recorder.last != 0.0)
    np.testing.assert_array_equal(model.norm.moving_mean.numpy(), moving_mean)


def test_a_model_subclass_given_one_positional_argument_says_what_it_takes():
    class OneArgument(keras.Model):
        def __init__(self, *args):
            super().__init__(*args)

    with pytest.raises(TypeError, match=r"Model\(\) takes inputs and outputs together; received 1 "
                                        r"positional argument\(s\)\."):
        OneArgument(keras.Input(shape=(2,)))
    assert not issubclass(OneArgument, Functional)  # not made a graph model by the failed call
