"""Bad arguments to `fit`/`evaluate`/`predict` raise, naming the argument, what was expected and what
was received, before any state changes: weights, optimizer iterations and slots, metric states, and the
callbacks' `on_train_begin` (no CSVLogger file is created)."""
import os

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.data import Dataset
from kerasx.utils import Sequence, set_random_seed


def _trained_classifier():
    """A compiled classifier that has trained one epoch (so Adam's slots and the metrics hold state)."""
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                              layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _data()
    model.fit(x, y, batch_size=16, verbose=0)
    return model


def _data(n=64, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, rng.integers(0, 3, size=n)


def _state(model):
    return {"weights": [w.numpy().copy() for w in model.weights],
            "iterations": int(model.optimizer.iterations.numpy()),
            "slots": [v.numpy().copy() for v in model.optimizer.variables()],
            "metrics": [v.numpy().copy() for m in model.metrics for v in m.variables]}


def _assert_same(before, after):
    assert before["iterations"] == after["iterations"]
    for key in ("weights", "slots", "metrics"):
        assert len(before[key]) == len(after[key]), key
        for a, b in zip(before[key], after[key]):
            np.testing.assert_array_equal(a, b)


def _raises_before_any_state_change(model, tmp_path, call, match, **fit_kwargs):
    """`call(model, callbacks)` raises ValueError matching `match` and changes nothing."""
    before = _state(model)
    log = tmp_path / "log.csv"
    with pytest.raises(ValueError, match=match):
        call(model, [keras.callbacks.CSVLogger(str(log))])
    _assert_same(before, _state(model))
    assert not os.path.exists(log)


def _fit(**kwargs):
    x, y = _data()
    kwargs.setdefault("x", x)
    kwargs.setdefault("y", y)
    return lambda model, cbks: model.fit(verbose=0, callbacks=cbks, **kwargs)


class _Batches(Sequence):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        x, y = _data(8)
        return x, y


# ---------------------------------------------------------------- sizes and counts
@pytest.mark.parametrize("name,value,expected", [
    ("batch_size", 0, "an integer >= 1, or None"),
    ("batch_size", -4, "an integer >= 1, or None"),
    ("batch_size", 2.5, "an integer >= 1, or None"),
    ("validation_batch_size", -1, "an integer >= 1, or None"),
    ("epochs", -1, "an integer >= 0"),
    ("initial_epoch", -2, "an integer >= 0"),
    ("steps_per_epoch", 0, "an integer >= 1 or -1, or None"),
    ("steps_per_epoch", -3, "an integer >= 1 or -1, or None"),
    ("validation_steps", -5, "an integer >= 1 or -1, or None"),
])
def test_fit_refuses_bad_sizes_and_counts(backend, tmp_path, name, value, expected):
    x, y = _data()
    kwargs = {name: value}
    if name.startswith("validation"):
        kwargs["validation_data"] = (x, y)
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(**kwargs),
        f"`{name}` must be {expected}; received {name}={value!r}.")


def test_validation_freq_must_be_positive(backend, tmp_path):
    x, y = _data()
    message = (r"`validation_freq` must be a positive integer \(validate every that many epochs\) or a "
               r"list of epochs counted from 1; received validation_freq={}.")
    model = _trained_classifier()
    _raises_before_any_state_change(model, tmp_path, _fit(validation_data=(x, y), validation_freq=0),
                                    message.format(0))
    _raises_before_any_state_change(model, tmp_path, _fit(validation_data=(x, y), validation_freq=[0, 2]),
                                    message.format(r"\[0, 2\]"))


def test_evaluate_and_predict_refuse_bad_sizes(backend):
    model = _trained_classifier()
    x, y = _data()
    before = _state(model)
    with pytest.raises(ValueError, match=r"`batch_size` must be an integer >= 1, or None; received "
                                         r"batch_size=0."):
        model.evaluate(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match=r"`steps` must be an integer >= 1 or -1, or None; received "
                                         r"steps=-2."):
        model.evaluate(x, y, steps=-2, verbose=0)
    with pytest.raises(ValueError, match=r"`batch_size` must be an integer >= 1, or None; received "
                                         r"batch_size=-1."):
        model.predict(x, batch_size=-1)
    _assert_same(before, _state(model))


def test_valid_sizes_still_work(backend):
    model = _trained_classifier()
    x, y = _data()
    history = model.fit(x, y, batch_size=np.int64(16), epochs=2, initial_epoch=1, verbose=0,
                        validation_data=(x, y), validation_freq=[2], validation_batch_size=32)
    assert "val_loss" in history.history
    assert model.fit(x, y, epochs=0, verbose=0).history == {}


# ---------------------------------------------------------------- validation_split
@pytest.mark.parametrize("value", [1.5, 1.0, -0.5, "0.2"])
def test_validation_split_outside_zero_one(backend, tmp_path, value):
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(validation_split=value),
        r"`validation_split` must be a float in the range \[0, 1\) \(the fraction of the data held out "
        rf"for validation\); received validation_split={value!r}.")


@pytest.mark.parametrize("make,type_name", [
    (lambda: ((x, y) for x, y in [_data(8)] * 3), "generator"),
    (lambda: Dataset.from_tensor_slices(_data(16)).batch(8), "Dataset"),
    (lambda: _Batches(), "_Batches"),
])
def test_validation_split_with_batch_streams(backend, tmp_path, make, type_name):
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(x=make(), y=None, validation_split=0.2),
        rf"`validation_split` is only supported for Tensors or NumPy arrays, found following types in the "
        rf"input: \[<class '[\w.]*{type_name}'>\]")


# ---------------------------------------------------------------- batch_size with streams
@pytest.mark.parametrize("make", [
    lambda: ((x, y) for x, y in [_data(8)] * 3),
    lambda: Dataset.from_tensor_slices(_data(16)).batch(8),
    lambda: _Batches(),
])
def test_batch_size_with_batch_streams(backend, tmp_path, make):
    model = _trained_classifier()
    _raises_before_any_state_change(
        model, tmp_path, _fit(x=make(), y=None, batch_size=8),
        r"The `batch_size` argument must not be specified for the given input type. Received input: .*, "
        r"batch_size: 8")
    with pytest.raises(ValueError, match=r"The `batch_size` argument must not be specified for the given "
                                         r"input type. Received input: .*, batch_size: 4"):
        model.evaluate(make(), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match=r"The `batch_size` argument must not be specified"):
        model.predict(make(), batch_size=4)
    x, y = _data()
    _raises_before_any_state_change(
        model, tmp_path, _fit(validation_data=make(), validation_batch_size=8),
        r"The `validation_batch_size` argument must not be specified for the given input type. Received "
        r"input: .*, validation_batch_size: 8")


def test_training_batch_size_with_streamed_validation_data_is_fine(backend):
    model = _trained_classifier()
    x, y = _data()
    history = model.fit(x, y, batch_size=16, validation_data=_Batches(), verbose=0)
    assert "val_loss" in history.history


# ---------------------------------------------------------------- class_weight
def test_class_weight_missing_a_class(backend, tmp_path):
    # tf.keras checks only that the keys are 0..n-1, then gathers out of range (an error on the CPU,
    # zeros on a GPU); here the first class without a weight is named.
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(class_weight={0: 1.0, 1: 2.0}),
        r"`class_weight` has no weight for class 2, which the targets `y` contain: expected a dict with "
        r"keys from 0 to one less than the number of classes \(0 to 2 at least, for these targets\), "
        r"received class_weight=\{0: 1.0, 1: 2.0\}.")


def test_class_weight_keys_not_from_zero(backend, tmp_path):
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(class_weight={0: 1.0, 2: 2.0, 3: 1.0}),
        r"Expected `class_weight` to be a dict with keys from 0 to one less than the number of classes, "
        r"found \{0: 1.0, 2: 2.0, 3: 1.0\}")


def test_class_weight_must_be_a_dict(backend, tmp_path):
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(class_weight=[1.0, 2.0, 3.0]),
        r"`class_weight` must be a dict mapping class indices \(0 to one less than the number of classes\) "
        r"to weights; received a list: class_weight=\[1.0, 2.0, 3.0\].")


def test_class_weight_with_a_negative_label(backend, tmp_path):
    x, y = _data()
    y[3] = -1
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(y=y, class_weight={0: 1.0, 1: 1.0, 2: 1.0}),
        r"`class_weight` has no weight for class -1, which the targets `y` contain")


def test_class_weight_on_a_multi_output_model(backend, tmp_path):
    set_random_seed(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, [layers.Dense(3, activation="softmax", name="a")(inputs),
                                 layers.Dense(3, activation="softmax", name="b")(inputs)])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = _data()
    model.fit(x, [y, y], verbose=0)
    _raises_before_any_state_change(
        model, tmp_path, _fit(y=[y, y], class_weight={0: 1.0, 1: 1.0, 2: 1.0}),
        r"`class_weight` is only supported for Models with a single output.")


# ---------------------------------------------------------------- cardinality
def test_x_and_y_of_different_lengths(backend, tmp_path):
    x, y = _data(100)
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(x=x, y=y[:90]),
        r"Data cardinality is ambiguous:\n  x sizes: 100\n  y sizes: 90\n"
        r"Make sure all arrays contain the same number of samples.")


def test_validation_data_of_different_lengths(backend, tmp_path):
    x, y = _data(100)
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(validation_data=(x, y[:90])),
        r"Data cardinality is ambiguous:\n  x sizes: 100\n  y sizes: 90\n")


# ---------------------------------------------------------------- targets missing
@pytest.mark.parametrize("validation_data", ["x", "(x,)"])
def test_validation_data_without_targets(backend, tmp_path, validation_data):
    x, _ = _data()
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(validation_data=x if validation_data == "x" else (x,)),
        r"Target data is missing. Your model was compiled with loss=sparse_categorical_crossentropy, and "
        r"therefore expects target data to be provided in `validation_data` as `\(x_val, y_val\)` or "
        r"`\(x_val, y_val, val_sample_weight\)`.")


def test_fit_without_targets_raises_before_on_train_begin(backend, tmp_path):
    x, _ = _data()
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(y=None),
        r"Target data is missing. Your model was compiled with loss=sparse_categorical_crossentropy, and "
        r"therefore expects target data to be provided in `fit\(\)`.")


def test_evaluate_without_targets(backend):
    model = _trained_classifier()
    x, _ = _data()
    before = _state(model)
    with pytest.raises(ValueError, match=r"Target data is missing. Your model was compiled with "
                                         r"loss=sparse_categorical_crossentropy, and therefore expects "
                                         r"target data to be provided in `evaluate\(\)`."):
        model.evaluate(x, verbose=0)
    _assert_same(before, _state(model))
    # A generator's batches without targets are refused when they arrive, at the first one.
    with pytest.raises(ValueError, match=r"expects target data to be provided in `evaluate\(\)`."):
        model.evaluate((b for b in [x[:8], x[8:16]]), verbose=0)


def test_a_model_whose_loss_is_added_by_add_loss_needs_no_targets(backend):
    class AddsItsLoss(layers.Layer):
        def call(self, inputs):
            self.add_loss(keras.ops.mean(keras.ops.square(inputs)))
            return inputs

    set_random_seed(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, AddsItsLoss()(layers.Dense(4)(inputs)))
    model.compile("sgd")
    x, _ = _data()
    history = model.fit(x, validation_data=(x,), verbose=0)
    assert history.history["val_loss"][0] > 0
    assert model.evaluate(x, verbose=0) > 0


def test_a_custom_train_step_may_train_without_targets(backend):
    class Denoiser(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(4)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            with keras.GradientTape() as tape:
                loss = self.compiled_loss(data, self(data, training=True))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": loss}

    set_random_seed(0)
    model = Denoiser()
    model.compile("sgd", "mse")
    x, _ = _data()
    assert model.fit(x, verbose=0).history["loss"][0] > 0


# ---------------------------------------------------------------- validation data shapes
def test_validation_x_of_the_wrong_shape_before_the_first_step(backend, tmp_path):
    x, y = _data()
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(validation_data=(x[:, :3], y)),
        r'Invalid `validation_data`: input 0 of model "sequential\w*" expects shape=\(None, 4\), received '
        r"validation x of shape \(64, 3\).")


def test_validation_y_of_the_wrong_shape_before_the_first_step(backend, tmp_path):
    x, y = _data()
    _raises_before_any_state_change(
        _trained_classifier(), tmp_path, _fit(validation_data=(x, np.zeros((64, 5)))),
        r'Invalid `validation_data`: validation `y` of shape \(64, 5\) does not fit output "dense\w*" of '
        r"shape \(None, 3\): expected targets of shape \(n, 3\) or \(n,\) \(class indices\), received "
        r"\(64, 5\).")


def test_validation_targets_in_every_form_the_losses_accept(backend):
    model = _trained_classifier()
    x, y = _data()
    for val_y in (y, y.reshape(-1, 1), np.eye(3)[y]):
        model.compile("adam", "sparse_categorical_crossentropy" if val_y.ndim == 1 or val_y.shape[1] == 1
                      else "categorical_crossentropy")
        assert "val_loss" in model.fit(x, val_y, validation_data=(x, val_y), verbose=0).history


def test_validation_data_for_a_model_without_input_shape(backend, tmp_path):
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = _data()
    log = tmp_path / "log.csv"
    with pytest.raises(ValueError, match=r"Invalid `validation_data`: validation `x` of shape \(64, 4, 1\) "
                                         r"does not match the training x of shape \(64, 4\): expected 1 "
                                         r"axes after the batch axis, received 2."):
        model.fit(x, y, validation_data=(x[..., None], y), callbacks=[keras.callbacks.CSVLogger(str(log))],
                  verbose=0)
    assert not model.weights and not os.path.exists(log)
    assert "val_loss" in model.fit(x, y, validation_data=(x, y), verbose=0).history


def test_validation_data_of_a_model_with_several_inputs_and_outputs(backend, tmp_path):
    set_random_seed(0)
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    joined = layers.Concatenate()([a, b])
    model = keras.Model([a, b], [layers.Dense(1, name="reg")(joined),
                                 layers.Dense(4, activation="softmax", name="cls")(joined)])
    model.compile("adam", ["mse", "sparse_categorical_crossentropy"])
    xa, xb, yr, yc = np.ones((8, 2)), np.ones((8, 3)), np.ones((8, 1)), np.zeros(8)
    model.fit({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, verbose=0)
    fit = lambda val: lambda m, cbks: m.fit({"a": xa, "b": xb}, {"reg": yr, "cls": yc}, validation_data=val,
                                            callbacks=cbks, verbose=0)
    _raises_before_any_state_change(
        model, tmp_path, fit(({"a": xa}, {"reg": yr, "cls": yc})),
        r"Invalid `validation_data`: Missing data for input 'b'. You passed a data dictionary with keys "
        r"\['a'\]. Expected the following keys: \['a', 'b'\]")
    _raises_before_any_state_change(
        model, tmp_path, fit(({"a": xa, "b": xb}, {"reg": np.ones((8, 2)), "cls": yc})),
        r"Invalid `validation_data`: validation `y\['reg'\]` of shape \(8, 2\) does not fit output \"reg\" "
        r"of shape \(None, 1\): expected targets of shape \(n, 1\) or \(n,\), received \(8, 2\).")
    assert "val_cls_loss" in model.fit([xa, xb], [yr, yc], validation_data=([xa, xb], [yr, yc]),
                                       verbose=0).history


# ---------------------------------------------------------------- class labels before the first step
def _batch_norm_classifier(loss="sparse_categorical_crossentropy"):
    """A trained classifier whose forward pass in training mode changes state (the moving statistics)."""
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(8, input_shape=(4,)), layers.BatchNormalization(),
                              layers.Dense(3, activation="softmax", name="probs")])
    model.compile(keras.optimizers.Adam(0.01), loss, metrics=["accuracy"])
    x, y = _data()
    model.fit(x, y, batch_size=16, verbose=0)
    return model


@pytest.mark.parametrize("bad", [-1, 3])
@pytest.mark.parametrize("call", ["fit", "train_on_batch", "evaluate"])
def test_labels_out_of_range_leave_batch_norm_statistics_alone(backend, tmp_path, bad, call):
    model = _batch_norm_classifier()
    x, y = _data()
    y[40] = bad  # in the third batch: the first two would have trained before the loss saw it
    message = (f"^sparse_categorical_crossentropy received a label value of {bad} which is outside the "
               r"valid range of \[0, 3\)")
    run = {"fit": lambda m, cb: m.fit(x, y, batch_size=16, callbacks=cb, verbose=0),
           "train_on_batch": lambda m, cb: m.train_on_batch(x, y, reset_metrics=False),
           "evaluate": lambda m, cb: m.evaluate(x, y, batch_size=16, callbacks=cb, verbose=0)}[call]
    moving = [w.numpy().copy() for w in model.layers[1].non_trainable_weights]
    _raises_before_any_state_change(model, tmp_path, run, message)
    for old, new in zip(moving, model.layers[1].non_trainable_weights):
        np.testing.assert_array_equal(old, new.numpy())


def test_validation_labels_out_of_range_are_found_before_training(backend, tmp_path):
    model = _batch_norm_classifier(keras.losses.SparseCategoricalCrossentropy())
    x, y = _data()
    y_val = y.copy()
    y_val[5] = 7
    _raises_before_any_state_change(
        model, tmp_path,
        lambda m, cb: m.fit(x, y, validation_data=(x, y_val), callbacks=cb, verbose=0),
        r"^Invalid `validation_data`: sparse_categorical_crossentropy received a label value of 7 which is "
        r"outside the valid range of \[0, 3\)")


def test_labels_of_an_output_with_another_loss_are_not_class_indices(backend):
    set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    probs = layers.Dense(3, activation="softmax", name="probs")(inputs)
    value = layers.Dense(1, name="value")(inputs)
    model = keras.Model(inputs, [probs, value])
    model.compile("sgd", loss={"probs": "sparse_categorical_crossentropy", "value": "mse"})
    x, y = _data()
    targets = {"probs": y, "value": np.full((64, 1), 9.0, dtype="float32")}  # 9 is fine for mse
    model.fit(x, targets, verbose=0)
    targets["probs"] = np.where(y == 0, 3, y)
    with pytest.raises(ValueError, match="received a label value of 3"):
        model.fit(x, targets, verbose=0)
