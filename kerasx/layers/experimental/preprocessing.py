"""`keras.layers.experimental.preprocessing`: the same classes as `kerasx.layers` (tf.keras 2.x aliases)."""
from kerasx.layers.preprocessing import (HashedCrossing, Hashing, IntegerLookup, PreprocessingLayer, StringLookup,
                                         TextVectorization)

__all__ = ["HashedCrossing", "Hashing", "IntegerLookup", "PreprocessingLayer", "StringLookup", "TextVectorization"]
