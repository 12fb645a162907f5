"""`tf.data.experimental` names that Keras tutorials use."""
from kerasx.data.structure import INFINITE as INFINITE_CARDINALITY
from kerasx.data.structure import UNKNOWN as UNKNOWN_CARDINALITY

AUTOTUNE = -1


def cardinality(dataset):
    """The cardinality of `dataset` (see `Dataset.cardinality`)."""
    return dataset.cardinality()
