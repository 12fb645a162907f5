"""tf.keras's preprocessing layers (`keras.layers.Hashing`, `StringLookup`, ...), also importable from
`kerasx.layers.experimental.preprocessing` as in tf.keras 2.x."""
from kerasx.layers.preprocessing.hashed_crossing import HashedCrossing
from kerasx.layers.preprocessing.hashing import Hashing
from kerasx.layers.preprocessing.integer_lookup import IntegerLookup
from kerasx.layers.preprocessing.preprocessing_layer import PreprocessingLayer
from kerasx.layers.preprocessing.string_lookup import StringLookup
from kerasx.layers.preprocessing.text_vectorization import TextVectorization
