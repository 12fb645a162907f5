"""`keras.optimizers.experimental`: where tf.keras 2.9-2.10 previewed the 2.11 optimizers, which
tf.keras 2.11+ code still imports.

The same classes as `keras.optimizers`: each takes 2.11's arguments (`weight_decay`, `clipnorm`,
`clipvalue`, `global_clipnorm`, `use_ema`, `ema_momentum`, `ema_overwrite_frequency`, `jit_compile`)."""
from kerasx.optimizers.adafactor import Adafactor
from kerasx.optimizers.adagrad import Adadelta, Adagrad
from kerasx.optimizers.adam import Adam, Adamax, AdamW, Nadam
from kerasx.optimizers.base import Optimizer
from kerasx.optimizers.ftrl import Ftrl
from kerasx.optimizers.lion import Lion
from kerasx.optimizers.rmsprop import RMSprop
from kerasx.optimizers.sgd import SGD

__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam", "Optimizer",
           "RMSprop", "SGD"]
