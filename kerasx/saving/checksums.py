"""CRC-32 checksums stored beside the values of a file, so that damage HDF5 cannot see is caught.

kerasx writes files in HDF5's 1.8 format, whose metadata (superblock, object headers, groups) carries
HDF5's own checksums, verified by the library on every read. Two things it leaves unchecked: a dataset's
raw data, and variable-length strings (the JSON configs live in the file's global heap). A flipped bit
there reads back silently as a different weight or, worse, a different but valid config ("relu" and
"selu" are one bit apart). So kerasx adds:

    <dataset>.attrs["crc32"]          over the weight's dtype (with byte order), shape and bytes
    <root>.attrs["model_config_crc32"], ["training_config_crc32"]   over the JSON bytes

The loader verifies a checksum where one is present. Files written by tf.keras (or by kerasx before
this) have none and load as before; tf.keras ignores the extra attributes.
"""
import zlib

from kerasx.saving.damage import DamagedFileError

DATASET_CHECKSUM = "crc32"


def attribute_checksum_name(name):
    """The root attribute holding the checksum of attribute `name`."""
    return f"{name}_crc32"


def value_checksum(value):
    """CRC-32 of an array as read or written: its dtype string and shape are included, since a damaged
    datatype message (a flipped byte-order bit) reads the very same bytes as different numbers."""
    header = f"{value.dtype.str}{tuple(value.shape)}".encode("ascii")
    # A C-contiguous array is summed in place; only a strided view is copied first.
    data = memoryview(value) if value.flags.c_contiguous else value.tobytes()
    return zlib.crc32(data, zlib.crc32(header))


def text_checksum(text):
    """CRC-32 of an attribute's bytes. h5py reads variable-length strings back as `str` decoded with
    'surrogateescape', which this undoes, so the sum is over exactly the bytes in the file."""
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogateescape")
    return zlib.crc32(bytes(text))


def stamp_dataset(dataset, value):
    dataset.attrs[DATASET_CHECKSUM] = value_checksum(value)


def verify_dataset(dataset, value, filepath, what):
    """Raises `DamagedFileError` if `dataset` carries a checksum that `value` (just read from it) does
    not match."""
    if DATASET_CHECKSUM in dataset.attrs and int(dataset.attrs[DATASET_CHECKSUM]) != value_checksum(value):
        raise DamagedFileError(filepath, f"{what} does not match the checksum saved with it")


def stamp_attribute(group, name, text):
    group.attrs[name] = text
    group.attrs[attribute_checksum_name(name)] = text_checksum(text)


def verify_attribute(group, name, text, filepath):
    """Raises `DamagedFileError` if the attribute `name` (read as `text`) has a checksum it does not
    match."""
    checksum_name = attribute_checksum_name(name)
    if checksum_name in group.attrs and int(group.attrs[checksum_name]) != text_checksum(text):
        raise DamagedFileError(filepath, f"the '{name}' attribute does not match the checksum saved with it")
