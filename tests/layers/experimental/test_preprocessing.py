"""`keras.layers.experimental.preprocessing`: tf.keras 2.x's older path to the preprocessing layers holds
the same classes (and RandomBrightness, which tf.keras never put there, is not in it)."""
import kerasx as keras
from kerasx.layers.experimental import preprocessing

NAMES = ("CategoryEncoding", "CenterCrop", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup",
         "Normalization", "RandomContrast", "RandomCrop", "RandomFlip", "RandomHeight", "RandomRotation",
         "RandomTranslation", "RandomWidth", "RandomZoom", "Rescaling", "Resizing", "StringLookup",
         "TextVectorization")


def test_the_old_path_gives_the_same_classes():
    for name in NAMES:
        assert getattr(keras.layers.experimental.preprocessing, name) is getattr(keras.layers, name)
    assert sorted(preprocessing.__all__) == sorted(NAMES + ("PreprocessingLayer",))
    assert issubclass(keras.layers.Normalization, preprocessing.PreprocessingLayer)
    assert issubclass(keras.layers.StringLookup, preprocessing.PreprocessingLayer)
    assert not hasattr(preprocessing, "RandomBrightness")
