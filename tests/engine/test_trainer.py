"""`compile`/`fit`/`evaluate`/`predict` and the `*_on_batch` methods, as tf.keras 2.x behaves."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.utils import set_random_seed


def _classifier(seed=0, units=3):
    set_random_seed(seed)
    return keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                             layers.Dense(units, activation="softmax")])


def _classification_data(n=64, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")
    return x, y


def _regression(seed=0):
    set_random_seed(seed)
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(48, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    return model, x, y


def test_fit_reduces_the_loss_and_returns_history(backend):
    model, x, y = _regression()
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 8 and losses[-1] < 0.2 * losses[0]
    assert history is model.history and history.epoch == list(range(8))
    assert all(isinstance(v, float) for v in losses)


@pytest.mark.parametrize("name", ["acc", "accuracy"])
def test_history_keys_keep_the_metric_name_given(backend, name):
    x, y = _classification_data()
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=[name])
    history = model.fit(x, y, epochs=2, validation_data=(x[:16], y[:16]), verbose=0)
    assert list(history.history) == ["loss", name, "val_loss", "val_" + name]
    assert model.metrics_names == ["loss", name]


def test_metrics_names_empty_until_the_first_batch(backend):
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy", "mae"])
    assert model.metrics_names == []
    x, y = _classification_data()
    model.train_on_batch(x, y)
    assert model.metrics_names == ["loss", "accuracy", "mae"]


def test_validation_split_uses_last_samples(backend):
    x, y = _classification_data(50)
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=1, validation_split=0.2, shuffle=False, verbose=0)
    expected = model.evaluate(x[40:], y[40:], verbose=0)
    # The weights did not change after the epoch's validation ran.
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)


def test_validation_freq(backend):
    x, y = _classification_data()
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=4, validation_data=(x, y), validation_freq=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    history = model.fit(x, y, epochs=3, validation_data=(x, y), validation_freq=[1, 3], verbose=0)
    assert len(history.history["val_loss"]) == 2


def test_shuffled_fit_is_reproducible_with_set_random_seed(backend):
    x, y = _classification_data()

    def train():
        model = _classifier(seed=5)
        model.compile("sgd", "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model.get_weights()
    first, second = train(), train()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_shuffle_changes_the_result(backend):
    x, y = _classification_data()

    def train(shuffle):
        model = _classifier(seed=5)
        model.compile("sgd", "sparse_categorical_crossentropy")
        set_random_seed(9)
        model.fit(x, y, epochs=1, batch_size=16, shuffle=shuffle, verbose=0)
        return model.get_weights()[0]
    assert not np.array_equal(train(True), train(False))


def test_initial_epoch(backend):
    model, x, y = _regression()
    history = model.fit(x, y, epochs=5, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3, 4]


def test_fit_on_repeated_dataset_with_steps_per_epoch(backend):
    # The seed tutorial: dataset.batch(32).repeat(); fit(dataset, epochs=10, steps_per_epoch=30).
    data = np.random.random((100, 4))
    labels = np.random.random((100, 3))
    dataset = keras.data.Dataset.from_tensor_slices((data, labels)).batch(32).repeat()
    val = keras.data.Dataset.from_tensor_slices((data[:40], labels[:40])).batch(32).repeat()
    model = _classifier()
    model.compile(keras.optimizers.SGD(0.01), loss="categorical_crossentropy",
                  metrics=[keras.metrics.categorical_accuracy])
    history = model.fit(dataset, epochs=3, steps_per_epoch=5, validation_data=val, validation_steps=2,
                        verbose=0)
    assert list(history.history) == ["loss", "categorical_accuracy", "val_loss",
                                     "val_categorical_accuracy"]
    assert len(history.history["loss"]) == 3


def test_fit_generator_and_sequence(backend):
    x, y = _classification_data(32)

    def gen():
        while True:
            for i in range(0, 32, 8):
                yield x[i:i + 8], y[i:i + 8]

    class Seq(keras.utils.Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    assert len(model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0).history["loss"]) == 2
    assert len(model.fit(Seq(), epochs=2, verbose=0).history["accuracy"]) == 2
    assert len(model.evaluate(Seq(), verbose=0)) == 2
    assert model.predict(Seq()).shape == (32, 3)


def test_sample_weight_zero_ignores_samples(backend):
    model, x, y = _regression()
    weights = np.r_[np.ones(24), np.zeros(24)]
    weighted = model.evaluate(x, y, sample_weight=weights, batch_size=48, verbose=0)
    pred = model.predict(x)
    # tf.keras's mean over the batch: sum(w * squared error) / number of samples.
    expected = np.sum(weights * np.mean((pred - y) ** 2, axis=1)) / 48
    assert weighted == pytest.approx(expected, rel=1e-4)
    model.fit(x, y, sample_weight=weights, epochs=1, verbose=0)


def test_class_weight_scales_the_loss(backend):
    x, y = _classification_data(32)
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    base = model.test_on_batch(x, y)
    logs = model.fit(x, y, class_weight={0: 0.0, 1: 0.0, 2: 0.0}, epochs=1, batch_size=32, verbose=0)
    assert logs.history["loss"][0] == 0.0
    assert model.test_on_batch(x, y) == pytest.approx(base)


def test_evaluate_return_types(backend):
    x, y = _classification_data()
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    values = model.evaluate(x, y, verbose=0)
    assert isinstance(values, list) and len(values) == 2
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy"] and logs["loss"] == pytest.approx(values[0])
    probs = model.predict(x)
    assert logs["accuracy"] == pytest.approx(np.mean(np.argmax(probs, 1) == y))


def test_predict_returns_numpy_concatenated(backend):
    x, _ = _classification_data(70)
    model = _classifier()
    out = model.predict(x, batch_size=32)
    assert isinstance(out, np.ndarray) and out.shape == (70, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, model.predict_on_batch(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[:5], model(x[:5].astype("float32")).numpy(), rtol=1e-5, atol=1e-6)


def test_predict_records_no_graph(backend, monkeypatch):
    from kerasx.autodiff import tape as tape_module
    entered = []
    original = tape_module.GradientTape.__enter__
    monkeypatch.setattr(tape_module.GradientTape, "__enter__",
                        lambda self: entered.append(1) or original(self))
    model = _classifier()
    model.predict(np.zeros((10, 4)))
    assert entered == []


def test_training_steps_move_nothing_between_host_and_device(backend):
    """In-memory data: `fit` moves the arrays and each pass's permutation once and reads the logs back
    at the end of the epoch; the steps in between (forward, loss, metrics, optimizer update) move
    nothing, so eight times the steps make the same transfers."""
    x, y = _classification_data(64)
    model = _classifier()
    model.compile(keras.optimizers.Adam(), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, verbose=0)  # builds the model, the optimizer's slots, the metrics
    counts = []
    for batch_size in (32, 4):
        with backend.transfers.counting() as moved:
            model.fit(x, y, batch_size=batch_size, verbose=0)
        counts.append(moved)
    assert counts[0] == counts[1]


def test_on_batch_methods(backend):
    x, y = _classification_data(16)
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    logs = model.train_on_batch(x, y)
    assert isinstance(logs, list) and len(logs) == 2
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    first = model.test_on_batch(x, y, return_dict=True)
    cumulative = model.test_on_batch(x[:8], y[:8], reset_metrics=False, return_dict=True)
    alone = model.test_on_batch(x[:8], y[:8], return_dict=True)
    # Without a reset the running mean covers both calls, weighted by batch size.
    assert cumulative["loss"] == pytest.approx((16 * first["loss"] + 8 * alone["loss"]) / 24, rel=1e-5)
    assert model.predict_on_batch(x).shape == (16, 3)


def test_multi_output_names_and_per_output_losses(backend):
    set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    out_a = layers.Dense(3, activation="softmax", name="class_out")(hidden)
    out_b = layers.Dense(1, name="reg_out")(hidden)
    model = keras.Model(inputs, [out_a, out_b])
    model.compile("sgd", loss={"class_out": "sparse_categorical_crossentropy", "reg_out": "mse"},
                  loss_weights=[1.0, 0.5], metrics={"class_out": "accuracy"})
    x, y = _classification_data()
    history = model.fit(x, [y, x[:, :1]], epochs=1, verbose=0)
    assert list(history.history) == ["loss", "class_out_loss", "reg_out_loss", "class_out_accuracy"]
    logs = model.evaluate(x, [y, x[:, :1]], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["class_out_loss"] + 0.5 * logs["reg_out_loss"], rel=1e-5)
    preds = model.predict(x)
    assert isinstance(preds, list) and preds[0].shape == (64, 3) and preds[1].shape == (64, 1)


def test_one_loss_for_all_outputs(backend):
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, [layers.Dense(1, name="a")(inputs), layers.Dense(1, name="b")(inputs)])
    model.compile("sgd", "mse", metrics=["mae"])
    x = np.random.rand(8, 4)
    history = model.fit(x, [x[:, :1], x[:, 1:2]], verbose=0)
    assert list(history.history) == ["loss", "a_loss", "b_loss", "a_mae", "b_mae"]


def test_subclassed_model_and_regularization_loss(backend):
    class MLP(keras.Model):
        def __init__(self):
            super().__init__(name="mlp")
            self.dense1 = layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.l2(0.1))
            self.dense2 = layers.Dense(3, activation="softmax")

        def call(self, inputs):
            return self.dense2(self.dense1(inputs))

    set_random_seed(0)
    model = MLP()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _classification_data()
    logs = model.fit(x, y, epochs=1, verbose=0)
    assert set(logs.history) == {"loss", "accuracy"}
    probs = model.predict(x)
    kernel = model.dense1.kernel.numpy()
    expected = np.mean(-np.log(probs[np.arange(len(y)), y])) + 0.1 * np.sum(kernel ** 2)
    assert model.evaluate(x, y, batch_size=64, verbose=0)[0] == pytest.approx(expected, rel=1e-4)


class _Linear(keras.Model):
    """A subclassed model (layers in `__init__`, math in `call`) for the custom-step tests."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)

    def call(self, inputs):
        return self.dense(inputs)


def test_custom_train_step_as_in_the_guides_stays_float32(backend):
    seen = {}

    class CustomModel(_Linear):
        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)
            seen["dtypes"] = {x.dtype, y_pred.dtype, loss.dtype} | {g.dtype for g in gradients} | {
                v.dtype for v in trainable_vars}
            self.optimizer.apply_gradients(zip(gradients, trainable_vars))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    set_random_seed(0)
    model = CustomModel()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x = np.random.rand(32, 3)  # float64 data
    history = model.fit(x, x[:, :1], epochs=3, verbose=0)
    assert seen["dtypes"] == {"float32"}
    assert list(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_custom_train_step_without_compiled_loss(backend):
    loss_tracker = keras.metrics.Mean(name="loss")

    class CustomModel(_Linear):
        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = keras.ops.mean(keras.ops.square(y_pred - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            loss_tracker.update_state(loss)
            return {"loss": loss_tracker.result()}

        @property
        def metrics(self):
            return [loss_tracker]

    model = CustomModel()
    model.compile(optimizer="sgd")
    x = np.random.rand(16, 3).astype("float32")
    history = model.fit(x, x[:, :1], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_stop_training_is_honoured_between_batches(backend):
    class StopAfter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            if batch == 1:
                self.model.stop_training = True

    model, x, y = _regression()
    stopper = StopAfter()
    history = model.fit(x, y, epochs=5, batch_size=8, callbacks=[stopper], verbose=0)
    assert stopper.batches == 2 and history.epoch == [0]


def test_steps_per_execution(backend):
    model, x, y = _regression()
    model.compile("sgd", "mse", steps_per_execution=4)
    ends = []
    cb = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: ends.append(batch))
    model.fit(x, y, batch_size=8, epochs=1, callbacks=[cb], verbose=0)
    assert ends == [3, 5]


# ---------------------------------------------------------------- errors
def test_fit_before_compile_error(backend):
    model = _classifier()
    message = r"You must compile your model before training/testing. Use `model.compile\(optimizer, loss\)`."
    with pytest.raises(RuntimeError, match=message):
        model.fit(np.zeros((4, 4)), np.zeros(4))
    with pytest.raises(RuntimeError, match=message):
        model.evaluate(np.zeros((4, 4)), np.zeros(4))
    with pytest.raises(RuntimeError, match=message):
        model.train_on_batch(np.zeros((4, 4)), np.zeros(4))


def test_fit_mismatched_lengths_error(backend):
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Data cardinality is ambiguous:\n  x sizes: 10\n  y sizes: 9\n"
                                         r"Make sure all arrays contain the same number of samples."):
        model.fit(np.zeros((10, 4)), np.zeros(9))


def test_validation_split_with_generator_error(backend):
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    gen = ((np.zeros((2, 4)), np.zeros(2)) for _ in range(3))
    with pytest.raises(ValueError, match=r"`validation_split` is only supported for Tensors or NumPy arrays, "
                                         r"found following types in the input: \[<class 'generator'>\]"):
        model.fit(gen, validation_split=0.5)


def test_compile_invalid_kwarg_error(backend):
    model = _classifier()
    with pytest.raises(TypeError, match=r"Invalid keyword argument\(s\) in `compile`: \{'metircs'\}"):
        model.compile("sgd", "mse", metircs=["accuracy"])
    model.compile("sgd", "mse", sample_weight_mode=None)


def test_missing_target_and_missing_loss_errors(backend):
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="Target data is missing. Your model was compiled with "
                                         "loss=sparse_categorical_crossentropy, and therefore expects "
                                         "target data to be provided in `fit\\(\\)`."):
        model.fit(np.zeros((4, 4)), verbose=0)
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss found. You may have forgotten to provide a `loss` "
                                         "argument in the `compile\\(\\)` method."):
        model.fit(np.zeros((4, 4)), np.zeros(4), verbose=0)


def test_validation_freq_type_error(backend):
    model, x, y = _regression()
    with pytest.raises(ValueError, match="Expected `validation_freq` to be a list or int. Received: "
                                         "validation_freq=1.5 of the type <class 'float'>."):
        model.fit(x, y, validation_data=(x, y), validation_freq=1.5)


def test_evaluate_unknown_kwarg_error(backend):
    model, x, y = _regression()
    with pytest.raises(TypeError, match=r"Invalid keyword arguments: \['foo'\]"):
        model.evaluate(x, y, foo=1)


def test_empty_data_error(backend):
    model, _, _ = _regression()
    with pytest.raises(ValueError, match="Expect x to be a non-empty array or dataset."):
        model.fit(np.zeros((0, 3)), np.zeros((0, 1)), verbose=0)


# ---------------------------------------------------------------- sparse labels out of range
def _state(model):
    """Everything a rejected step must leave as it was: weights, the optimizer's step count and slots,
    every metric's state."""
    metric_vars = [v.numpy() for m in model.metrics for v in m.variables]
    slots = [v.numpy() for v in model.optimizer.variables()]
    return [w.numpy() for w in model.weights], slots, metric_vars


def _assert_same_state(before, after):
    for old, new in zip(before, after):
        assert len(old) == len(new)
        for a, b in zip(old, new):
            np.testing.assert_array_equal(a, b)


def _sparse_classifier(loss="sparse_categorical_crossentropy"):
    model = _classifier()
    if not isinstance(loss, str):  # from_logits: the last layer gives logits
        model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)), layers.Dense(3)])
    model.compile("adam", loss, metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
    x, y = _classification_data(16)
    model.fit(x, y, batch_size=8, verbose=0)  # slots and metrics exist, with values to keep
    return model, x, y


def _assert_same_training_state(before, after):
    """`fit` and `evaluate` reset the metrics when they begin (as tf.keras's), so only weights and the
    optimizer's state are theirs to keep; the `*_on_batch` methods (reset_metrics=False) keep all."""
    _assert_same_state(before[:2], after[:2])


@pytest.mark.parametrize("bad", [-1, 5])
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "sparse_logits"])
@pytest.mark.parametrize("call", ["fit", "train_on_batch", "evaluate", "test_on_batch"])
def test_sparse_labels_out_of_range_are_rejected_before_any_state_changes(backend, bad, loss, call):
    if loss == "sparse_logits":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model, x, y = _sparse_classifier(loss)
    y = y.copy()
    y[11] = bad
    before = _state(model)
    message = (f"sparse_categorical_crossentropy received a label value of {bad} which is outside the "
               r"valid range of \[0, 3\): labels must be class indices for predictions with 3 classes.")
    with pytest.raises(ValueError, match=message):
        if call == "fit":
            model.fit(x, y, batch_size=8, verbose=0)
        elif call == "evaluate":
            model.evaluate(x, y, batch_size=8, verbose=0)
        else:
            getattr(model, call)(x[8:], y[8:], reset_metrics=False)
    check = _assert_same_training_state if call in ("fit", "evaluate") else _assert_same_state
    check(before, _state(model))
    assert int(model.optimizer.iterations.numpy()) == 2


def test_sparse_labels_out_of_range_from_a_generator_and_float_labels(backend):
    model, x, y = _sparse_classifier()
    bad = y.astype("float32")
    bad[3] = 3.0

    def gen():
        yield x[:8], bad[:8]

    before = _state(model)
    with pytest.raises(ValueError, match=r"received a label value of 3 which is outside the valid range "
                                         r"of \[0, 3\)"):
        model.fit(gen(), steps_per_epoch=1, verbose=0)
    _assert_same_training_state(before, _state(model))


def test_a_second_outputs_bad_labels_leave_the_first_outputs_loss_metric_alone(backend):
    set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    out_a = layers.Dense(3, activation="softmax", name="a")(inputs)
    out_b = layers.Dense(2, activation="softmax", name="b")(inputs)
    model = keras.Model(inputs, [out_a, out_b])
    model.compile("sgd", loss="sparse_categorical_crossentropy")
    x, y = _classification_data(16)
    model.fit(x, [y, y], verbose=0)
    before = _state(model)
    with pytest.raises(ValueError, match=r"label value of 2 which is outside the valid range of \[0, 2\)"):
        model.train_on_batch(x, [y, 2 * y], reset_metrics=False)
    _assert_same_state(before, _state(model))


def test_one_hot_labels_to_a_sparse_loss_say_so(backend):
    model, x, y = _sparse_classifier()
    before = _state(model)
    message = (r"sparse_categorical_crossentropy expects integer class indices as labels, of shape "
               r"\(16,\) or \(16, 1\), but received labels of shape \(16, 3\), the shape of the "
               r"predictions: they look one-hot encoded. Use categorical_crossentropy for one-hot labels")
    with pytest.raises(ValueError, match=message):
        model.train_on_batch(x, np.eye(3)[y], reset_metrics=False)
    _assert_same_state(before, _state(model))


def test_missing_gradients_warn_once_over_a_multi_batch_fit(backend, caplog):
    # tf.keras logs it when it traces the train function, so once, not once per batch.
    import logging
    set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    out_a = layers.Dense(1, name="a")(inputs)
    out_b = layers.Dense(1, name="b")(inputs)
    model = keras.Model(inputs, [out_a, out_b])
    model.compile("sgd", loss={"a": "mse"})  # nothing reaches the weights of "b"
    x, y = _classification_data(32)
    with caplog.at_level(logging.WARNING, logger="kerasx"):
        model.fit(x, [y, y], batch_size=8, epochs=2, verbose=0)
        model.train_on_batch(x, [y, y])
    records = [r for r in caplog.records if "Gradients do not exist" in r.getMessage()]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].levelno == logging.WARNING
    assert records[0].getMessage() == (
        "Gradients do not exist for variables ['b/kernel:0', 'b/bias:0'] when minimizing the loss. If "
        "you're using `model.compile()`, did you forget to provide a `loss` argument?")
