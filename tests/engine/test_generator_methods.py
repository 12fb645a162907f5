"""fit_generator / evaluate_generator / predict_generator: tf.keras 2.x's deprecated aliases."""
import numpy as np
import pytest

import kerasx as keras
from kerasx import layers

X = np.random.default_rng(0).standard_normal((12, 3)).astype("float32")
Y = X.sum(1, keepdims=True)


def batches():
    while True:
        for i in range(0, 12, 4):
            yield X[i:i + 4], Y[i:i + 4]


def _model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse")
    return model


def test_fit_generator_is_fit_with_a_warning():
    model, reference = _model(), _model()
    with pytest.warns(UserWarning, match="`Model.fit_generator` is deprecated and will be removed in a future "
                                         "version. Please use `Model.fit`, which supports generators."):
        history = model.fit_generator(batches(), steps_per_epoch=3, epochs=2, verbose=0,
                                      validation_data=(X, Y))
    expected = reference.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0, validation_data=(X, Y))
    assert sorted(history.history) == ["loss", "val_loss"]
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(model.get_weights()[0], reference.get_weights()[0], rtol=1e-6)


def test_evaluate_and_predict_generator():
    model = _model()
    with pytest.warns(UserWarning, match="`Model.evaluate_generator` is deprecated .* Please use "
                                         "`Model.evaluate`, which supports generators."):
        loss = model.evaluate_generator(batches(), steps=3)
    assert loss == pytest.approx(model.evaluate(X, Y, verbose=0), rel=1e-6)
    with pytest.warns(UserWarning, match="`Model.predict_generator` is deprecated .* Please use "
                                         "`Model.predict`, which supports generators."):
        pred = model.predict_generator((x for x, _ in batches()), steps=3)
    np.testing.assert_allclose(pred, model.predict(X, verbose=0), rtol=1e-6)
