"""`keras.layers.experimental`: tf.keras 2.x's older home of the preprocessing layers."""
from kerasx.layers.experimental import preprocessing
