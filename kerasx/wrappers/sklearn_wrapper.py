"""Keras 3's scikit-learn estimators, `keras.wrappers.SKLearnClassifier`, `SKLearnRegressor` and
`SKLearnTransformer`: a compiled model, or a function `model(X=..., y=..., **model_kwargs)` that returns
one, made a scikit-learn estimator (usable in `GridSearchCV`, `Pipeline`, `cross_val_score`, and passing
scikit-learn's own estimator checks that apply).

As in Keras 3: inputs go through scikit-learn's `validate_data` (`n_features_in_`, sparse and NaN
refusal), the classifier one-hot encodes its targets (`classes_`, `predict` the argmax's label,
`decision_function` the raw outputs), `fit_kwargs` go to `model.fit` and are overridden by keyword
arguments given to `fit`, and a model instance is cloned before each fit unless `warm_start=True`.

Where kerasx differs, on purpose:
- a model instance is cloned *and compiled again* with a fresh copy of its optimizer and the same loss
  and metrics (Keras 3's `clone_model` leaves the clone uncompiled, so its own check then refuses it);
- `warm_start=True` continues training the previously fitted model, as documented (Keras 3 reads the flag
  but clones anyway);
- `fit` does not write the call's keyword arguments into `fit_kwargs`, and `clone` keeps `fit_kwargs`.
"""
import copy

import numpy as np  # host-side: scikit-learn hands and takes NumPy arrays

from kerasx.engine.model import Model
from kerasx.models import clone_model

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.utils.multiclass import type_of_target
    from sklearn.utils.validation import check_is_fitted
except ImportError:
    sklearn = None
    BaseEstimator = ClassifierMixin = RegressorMixin = TransformerMixin = object

try:
    from sklearn.utils.validation import validate_data as _sk_validate_data  # scikit-learn 1.6+
except ImportError:
    _sk_validate_data = None


def _require_sklearn(name):
    if sklearn is None:
        raise ImportError(f"{name} requires `scikit-learn` to be installed. Run `pip install scikit-learn` "
                          "(or `pip install kerasx[sklearn]`) to install it.")


def _validate_data(estimator, *args, **kwargs):
    if _sk_validate_data is not None:
        return _sk_validate_data(estimator, *args, **kwargs)
    return estimator._validate_data(*args, **kwargs)


def _check_model(model):
    if not isinstance(model, Model):
        raise TypeError(f"The `model` argument must be a kerasx Model or a callable returning one; it "
                        f"returned {type(model).__name__}.")
    if not model._is_compiled or not model.loss or model.optimizer is None:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer.")


def _clone_compiled(model):
    """A fresh copy of `model` (new weights, as `clone_model` draws them), compiled as `model` is."""
    _check_model(model)
    clone = clone_model(model)
    args = model._get_compile_args()
    optimizer = args["optimizer"]
    clone.compile(optimizer=type(optimizer).from_config(optimizer.get_config()), loss=args["loss"],
                  metrics=copy.deepcopy(args["metrics"]), weighted_metrics=copy.deepcopy(args["weighted_metrics"]),
                  loss_weights=args["loss_weights"])
    return clone


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Makes 1-D targets 2-D (for `OneHotEncoder`) and squeezes the outputs back."""

    def fit(self, y):
        self.ndim_ = y.ndim
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        check_is_fitted(self)
        return np.squeeze(y, axis=1) if self.ndim_ == 1 and y.ndim == 2 else y


class SKLBase(BaseEstimator):
    """The shared part of the three estimators. `model` is a compiled kerasx `Model`, or a callable
    taking `X=`, `y=` and `model_kwargs` and returning one; `fit_kwargs` go to `model.fit`.
    After `fit`: `model_` (the trained model) and `history_` (its `History.history` dict)."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_clone__(self):
        # The model (instance or function) is shared, not deep-copied: every fit clones it anyway.
        return type(self)(model=self.model, warm_start=self.warm_start,
                          model_kwargs=copy.deepcopy(self.model_kwargs), fit_kwargs=copy.deepcopy(self.fit_kwargs))

    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    @property
    def epoch_(self):
        """How many epochs the last `fit` ran (0 before any)."""
        history = getattr(self, "history_", None) or {}
        return max((len(values) for values in history.values()), default=0)

    def _get_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            return _clone_compiled(self.model)
        if not callable(self.model):
            raise TypeError(f"The `model` argument must be a kerasx Model or a callable returning one; "
                            f"received {type(self.model).__name__}.")
        model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        _check_model(model)
        return model

    def fit(self, X, y, **kwargs):
        """Validates (X, y), builds (or, with `warm_start`, reuses) the model and trains it with
        `fit_kwargs` updated by `kwargs`. Returns self. A fit that raises leaves the estimator as it was
        (scikit-learn's validation sets `n_features_in_` first, the target encoder `classes_`)."""
        state = dict(self.__dict__)
        try:
            # multi_output: (n_samples, n_outputs) targets are documented (and trained on) as such.
            X, y = _validate_data(self, X, y, multi_output=True)
            y = self._process_target(y, reset=True)
            model = self._get_model(X, y)
            fit_kwargs = dict(self.fit_kwargs or {})
            fit_kwargs.update(kwargs)
            history = model.fit(X, y, **fit_kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        self.model_ = model
        self.history_ = dict(history.history)
        return self

    def _raw_predict(self, X):
        check_is_fitted(self)
        X = _validate_data(self, X, reset=False)
        return np.asarray(self.model_.predict(X, verbose=0))

    def predict(self, X):
        """The model's predictions on X, in the targets' shape (and labels, for the classifier)."""
        return self._reverse_process_target(self._raw_predict(X))

    def _process_target(self, y, reset=False):
        type_of_target(y, raise_unknown=True)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a kerasx model (Keras 3's `keras.wrappers.SKLearnClassifier`).
    Targets are one-hot encoded (binary ones too: the model needs one output per class); `classes_`
    holds the labels, `predict` returns them, `decision_function` the model's raw outputs."""

    def decision_function(self, X):
        return self._raw_predict(X)

    def _process_target(self, y, reset=False):
        target_type = type_of_target(y, raise_unknown=True)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target type: {target_type}")
        if reset:
            self._target_encoder = make_pipeline(TargetReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def _more_tags(self):
        return {**super()._more_tags(), "poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a kerasx model (Keras 3's `keras.wrappers.SKLearnRegressor`):
    `predict` has the targets' shape, `score` is scikit-learn's R²."""

    def _more_tags(self):
        return {**super()._more_tags(), "poor_score": True, "multioutput": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        tags.target_tags.multi_output = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer around a kerasx model (Keras 3's `keras.wrappers.SKLearnTransformer`):
    `fit` trains the model on (X, y), `transform` returns its outputs (e.g. an embedding)."""

    def transform(self, X):
        return self._raw_predict(X)

    def _more_tags(self):
        return {**super()._more_tags(), "preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
