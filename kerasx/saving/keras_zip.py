"""The `.keras` container: a zip archive of `metadata.json`, `config.json` and `model.weights.h5`, as
Keras 3 (and tf.keras 2.13+) writes it.

Reading trusts nothing in the archive: every member name is checked (no absolute path, no `..`, no
backslash or drive letter, no duplicate), members are never extracted to disk, sizes are checked
against limits from their headers before any is read (and the read stops at the limit, whatever the
header says), encrypted members are refused. Writing goes to a temporary file that replaces the target
only when complete (`atomic`). Members are stored uncompressed, as Keras 3 writes them, so the HDF5
weights can be read in place with cheap seeks.
"""
import io
import json
import os
import re
import zipfile

from kerasx.saving.atomic import atomic_path, check_overwrite

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
# Size limits, uncompressed. A config over 256 MiB is not a model's; the weights' limit only guards
# against a header that claims more than any model (the weights are read in place, never held whole).
JSON_LIMIT = 256 * 2 ** 20
WEIGHTS_LIMIT = 2 ** 40
# A member that inflates more than this from its compressed size is a zip bomb, not a Keras file.
MAX_COMPRESSION_RATIO = 200
_DRIVE = re.compile(r"^[A-Za-z]:")


class KerasArchive:
    """An open `.keras` archive, its members checked. Use as a context manager."""

    def __init__(self, filepath):
        self.filepath = os.fspath(filepath)
        if not os.path.exists(self.filepath):
            raise FileNotFoundError(f"No file or directory found at {self.filepath}")
        if not zipfile.is_zipfile(self.filepath):
            raise ValueError(f"The file {self.filepath} is not a valid '.keras' archive: it is not a zip "
                             "file. A '.keras' file is the zip archive `model.save('model.keras')` writes.")
        self._zip = zipfile.ZipFile(self.filepath, "r")
        try:
            self._members = self._check_members()
        except BaseException:
            self._zip.close()
            raise

    def _error(self, what):
        return ValueError(f"The file {self.filepath} is not a valid '.keras' archive: {what}")

    def _check_members(self):
        members = {}
        for info in self._zip.infolist():
            name = info.filename
            parts = name.split("/")
            if (name.startswith("/") or "\\" in name or "\x00" in name or _DRIVE.match(name)
                    or ".." in parts):
                raise self._error(f"it holds a member named {name!r}, which points outside the archive "
                                  "(an absolute path or '..'). It was not read.")
            if name in members:
                raise self._error(f"it holds two members named {name!r}.")
            if info.flag_bits & 0x1:
                raise self._error(f"its member {name!r} is encrypted.")
            limit = WEIGHTS_LIMIT if name == WEIGHTS_NAME else JSON_LIMIT
            if name in (CONFIG_NAME, METADATA_NAME, WEIGHTS_NAME) and info.file_size > limit:
                raise self._error(f"its member {name!r} is {info.file_size} bytes, over the limit of "
                                  f"{limit} bytes.")
            if info.compress_size and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size \
                    and info.file_size > 2 ** 20:
                raise self._error(f"its member {name!r} inflates {info.file_size // info.compress_size}"
                                  f"-fold ({info.compress_size} -> {info.file_size} bytes), as a zip bomb "
                                  "does.")
            members[name] = info
        if CONFIG_NAME not in members:
            raise self._error(f"it has no '{CONFIG_NAME}' (its members: {sorted(members)}).")
        return members

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        self._zip.close()

    def has(self, name):
        return name in self._members

    def read_json(self, name):
        """The decoded JSON member `name`, which must be a JSON object."""
        with self._zip.open(self._members[name]) as f:
            data = f.read(JSON_LIMIT + 1)  # never more than the limit, whatever the header claimed
        if len(data) > JSON_LIMIT:
            raise self._error(f"its member {name!r} is over the limit of {JSON_LIMIT} bytes.")
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise self._error(f"its member {name!r} is not valid JSON ({e}).") from None
        if not isinstance(value, dict):
            raise self._error(f"its member {name!r} holds a JSON {type(value).__name__}, not an object.")
        return value

    def metadata(self):
        """`metadata.json`, checked: an object whose `keras_version`, if any, is a string."""
        if not self.has(METADATA_NAME):
            raise self._error(f"it has no '{METADATA_NAME}'.")
        meta = self.read_json(METADATA_NAME)
        if not isinstance(meta.get("keras_version", ""), str):
            raise self._error(f"its '{METADATA_NAME}' has keras_version={meta['keras_version']!r}, not a "
                              "version string.")
        return meta

    def open_member(self, name):
        """A seekable, read-only file object of member `name` (h5py reads the weights from it)."""
        if name not in self._members:
            raise self._error(f"it has no '{name}'.")
        return self._zip.open(self._members[name])


def write_keras_archive(filepath, overwrite, config, metadata, write_weights, assets=None):
    """Writes the archive at `filepath` atomically: `config` and `metadata` as JSON, the weights
    member from `write_weights(fileobj)`, which writes an HDF5 file into the file object, then `assets`,
    a dict of member name -> bytes (tf.keras's `assets/...` files, such as a lookup layer's vocabulary).
    The weights are built in memory first, as Keras 3 builds them, so no second temporary file can be
    left behind."""
    filepath = os.fspath(filepath)
    check_overwrite(filepath, overwrite)
    config_json = json.dumps(config)
    metadata_json = json.dumps(metadata)
    weights = io.BytesIO()
    write_weights(weights)
    with atomic_path(filepath) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(METADATA_NAME, metadata_json)
            zf.writestr(CONFIG_NAME, config_json)
            zf.writestr(WEIGHTS_NAME, weights.getbuffer())
            for name, data in (assets or {}).items():
                zf.writestr(name, data)
