"""Opening HDF5 files: for reading, with a clear error for every path that is not a readable Keras file
(missing, a directory, empty, another format, damaged), and for writing, in the format kerasx writes.
"""
import os

import h5py  # host-side file I/O

from kerasx.saving.damage import DamagedFileError, reading

# HDF5's 1.8 file format (superblock v2, object header v2) checksums the file's metadata, and the library
# verifies those checksums on every read, so a damaged header is reported instead of being decoded into
# nonsense. Every HDF5 library since 1.8 (2008) reads it, h5py and so tf.keras included. The upper bound
# keeps newer structures out, so older readers are never handed one.
WRITE_LIBVER = ("v108", "v108")

_FORMATS_READ = ("kerasx reads the HDF5 format (files written by `model.save('model.h5')` in kerasx or "
                 "tf.keras) and '.keras' archives; TensorFlow SavedModel directories and TensorFlow "
                 "checkpoints are not supported")
_ZIP_SIGNATURE = b"PK\x03\x04"


def check_readable(filepath):
    """`filepath` as a str, once it names an existing HDF5 file; otherwise the error tf.keras users
    expect: `FileNotFoundError` (an `OSError`, as tf.keras's) for a missing path, `ValueError` for a
    directory or a zip archive, `DamagedFileError` for an empty file or one without the HDF5 signature."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file or directory found at {filepath}")
    if os.path.isdir(filepath):
        raise ValueError(f"{filepath} is not an HDF5 file. {_FORMATS_READ}; this path is a directory.")
    if os.path.getsize(filepath) == 0:
        raise DamagedFileError(filepath, "it is empty (0 bytes), as a file whose writing was cut off")
    if not h5py.is_hdf5(filepath):
        with open(filepath, "rb") as f:
            if f.read(len(_ZIP_SIGNATURE)) == _ZIP_SIGNATURE:
                # `load_model` and `load_weights` read zip archives before they come here.
                raise ValueError(f"{filepath} is not an HDF5 file. {_FORMATS_READ}; this one is a zip "
                                 "archive, as a '.keras' file is: load it with `load_model`.")
        raise DamagedFileError(filepath, f"it is not an HDF5 file. {_FORMATS_READ}",
                               other_format_possible=True)
    return filepath


def open_for_reading(filepath):
    """The open `h5py.File` at `filepath`, checked by `check_readable`; HDF5 refusing to open it (a
    truncated file, a damaged superblock) is a `DamagedFileError`."""
    filepath = check_readable(filepath)
    with reading(filepath, "its HDF5 structure (the file may be truncated)"):
        return h5py.File(filepath, "r")


def open_for_writing(filepath):
    """A new HDF5 file at `filepath` (which must not exist yet: it is a fresh temporary file)."""
    return h5py.File(filepath, "x", libver=WRITE_LIBVER)
