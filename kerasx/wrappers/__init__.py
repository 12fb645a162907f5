"""`keras.wrappers`: scikit-learn estimators around kerasx models: Keras 3's `SKLearnClassifier`,
`SKLearnRegressor` and `SKLearnTransformer` (`wrappers.sklearn_wrapper`), and tf.keras 2.x's
`wrappers.scikit_learn.KerasClassifier` and `KerasRegressor`."""
from kerasx.wrappers import scikit_learn  # noqa: F401
from kerasx.wrappers.sklearn_wrapper import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: F401
