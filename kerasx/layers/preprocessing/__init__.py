"""tf.keras 2.x's preprocessing layers (keras.layers.preprocessing): adapted statistics
(`Normalization`, `Discretization`), category encoding, the image layers, deterministic and random, and
the string and categorical layers (hashing, lookups, text vectorization), which compute on the host.

Each module holds one family; `PreprocessingLayer` (base_preprocessing_layer.py) is the base of all of
them, `HostPreprocessingLayer` (preprocessing_layer.py) that of the host-side string layers."""
from kerasx.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from kerasx.layers.preprocessing.category_encoding import CategoryEncoding
from kerasx.layers.preprocessing.discretization import Discretization
from kerasx.layers.preprocessing.hashed_crossing import HashedCrossing
from kerasx.layers.preprocessing.hashing import Hashing
from kerasx.layers.preprocessing.image_augmentation import (RandomBrightness, RandomContrast, RandomCrop,
                                                            RandomFlip, RandomHeight, RandomWidth)
from kerasx.layers.preprocessing.image_preprocessing import CenterCrop, Rescaling, Resizing
from kerasx.layers.preprocessing.image_transform import RandomRotation, RandomTranslation, RandomZoom
from kerasx.layers.preprocessing.integer_lookup import IntegerLookup
from kerasx.layers.preprocessing.normalization import Normalization
from kerasx.layers.preprocessing.string_lookup import StringLookup
from kerasx.layers.preprocessing.text_vectorization import TextVectorization
