"""tf.keras 2.x's `keras.wrappers.scikit_learn`: `KerasClassifier` and `KerasRegressor`, which make a
model-building function a scikit-learn estimator (usable in `GridSearchCV`, `cross_val_score`,
`Pipeline`). Built on scikit-learn's `BaseEstimator` and mixins where scikit-learn is installed.

As in tf.keras: `build_fn` (a function, a callable object, or None to use the subclass's `__call__`)
builds and compiles a fresh model on every `fit`; the keyword arguments given to the constructor
(`sk_params`) go to `build_fn` and to `fit`/`predict`/`evaluate` by name, so `GridSearchCV` can tune
both (`{"units": [8, 16], "epochs": [5, 10]}`). scikit-learn itself is not needed to use them; they
follow its estimator protocol (`get_params`, `set_params`, `fit`, `predict`, `score`).
"""
import copy
import inspect
import types
import warnings

import numpy as np  # host-side: scikit-learn hands and takes NumPy arrays

from kerasx.engine.sequential import Sequential
from kerasx.utils.np_utils import to_categorical

try:
    # scikit-learn 1.6+ asks every estimator for its tags (`__sklearn_tags__`), which BaseEstimator and the
    # mixins supply; without scikit-learn the wrappers keep the same protocol on plain classes.
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError:
    BaseEstimator = ClassifierMixin = RegressorMixin = object

_DEPRECATION = ("KerasClassifier and KerasRegressor are deprecated in tf.keras 2.x (kerasx keeps them for the "
                "code that uses them); Keras 3 users move to keras.wrappers.SKLearnClassifier/SKLearnRegressor.")


def _accepts(fn, name):
    # sk_params go where an argument of that name is declared (tf.keras's `has_arg`): a **kwargs of
    # `fit` must not swallow the build function's `units`.
    return name in inspect.signature(fn).parameters


class BaseWrapper(BaseEstimator):
    """The shared part of `KerasClassifier` and `KerasRegressor` (tf.keras's `BaseWrapper`)."""

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_functions(self):
        if self.build_fn is None:
            return [self.__call__]
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return [self.build_fn.__call__]
        return [self.build_fn]

    def check_params(self, params):
        """Raises ValueError naming the first parameter no build function or model method takes."""
        if self.build_fn is None and not hasattr(self, "__call__"):
            raise ValueError("build_fn is None and the wrapper has no __call__ method to build the model.")
        if self.build_fn is not None and not callable(self.build_fn):
            raise ValueError(f"build_fn must be a function or a callable object, received "
                             f"{type(self.build_fn).__name__}.")
        legal = [Sequential.fit, Sequential.predict, Sequential.evaluate] + self._build_functions()
        for name in params:
            if not any(_accepts(fn, name) for fn in legal):
                raise ValueError(f"{name} is not a legal parameter")

    def get_params(self, **params):
        """The constructor's parameters, for scikit-learn's `clone` (`deep` is accepted and ignored)."""
        res = copy.deepcopy(self.sk_params)
        res.update({"build_fn": self.build_fn})
        return res

    def set_params(self, **params):
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The `sk_params` that `fn` takes, updated with `override`."""
        res = {name: value for name, value in self.sk_params.items() if _accepts(fn, name)}
        res.update(override or {})
        return res

    def _build(self):
        builder = self.__call__ if self.build_fn is None else self.build_fn
        return builder(**self.filter_sk_params(self._build_functions()[0]))

    def fit(self, x, y, **kwargs):
        """Builds a fresh model and trains it; returns its `History`."""
        self.model = self._build()
        if _loss_name(self.model) == "categorical_crossentropy" and len(np.shape(y)) != 2:
            y = to_categorical(y)
        fit_args = self.filter_sk_params(Sequential.fit)
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)


def _loss_name(model):
    loss = model.loss
    return getattr(loss, "__name__", loss)


class KerasClassifier(*([ClassifierMixin] if ClassifierMixin is not object else []), BaseWrapper):
    """A scikit-learn classifier around a kerasx model (tf.keras 2.x's `KerasClassifier`). Labels may
    be any sortable values (kept in `classes_`); `predict` returns them, `predict_proba` gives one
    column per class (two for a single sigmoid output), `score` the model's accuracy."""

    def __init__(self, build_fn=None, **sk_params):
        warnings.warn(_DEPRECATION, DeprecationWarning, stacklevel=2)
        super().__init__(build_fn, **sk_params)

    def fit(self, x, y, **kwargs):
        y = np.array(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (y.ndim == 2 and y.shape[1] == 1) or y.ndim == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(f"Invalid shape for y: {y.shape}")
        self.n_classes_ = len(self.classes_)
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        proba = np.asarray(self.model.predict(x, **kwargs))
        if proba.shape[-1] > 1:
            classes = proba.argmax(axis=-1)
        else:
            classes = (proba > 0.5).astype("int32")[..., 0]
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        probs = np.asarray(self.model.predict(x, **kwargs))
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """The model's accuracy on (x, y); the model must have been compiled with an accuracy metric."""
        y = np.searchsorted(self.classes_, y)
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        if _loss_name(self.model) == "categorical_crossentropy" and len(y.shape) != 2:
            y = to_categorical(y)
        outputs = self.model.evaluate(x, y, **kwargs)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ("accuracy", "acc"):
                return output
        raise ValueError("The model is not configured to compute accuracy. You should pass "
                         '`metrics=["accuracy"]` to the `model.compile()` method.')


class KerasRegressor(*([RegressorMixin] if RegressorMixin is not object else []), BaseWrapper):
    """A scikit-learn regressor around a kerasx model (tf.keras 2.x's `KerasRegressor`): `predict`
    squeezes the last axis, `score` is minus the loss (greater is better, as scikit-learn wants)."""

    def __init__(self, build_fn=None, **sk_params):
        warnings.warn(_DEPRECATION, DeprecationWarning, stacklevel=2)
        super().__init__(build_fn, **sk_params)

    def predict(self, x, **kwargs):
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        return np.squeeze(np.asarray(self.model.predict(x, **kwargs)), axis=-1)

    def score(self, x, y, **kwargs):
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        return -loss[0] if isinstance(loss, list) else -loss
