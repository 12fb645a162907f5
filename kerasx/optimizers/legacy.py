"""`keras.optimizers.legacy`: where tf.keras 2.11+ moved the OptimizerV2 classes.

kerasx's optimizers are those OptimizerV2 classes (Keras 2.3 `lr` and `decay` included), so the names
here are the same classes as in `keras.optimizers`: code written for either namespace trains the same."""
from kerasx.optimizers.adagrad import Adadelta, Adagrad
from kerasx.optimizers.adam import Adam, Adamax, Nadam
from kerasx.optimizers.base import Optimizer
from kerasx.optimizers.ftrl import Ftrl
from kerasx.optimizers.rmsprop import RMSprop
from kerasx.optimizers.sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"]
