"""tf.keras 2.x's `keras.wrappers.scikit_learn` estimators in scikit-learn's own machinery
(`clone`, `GridSearchCV`, `cross_val_score`, `Pipeline`), against NumPy-computed expectations."""
import re

import numpy as np
import pytest

import kerasx as keras
from kerasx import layers
from kerasx.wrappers.scikit_learn import KerasClassifier, KerasRegressor

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is in the test extra")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

# Constructing one warns (tested last); the other tests are about what it does.
pytestmark = pytest.mark.filterwarnings("ignore:KerasClassifier and KerasRegressor are deprecated")


def _blobs(n=90, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 3.0], [3.0, 0.0], [-3.0, -3.0]])
    labels = rng.integers(0, 3, n)
    x = (centers[labels] + rng.normal(scale=0.5, size=(n, 2))).astype("float32")
    return x, np.array(["cat", "dog", "eel"])[labels]


def build_classifier(units=16, n_classes=3, loss="sparse_categorical_crossentropy"):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), layers.Dense(units, activation="relu"),
                              layers.Dense(n_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss, metrics=["accuracy"])
    return model


def build_regressor(units=8):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(units), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    return model


def test_classifier_learns_string_labels_and_predicts_them(backend):
    x, y = _blobs()
    clf = KerasClassifier(build_classifier, units=16, epochs=30, batch_size=16, verbose=0)
    clf.fit(x, y)
    assert list(clf.classes_) == ["cat", "dog", "eel"] and clf.n_classes_ == 3
    predicted = clf.predict(x)
    assert predicted.dtype.kind == "U" and np.mean(predicted == y) > 0.95
    proba = clf.predict_proba(x)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    assert clf.score(x, y) == pytest.approx(np.mean(predicted == y), abs=1e-6)


def test_a_single_sigmoid_output_gives_two_probability_columns(backend):
    x, y = _blobs()
    y = (y == "cat").astype(int)

    def build():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(build, epochs=20, verbose=0)
    clf.fit(x, y)
    proba = clf.predict_proba(x)
    p1 = clf.model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(proba, np.stack([1 - p1, p1], axis=1), rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(x), (p1 > 0.5).astype(int))


def test_categorical_crossentropy_models_get_one_hot_targets(backend):
    x, y = _blobs()
    clf = KerasClassifier(build_classifier, loss="categorical_crossentropy", epochs=20, verbose=0)
    clf.fit(x, y)
    assert np.mean(clf.predict(x) == y) > 0.9


def test_regressor_predicts_a_vector_and_scores_minus_the_loss(backend):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5], "float32") + 0.3
    reg = KerasRegressor(build_regressor, epochs=60, batch_size=16, verbose=0)
    reg.fit(x, y)
    pred = reg.predict(x)
    assert pred.shape == (64,)
    assert reg.score(x, y) == pytest.approx(-np.mean((pred - y) ** 2), rel=1e-4)
    assert reg.score(x, y) > -0.05


def test_clone_grid_search_and_pipeline(backend):
    x, y = _blobs()
    clf = KerasClassifier(build_classifier, units=4, epochs=5, verbose=0)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and twin is not clf
    search = GridSearchCV(clf, {"units": [1, 16], "epochs": [1, 25]}, cv=3)
    search.fit(x, y)
    # The grid reaches both the build function (units) and fit (epochs): 25 epochs of 16 units win.
    results = {(p["units"], p["epochs"]): m for p, m in zip(search.cv_results_["params"],
                                                             search.cv_results_["mean_test_score"])}
    assert search.best_params_["epochs"] == 25 and search.best_score_ > 0.85
    assert results[(16, 25)] > results[(16, 1)] and results[(16, 25)] >= results[(1, 25)]
    assert search.best_estimator_.model.layers[0].units == search.best_params_["units"]
    scores = cross_val_score(KerasClassifier(build_classifier, epochs=25, verbose=0), x, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85
    pipe = Pipeline([("scale", StandardScaler()), ("net", KerasClassifier(build_classifier, epochs=25, verbose=0))])
    pipe.fit(x * 100.0, y)
    assert np.mean(pipe.predict(x * 100.0) == y) > 0.9


def test_build_fn_may_be_a_callable_object_or_the_subclass_call(backend):
    x, y = _blobs()

    class Builder:
        def __call__(self, units=8):
            return build_classifier(units)

    class Subclassed(KerasClassifier):
        def __call__(self, units=8):
            return build_classifier(units)

    for clf in (KerasClassifier(Builder(), units=8, epochs=25, verbose=0), Subclassed(units=8, epochs=25, verbose=0)):
        clf.fit(x, y)
        assert clf.model.layers[0].units == 8
        assert np.mean(clf.predict(x) == y) > 0.9


def test_errors(backend):
    with pytest.raises(ValueError, match="^colour is not a legal parameter$"):
        KerasClassifier(build_classifier, colour="red")
    clf = KerasClassifier(build_classifier, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="^nope is not a legal parameter$"):
        clf.set_params(nope=1)
    with pytest.raises(ValueError, match=re.escape("Invalid shape for y: (2, 1, 1)")):
        clf.fit(np.zeros((2, 2), "float32"), np.zeros((2, 1, 1)))
    with pytest.raises(ValueError, match="build_fn must be a function or a callable object, received int"):
        KerasRegressor(3)

    def no_accuracy():
        model = keras.Sequential([keras.Input((2,)), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return model

    x, y = _blobs(12)
    plain = KerasClassifier(no_accuracy, epochs=1, verbose=0)
    plain.fit(x, y)
    with pytest.raises(ValueError, match=re.escape("The model is not configured to compute accuracy. You should "
                                                   "pass `metrics=[\"accuracy\"]` to the `model.compile()` method.")):
        plain.score(x, y)


def test_constructing_warns_that_tf_keras_deprecated_them():
    with pytest.warns(DeprecationWarning, match="KerasClassifier and KerasRegressor are deprecated"):
        KerasRegressor(build_regressor)
