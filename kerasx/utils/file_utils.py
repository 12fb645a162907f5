"""`get_file`: downloads a file into the cache unless it is there already, as `tf.keras.utils.get_file`,
with its hash checks and archive extraction.

The cache is ``$KERASX_HOME`` (default ``~/.kerasx``, the folder of kerasx's configuration file) where
tf.keras uses ``~/.keras``; `cache_dir` chooses another. Differences from tf.keras, all on the safe side:

- A download is written to a temporary file beside its target (`saving/atomic.py`), checked against
  `file_hash` there, and renamed into place only once complete and verified: an interrupted download or a
  mismatching one never leaves a file in the cache (tf.keras writes the target directly and removes it on
  failure).
- An archive is extracted into a temporary folder beside the destination and its entries are moved into
  place at the end, so a failed extraction leaves nothing half-written (tf.keras removes the destination
  folder on a failure, which for `extract=True` is the whole cache subdirectory).
- Every member of a tar *and* a zip archive is checked: one whose path (or link target) would land
  outside the destination is skipped with tf.keras's warning; where Python has tarfile's 'data' filter
  (3.11.4+, 3.12) it is applied as well, refusing device files and setuid bits.
"""
import contextlib
import hashlib
import os
import pathlib
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from backends.config import config_dir
from kerasx.saving.atomic import atomic_path
from kerasx.utils.generic_utils import Progbar
from kerasx.utils.io_utils import print_msg

_CHUNK = 1 << 16
_ARCHIVE_FORMATS = ("tar", "zip")


class DownloadError(OSError):
    """A download failed: tf.keras's ``URL fetch failure on <origin>: <code> -- <reason>``."""


# ---------------------------------------------------------------- hashes
def _resolve_hasher(algorithm, file_hash=None):
    """tf.keras's rule: 'sha256', or 'auto' with a 64-character hash, is SHA-256; anything else MD5."""
    if algorithm not in ("auto", "sha256", "md5"):
        raise ValueError("`hash_algorithm` must be one of 'auto', 'sha256' or 'md5'; received "
                         f"hash_algorithm={algorithm!r}.")
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The file's SHA-256 (or MD5) hash as a hex string (`algorithm`: 'sha256', 'md5', 'auto' = SHA-256,
    or a `hashlib` object)."""
    hasher = _resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file at `fpath` has hash `file_hash` (SHA-256 or MD5; 'auto' tells them apart by
    length, as tf.keras)."""
    hasher = _resolve_hasher(algorithm, file_hash)
    return str(hash_file(fpath, hasher, chunk_size)) == str(file_hash)


def _algorithm_name(algorithm, file_hash):
    return _resolve_hasher(algorithm, file_hash).name


# ---------------------------------------------------------------- archives
def _inside(path, base):
    path, base = os.path.realpath(path), os.path.realpath(base)
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def _tar_member_is_safe(member, base):
    if not _inside(os.path.join(base, member.name), base):
        return False
    if member.issym():
        return _inside(os.path.join(base, os.path.dirname(member.name), member.linkname), base)
    if member.islnk():
        return _inside(os.path.join(base, member.linkname), base)
    return True


def _safe_members(members, is_safe):
    for member in members:
        if is_safe(member):
            yield member
        else:
            name = member.name if isinstance(member, tarfile.TarInfo) else member.filename
            warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.", stacklevel=4)


def _extract_into(archive_type, file_path, folder):
    if archive_type == "tar":
        with tarfile.open(file_path) as archive:
            members = _safe_members(archive.getmembers(), lambda m: _tar_member_is_safe(m, folder))
            if hasattr(tarfile, "data_filter"):
                archive.extractall(folder, members=members, filter="data")
            else:
                archive.extractall(folder, members=members)
    else:
        with zipfile.ZipFile(file_path) as archive:
            members = _safe_members(archive.infolist(),
                                    lambda m: _inside(os.path.join(folder, m.filename), folder))
            archive.extractall(folder, members=list(members))


def _move_entries(source, destination):
    """Moves every entry of folder `source` into `destination`, replacing what is there under its name."""
    for name in os.listdir(source):
        target = os.path.join(destination, name)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.remove(target)
        os.replace(os.path.join(source, name), target)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (tar, tar.gz, tar.bz2, tar.xz) or zip archive into folder `path`; returns True if
    `file_path` was one of `archive_format` ('auto' = ['tar', 'zip'], 'tar', 'zip', a list, or None for
    none) and was extracted, False otherwise."""
    if archive_format is None:
        return False
    formats = list(_ARCHIVE_FORMATS) if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    unknown = [f for f in formats if f not in _ARCHIVE_FORMATS]
    if unknown:
        raise ValueError("`archive_format` must be 'auto', 'tar', 'zip', a list of those or None; "
                         f"received archive_format={archive_format!r}.")
    file_path, path = os.fspath(file_path), os.fspath(path)
    for archive_type in formats:
        is_match = tarfile.is_tarfile if archive_type == "tar" else zipfile.is_zipfile
        if not is_match(file_path):
            continue
        os.makedirs(path, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".extracting-", dir=path)
        try:
            _extract_into(archive_type, file_path, staging)
            _move_entries(staging, path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


# ---------------------------------------------------------------- downloads
class _DownloadProgress:
    """tf.keras's `DLProgbar`: a Progbar over bytes, its target the Content-Length when the server
    sends one."""

    def __init__(self, total_size):
        self.progbar = Progbar(total_size if total_size and total_size > 0 else None)
        self.finished = False

    def __call__(self, current):
        target = self.progbar.target
        if target is None or current < target:
            self.progbar.update(current)
        elif not self.finished:
            self.progbar.update(target)
            self.finished = True


def _download(origin, fpath, file_hash, hash_algorithm):
    """Writes `origin` to `fpath` through a temporary file, verified before it replaces `fpath`."""
    print_msg(f"Downloading data from {origin}")
    error_msg = "URL fetch failure on {}: {} -- {}"
    with atomic_path(fpath) as tmp:
        try:
            with urllib.request.urlopen(origin) as response, open(tmp, "wb") as out:
                length = response.headers.get("Content-Length")
                progress = _DownloadProgress(int(length.strip()) if length else None)
                received = 0
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    received += len(chunk)
                    progress(received)
                if progress.progbar.target is None:
                    progress.progbar.update(received, finalize=True)
        except urllib.error.HTTPError as e:
            raise DownloadError(error_msg.format(origin, e.code, e.msg)) from e
        except urllib.error.URLError as e:
            raise DownloadError(error_msg.format(origin, e.errno, e.reason)) from e
        if file_hash is not None and not validate_file(tmp, file_hash, algorithm=hash_algorithm):
            raise ValueError(
                "Incomplete or corrupted file detected. The "
                f"{_algorithm_name(hash_algorithm, file_hash)} file hash does not match the provided "
                f"value of {file_hash} (the file downloaded from {origin} hashes to "
                f"{hash_file(tmp, _resolve_hasher(hash_algorithm, file_hash))}); nothing was saved to "
                f"{fpath}.")


def _cache_base(cache_dir):
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else config_dir()
    with contextlib.suppress(OSError):
        os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):  # tf.keras falls back to a folder under /tmp likewise
        base = os.path.join(tempfile.gettempdir(), ".kerasx")
    return base


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None):
    """Downloads a file from a URL if it is not already in the cache; returns its path.

    Args:
        fname: the file's name in the cache (an absolute path puts it there); None takes the last
            part of `origin`'s path.
        origin: the URL to download from.
        untar: deprecated in favour of `extract`: the file is a .tar.gz that is extracted into the cache
            subdirectory; `fname` (with any .tar.gz taken off) names the extracted folder, which is
            what is returned.
        md5_hash: deprecated in favour of `file_hash`: the file's MD5 hash.
        file_hash: the expected SHA-256 or MD5 hash of the file: a cached file that does not match is
            downloaded again, a download that does not match is an error.
        cache_subdir: the subdirectory of the cache (an absolute path is used as it is).
        hash_algorithm: 'md5', 'sha256' or 'auto' (the hash's length tells them apart).
        extract: whether to extract the file as an archive (tar or zip) into the cache subdirectory;
            the archive's path is still what is returned, as tf.keras 2.x.
        archive_format: 'auto' (['tar', 'zip']), 'tar', 'zip', a list of those, or None.
        cache_dir: the cache folder; None is ``$KERASX_HOME``, by default ``~/.kerasx``.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    _resolve_hasher(hash_algorithm, file_hash)  # an unknown algorithm fails before anything is fetched
    datadir = os.path.join(_cache_base(cache_dir), os.fspath(cache_subdir))
    os.makedirs(datadir, exist_ok=True)
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                             "Please specify the `fname` as the input param.")
    if untar:
        if fname.endswith(".tar.gz"):
            fname = str(pathlib.Path(fname).with_suffix("").with_suffix(""))
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        print_msg("A local file was found, but it seems to be incomplete or outdated because the "
                  f"{_algorithm_name(hash_algorithm, file_hash)} file hash does not match the original value "
                  f"of {file_hash} so we will re-download the data.")
        download = True
    if download:
        _download(origin, fpath, file_hash, hash_algorithm)

    if untar:
        if not os.path.exists(untar_fpath):
            extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath


__all__ = ["DownloadError", "extract_archive", "get_file", "hash_file", "validate_file"]
