"""`keras.layers.experimental`: the names tf.keras 2.x keeps there, `preprocessing` first of them."""
from kerasx.layers.experimental import preprocessing
