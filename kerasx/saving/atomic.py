"""Writing a file all at once: the data goes to a temporary file next to the target, which replaces
the target only once it is complete, so a crash or an error mid-write never leaves a half-written
file (and never destroys the previous one)."""
import contextlib
import os
import uuid


def check_overwrite(filepath, overwrite):
    """tf.keras prompts before overwriting; kerasx is used non-interactively, so it refuses."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"File {filepath} already exists and overwrite=False. Pass overwrite=True "
                              "to replace it.")


@contextlib.contextmanager
def atomic_path(filepath):
    """Yields a temporary path in `filepath`'s directory (created if missing); on success the file
    written there replaces `filepath`, on error it is removed."""
    filepath = os.path.abspath(filepath)
    dirpath = os.path.dirname(filepath)
    os.makedirs(dirpath, exist_ok=True)
    # Same directory, so os.replace is a rename on one file system (atomic on POSIX and Windows).
    tmp = os.path.join(dirpath, f".{os.path.basename(filepath)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
