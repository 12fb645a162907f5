"""`keras.callbacks`: hooks into `fit`, `evaluate` and `predict`."""
from kerasx.callbacks import experimental
from kerasx.callbacks.backup_and_restore import BackupAndRestore
from kerasx.callbacks.callback import Callback
from kerasx.callbacks.callback_list import CallbackList
from kerasx.callbacks.early_stopping import EarlyStopping
from kerasx.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from kerasx.callbacks.loggers import (BaseLogger, CSVLogger, History, LambdaCallback, ProgbarLogger,
                                      TerminateOnNaN)
from kerasx.callbacks.model_checkpoint import ModelCheckpoint
from kerasx.callbacks.remote_monitor import RemoteMonitor
from kerasx.callbacks.tensorboard import TensorBoard
