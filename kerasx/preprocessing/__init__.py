"""`keras.preprocessing`: tf.keras 2.x's legacy sequence and text utilities (`sequence`, `text`) and the
dataset builder it re-exports (`timeseries_dataset_from_array`)."""
from kerasx.preprocessing import sequence, text
from kerasx.utils.timeseries_dataset import timeseries_dataset_from_array
