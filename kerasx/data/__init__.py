"""`kerasx.data`: a small `tf.data` for Keras input pipelines (`Dataset` and its constants)."""
from kerasx.data import experimental
from kerasx.data.dataset import Dataset
from kerasx.data.spec import TensorSpec
# Imported for what they register: the Dataset kinds that `Dataset`'s methods build by name.
from kerasx.data import sources, transforms  # noqa: F401
from kerasx.data.structure import INFINITE as INFINITE_CARDINALITY
from kerasx.data.structure import UNKNOWN as UNKNOWN_CARDINALITY

# Accepted wherever tf.data takes AUTOTUNE (`prefetch`, `num_parallel_calls`); the pipeline ignores it.
AUTOTUNE = -1
