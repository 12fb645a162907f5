"""Reading the dataset files in their published formats without running code from them.

tf.keras reads `imdb.npz`/`reuters.npz` (object arrays of lists) with `np.load(allow_pickle=True)` and the
CIFAR batches with `pickle.load`, which runs whatever the file names. Here both go through
`RestrictedUnpickler`, which builds only what those files hold: NumPy arrays, dtypes and scalars, and
Python's plain containers (and bytes, which Python 3's protocol 2 rebuilds with `codecs.encode`); any
other global in the pickle is refused with `pickle.UnpicklingError`.
"""
import codecs
import gzip
import io
import pickle
import zipfile

import numpy as np  # host-side dataset loading, before anything reaches a backend

# The NumPy callables an array's pickle names (their module moved in NumPy 2, so they are taken from
# the objects rather than spelled).
_RECONSTRUCT = np.empty(0).__reduce__()[0]
_SCALAR = np.float64(0).__reduce__()[0]
_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy.core.multiarray", "scalar"): _SCALAR,
    ("numpy._core.multiarray", "scalar"): _SCALAR,
    # How a protocol-2 pickle written by Python 3 spells a bytes object: encode(text, 'latin1').
    ("_codecs", "encode"): codecs.encode,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds NumPy arrays and Python containers, and refuses every other global."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to load '{module}.{name}' from a dataset file: only NumPy arrays and Python "
                "containers are read from pickled data.") from None


def load_pickle(f, encoding="bytes"):
    """The object pickled in the open binary file `f`, through `RestrictedUnpickler`."""
    return RestrictedUnpickler(f, encoding=encoding).load()


def _read_npy(f):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(f)
    if dtype.hasobject:  # np.save pickles an object array after the header
        array = load_pickle(f, encoding="latin1")
        if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
            raise ValueError(f"the pickled array does not match its header's shape {shape}")
        return array
    count = int(np.prod(shape))
    data = f.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise ValueError(f"the array data is shorter than its header's shape {shape} and dtype {dtype}")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape[::-1]).transpose() if fortran_order else array.reshape(shape)


def load_npz(path):
    """The arrays of an `.npz` file as a dict (name: array), object arrays through
    `RestrictedUnpickler`."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            name = member[:-4] if member.endswith(".npy") else member
            with archive.open(member) as f:
                try:
                    arrays[name] = _read_npy(io.BufferedReader(f))
                except (ValueError, pickle.UnpicklingError) as e:
                    raise ValueError(f"Could not read array '{name}' of {path}: {e}") from e
    return arrays


def read_idx_gz(path, offset):
    """The uint8 payload of a gzipped IDX file (the MNIST format) after its `offset`-byte header (8 for
    labels, 16 for images), as tf.keras reads Fashion-MNIST."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)
