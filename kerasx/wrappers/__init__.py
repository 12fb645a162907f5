"""`keras.wrappers`: scikit-learn estimators around kerasx models (`wrappers.scikit_learn`, tf.keras 2.x's
`KerasClassifier` and `KerasRegressor`)."""
from kerasx.wrappers import scikit_learn
