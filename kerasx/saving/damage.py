"""The one error a damaged model or weights file raises, and the guard that turns the low-level
failures of reading one into it.

A damaged HDF5 file fails in many ways deep inside h5py and the json module: `OSError`s and `KeyError`s
quoting HDF5's internals, `RuntimeError`s from attribute lookups, `TypeError`s for datatypes that no
longer make sense, `JSONDecodeError`s and `UnicodeDecodeError`s from a config cut in half. None of them
says which file, what was being read, or that the file (not the code) is at fault. Every read of a file
goes through `reading()`, which re-raises them as one `DamagedFileError` saying all three; the original
error stays attached as its cause for whoever debugs HDF5 itself.
"""
import contextlib


class DamagedFileError(OSError, ValueError):
    """A model or weights file that exists but cannot be read: truncated, corrupted, or not HDF5.

    Both an `OSError` and a `ValueError`, as the standard library's `io.UnsupportedOperation` is: tf.keras
    2.x raises either for a bad file (h5py's `OSError` for a truncated one, `ValueError` for a missing
    model config), so code written for tf.keras catches this whichever it was written to catch."""

    def __init__(self, filepath, problem, other_format_possible=False):
        self.filepath = str(filepath)
        self.problem = problem
        self.other_format_possible = other_format_possible
        # Bytes that are not HDF5 at all may as well be another format as a damaged file: say both.
        state = "is damaged or not a Keras HDF5 file" if other_format_possible else "is damaged"
        super().__init__(f"The file {self.filepath} {state}: {problem}.")

    def __reduce__(self):
        # Pickled across processes (multiprocessing workers) with the constructor's arguments.
        return type(self), (self.filepath, self.problem, self.other_format_possible)


# What h5py and the decoders raise for bytes that do not make sense: OSError (unreadable data, bad
# addresses, checksum failures), KeyError (an object that cannot be opened), RuntimeError (attribute
# lookups), TypeError and ValueError (datatypes and dataspaces that decode to nonsense, JSON and Unicode
# errors), MemoryError (a dataspace claiming more elements than any file holds). A `DamagedFileError`
# from a nested guard passes through unchanged, keeping the innermost description.
_READ_FAILURES = (OSError, KeyError, RuntimeError, TypeError, ValueError, MemoryError)


def filename_of(h5_object):
    """The path of the file an open h5py object belongs to, for messages."""
    try:
        return h5_object.file.filename
    except Exception:  # a handle too damaged to name its file still deserves an error message
        return "<unknown HDF5 file>"


@contextlib.contextmanager
def reading(filepath, what):
    """Runs the block that reads `what` (e.g. 'the weight "dense/kernel:0" of layer "dense"') from the
    file at `filepath`; any low-level read failure inside becomes a `DamagedFileError`.

    Only file access and decoding belong in the block: an error of the caller's own (a model that does
    not match the file) must not be reported as damage."""
    try:
        yield
    except DamagedFileError:
        raise
    except _READ_FAILURES as e:
        raise DamagedFileError(filepath, f"could not read {what}") from e
