"""The numbers inside the data: NaN and infinity refused before training (and the switch that allows
them), object arrays with None refused instead of becoming NaN, sample weights of the wrong shape named."""
import os
import re

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from backends.config import set_nonfinite_data_check
from kerasx.data import Dataset
from kerasx.engine.data_checks import check_finite
from kerasx.utils import Sequence, set_random_seed

_DISABLE = r"turn this check off with `kerasx.config.disable_nonfinite_data_check\(\)`."


def _model(seed=0):
    set_random_seed(seed)
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=32, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, size=n)


def _weights(model):
    return [w.numpy().copy() for w in model.weights]


@pytest.fixture
def nonfinite_check_off():
    keras.config.disable_nonfinite_data_check()
    yield
    keras.config.enable_nonfinite_data_check()


# ---------------------------------------------------------------- NaN and infinity
def test_nan_in_x_raises_before_training(backend, tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, verbose=0)
    before, iterations = _weights(model), int(model.optimizer.iterations.numpy())
    x[5, 2] = np.nan
    x[9, 0] = np.inf
    log = tmp_path / "log.csv"
    with pytest.raises(ValueError, match=r"`x` passed to `fit` contains NaN at index \(5, 2\) \(2 "
                                         r"non-finite value\(s\) in an array of shape \(32, 4\)\); training "
                                         r"on it makes the loss NaN. Clean the data, or, if your loss or "
                                         r"`train_step` masks such values, " + _DISABLE):
        model.fit(x, y, callbacks=[keras.callbacks.CSVLogger(str(log))], verbose=0)
    assert not os.path.exists(log)
    assert int(model.optimizer.iterations.numpy()) == iterations
    for a, b in zip(before, _weights(model)):
        np.testing.assert_array_equal(a, b)


def test_infinity_in_y_sample_weight_and_validation_data(backend):
    model = _model()
    x, y = _data()
    y_float = y.astype("float32")
    y_float[3] = -np.inf
    with pytest.raises(ValueError, match=r"`y` passed to `fit` contains -inf at index \(3,\)"):
        model.fit(x, y_float, verbose=0)
    sw = np.ones(32)
    sw[7] = np.inf
    with pytest.raises(ValueError, match=r"`sample_weight` passed to `fit` contains inf at index \(7,\)"):
        model.fit(x, y, sample_weight=sw, verbose=0)
    x_bad = x.copy()
    x_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"`x` in `validation_data` contains NaN at index \(0, 0\)"):
        model.fit(x, y, validation_data=(x_bad, y), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0
    with pytest.raises(ValueError, match=r"`x` in the `validation_split` part of the data passed to `fit` "
                                         r"contains NaN at index \(0, 0\)"):
        model.fit(np.concatenate([x, x_bad]), np.concatenate([y, y]), validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match=r"`x` passed to `evaluate` contains NaN at index \(0, 0\)"):
        model.evaluate(x_bad, y, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_several_inputs_are_named_by_index_and_key(backend):
    set_random_seed(0)
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    model = keras.Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))
    model.compile("sgd", "mse")
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    bad = x.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"`x\[1\]` passed to `fit` contains NaN at index \(4, 1\)"):
        model.fit([x, bad], y, verbose=0)
    with pytest.raises(ValueError, match=r"`x\['b'\]` passed to `fit` contains NaN at index \(4, 1\)"):
        model.fit({"a": x, "b": bad}, y, verbose=0)


@pytest.mark.parametrize("kind", ["generator", "sequence", "dataset"])
def test_streamed_batches_are_checked_as_they_arrive(backend, kind):
    x, y = _data(16)
    bad = x.copy()
    bad[10, 3] = np.nan

    class Batches(Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return (x[:8], y[:8]) if i == 0 else (bad[8:], y[8:])

    source, where = {
        "generator": (lambda: iter([(x[:8], y[:8]), (bad[8:], y[8:])]), "python generator"),
        "sequence": (lambda: Batches(), "`keras.utils.Sequence`"),
        "dataset": (lambda: Dataset.from_tensor_slices((bad, y)).batch(8), "dataset"),
    }[kind]
    model = _model()
    with pytest.raises(ValueError, match=rf"`x` in batch 1 of the {where} passed to `fit` contains NaN at "
                                         rf"index \(2, 3\)"):
        model.fit(source(), verbose=0, shuffle=False)
    # The batch before it trained; the bad batch did not.
    assert int(model.optimizer.iterations.numpy()) == 1


def test_the_switch_lets_non_finite_data_through(backend, nonfinite_check_off):
    """The use it is for: missing labels kept as NaN, which a custom loss masks out."""
    def masked_mse(y_true, y_pred):
        known = keras.ops.equal(y_true, y_true)  # False where the label is NaN
        # The NaN labels are replaced before any arithmetic, so that no NaN reaches the gradient either.
        y_filled = keras.ops.where(known, y_true, y_pred)
        return keras.ops.mean(keras.ops.square(y_pred - y_filled), axis=-1)

    assert not keras.config.is_nonfinite_data_check_enabled()
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(1, input_shape=(4,))])
    model.compile("sgd", masked_mse)
    x, _ = _data()
    y = x[:, :1].copy()
    y[::4] = np.nan
    history = model.fit(x, y, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and int(model.optimizer.iterations.numpy()) == 1
    assert all(np.isfinite(w.numpy()).all() for w in model.weights)


def test_switch_refuses_what_is_not_a_bool():
    with pytest.raises(ValueError, match=r"The non-finite data check is switched with True or False; "
                                         r"received 'off'."):
        set_nonfinite_data_check("off")


def test_predict_and_integer_data_are_not_checked(backend):
    model = _model()
    x, y = _data()
    x[0, 0] = np.nan
    assert np.isnan(model.predict(x)[0]).all()
    assert model.evaluate(x[1:], y[1:], verbose=0)[0] > 0  # integer labels: nothing to check


def test_large_finite_values_whose_sum_overflows_are_accepted():
    check_finite(np.full((4, 4), 3e38, "float32"), "`x`", "passed to `fit`")
    check_finite(np.full(10, 60000.0, "float16"), "`x`", "passed to `fit`")
    with pytest.raises(ValueError, match=r"`x` passed to `fit` contains inf at index \(2,\)"):
        check_finite(np.array([1e38, 3e38, np.inf], "float32"), "`x`", "passed to `fit`")


# ---------------------------------------------------------------- object arrays
def test_object_array_with_none_raises_instead_of_predicting_nan(backend):
    model = _model()
    x = np.array([[1.0, 2.0, None, 4.0]], dtype=object)
    with pytest.raises(ValueError, match=r"`x` passed to `predict` is an object array containing None at "
                                         r"index \(0, 2\): Keras needs numbers. Fill in or drop the missing "
                                         r"values first."):
        model.predict(x)
    with pytest.raises(ValueError, match=r"`y` passed to `fit` is an object array containing None at "
                                         r"index \(1,\)"):
        model.fit(np.ones((2, 4)), np.array([1, None], dtype=object), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_object_arrays_of_numbers_work(backend):
    model = _model()
    x, y = _data()
    history = model.fit(x.astype(object), y.astype(object), verbose=0)
    assert np.isfinite(history.history["loss"][0])
    np.testing.assert_allclose(model.predict(x.astype(object)), model.predict(x), rtol=1e-6)


def test_object_array_of_strings_raises(backend):
    model = _model()
    with pytest.raises(ValueError, match=r"`x` passed to `predict` is an object array that does not hold "
                                         r"numbers only: found str at index \(0, 1\)."):
        model.predict(np.array([[1.0, "a", 2.0, 3.0]], dtype=object))


# ---------------------------------------------------------------- sample_weight shapes
def test_sample_weight_of_the_wrong_shape(backend, tmp_path):
    model = _model()
    x, y = _data()
    log = tmp_path / "log.csv"
    for bad in (np.ones((32, 3)), np.ones((32, 1, 2))):
        with pytest.raises(ValueError, match=r"`sample_weight` passed to `fit` does not fit the loss of "
                                             r"output 'dense\w*': expected shape \(32,\) \(one weight per "
                                             r"sample, or per timestep for a sequence loss\), received shape "
                                             + re.escape(f"{tuple(bad.shape)}.")):
            model.fit(x, y, sample_weight=bad, callbacks=[keras.callbacks.CSVLogger(str(log))], verbose=0)
    assert not os.path.exists(log) and int(model.optimizer.iterations.numpy()) == 0
    model.fit(x, y, sample_weight=np.ones((32, 1)), verbose=0)  # a trailing 1 is squeezed, as tf.keras


def test_per_timestep_sample_weight(backend):
    set_random_seed(0)
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(5, 4))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(8, 5, 4)).astype("float32")
    y = np.zeros((8, 5), "int64")
    model.fit(x, y, sample_weight=np.ones((8, 5)), verbose=0)
    model.fit(x, y, sample_weight=np.ones(8), verbose=0)
    with pytest.raises(ValueError, match=r"`sample_weight` passed to `fit` does not fit the loss of output "
                                         r"'dense\w*': expected shape \(8,\) or \(8, 5\) \(one weight per "
                                         r"sample, or per timestep for a sequence loss\), received shape "
                                         r"\(8, 4\)."):
        model.fit(x, y, sample_weight=np.ones((8, 4)), verbose=0)


def test_sample_weight_in_validation_data(backend):
    model = _model()
    x, y = _data()
    with pytest.raises(ValueError, match=r"`sample_weight` in `validation_data` does not fit the loss"):
        model.fit(x, y, validation_data=(x, y, np.ones((32, 2))), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_sample_weight_per_output(backend):
    set_random_seed(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, [layers.Dense(1, name="reg")(inputs),
                                 layers.Dense(3, activation="softmax", name="cls")(inputs)])
    model.compile("sgd", ["mse", "sparse_categorical_crossentropy"])
    x, y = _data(8)
    targets = {"reg": np.ones((8, 1)), "cls": y}
    model.fit(x, targets, sample_weight={"reg": np.ones(8), "cls": np.ones((8, 1))}, verbose=0)
    with pytest.raises(ValueError, match=r"`sample_weight\['cls'\]` passed to `fit` does not fit the loss "
                                         r"of output 'cls': expected shape \(8,\)"):
        model.fit(x, targets, sample_weight={"reg": np.ones(8), "cls": np.ones((8, 3))}, verbose=0)
    with pytest.raises(ValueError, match=r"`sample_weight` passed to `evaluate` does not fit the loss of "
                                         r"output 'reg': expected shape \(8,\) \(one weight per sample, or "
                                         r"per timestep for a sequence loss\), received shape \(8, 2\)."):
        model.evaluate(x, targets, sample_weight=np.ones((8, 2)), verbose=0)
