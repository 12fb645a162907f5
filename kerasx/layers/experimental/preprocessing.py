"""`keras.layers.experimental.preprocessing`: the preprocessing layers under the path tf.keras 2.x keeps
from before they moved to `keras.layers` (the same classes; RandomBrightness was never here)."""
from kerasx.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, HashedCrossing, Hashing,
                                         IntegerLookup, Normalization, PreprocessingLayer, RandomContrast,
                                         RandomCrop, RandomFlip, RandomHeight, RandomRotation, RandomTranslation,
                                         RandomWidth, RandomZoom, Rescaling, Resizing, StringLookup,
                                         TextVectorization)

__all__ = ["CategoryEncoding", "CenterCrop", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup",
           "Normalization", "PreprocessingLayer", "RandomContrast", "RandomCrop", "RandomFlip", "RandomHeight",
           "RandomRotation", "RandomTranslation", "RandomWidth", "RandomZoom", "Rescaling", "Resizing",
           "StringLookup", "TextVectorization"]
