"""tf.keras 2.x's preprocessing layers (keras.layers.preprocessing): adapted statistics
(`Normalization`, `Discretization`), category encoding, and the image layers, deterministic and random.

Each module holds one family; the string layers (hashing, lookups, text vectorization) live in modules
of their own beside these."""
from kerasx.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from kerasx.layers.preprocessing.category_encoding import CategoryEncoding
from kerasx.layers.preprocessing.discretization import Discretization
from kerasx.layers.preprocessing.image_augmentation import (RandomBrightness, RandomContrast, RandomCrop,
                                                            RandomFlip, RandomHeight, RandomWidth)
from kerasx.layers.preprocessing.image_preprocessing import CenterCrop, Rescaling, Resizing
from kerasx.layers.preprocessing.image_transform import RandomRotation, RandomTranslation, RandomZoom
from kerasx.layers.preprocessing.normalization import Normalization
