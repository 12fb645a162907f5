"""`get_file` against a file server on 127.0.0.1 (tests/utils/local_server.py): caching, SHA-256 and MD5
checks, a mismatch's error, re-download of a stale cached file, archive extraction (tar, tar.gz, zip)
with path traversal refused, the deprecated `untar`/`md5_hash`, the progress bar, and the errors."""
import io
import os
import tarfile
import zipfile

import pytest

from kerasx.utils import data_utils, file_utils, get_file
from kerasx.utils.file_utils import DownloadError, extract_archive, hash_file, validate_file
from tests.utils.local_server import serve

# Published digests of b"abc" (FIPS 180-2 and RFC 1321 test vectors).
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
ABC_MD5 = "900150983cd24fb0d6963f7d28e17f72"


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "abc.txt").write_bytes(b"abc")
    with serve(folder) as (url, server):
        yield folder, url, server


def _leftovers(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp") or n.startswith(".extracting-")]


def test_hash_file_and_validate_file_match_published_digests(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    assert hash_file(path) == ABC_SHA256
    assert hash_file(path, "md5") == ABC_MD5
    assert validate_file(path, ABC_SHA256) and validate_file(path, ABC_MD5)  # 'auto' by the hash's length
    assert validate_file(path, ABC_MD5, algorithm="md5")
    assert not validate_file(path, ABC_SHA256, algorithm="md5")
    assert not validate_file(path, "0" * 64)
    assert data_utils.validate_file is validate_file and data_utils.get_file is get_file


def test_downloads_into_the_cache_once(served, tmp_path, capsys):
    _, url, server = served
    cache = tmp_path / "cache"
    path = get_file("abc.txt", origin=url + "abc.txt", cache_dir=str(cache))
    assert path == os.path.join(str(cache), "datasets", "abc.txt")
    assert open(path, "rb").read() == b"abc"
    out = capsys.readouterr().out
    assert f"Downloading data from {url}abc.txt" in out
    assert "3/3 [==============================]" in out  # the Progbar over bytes, to its target
    assert get_file("abc.txt", origin=url + "abc.txt", cache_dir=str(cache)) == path
    assert server.requests == ["/abc.txt"]  # the second call read the cache
    assert _leftovers(os.path.dirname(path)) == []


def test_progress_without_content_length(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"x" * 5000)
    with serve(tmp_path, send_length=False) as (url, _):
        path = get_file(origin=url + "f.bin", cache_dir=str(tmp_path / "c"))
    assert os.path.getsize(path) == 5000


def test_fname_defaults_to_the_origin_name_and_paths_may_be_absolute(served, tmp_path):
    _, url, _ = served
    assert get_file(origin=url + "abc.txt?x=1", cache_dir=str(tmp_path / "c")).endswith(
        os.path.join("c", "datasets", "abc.txt"))
    target = tmp_path / "elsewhere" / "mine.txt"
    assert get_file(str(target), origin=url + "abc.txt", cache_dir=str(tmp_path / "c")) == str(target)
    sub = tmp_path / "sub"
    assert get_file("n.txt", origin=url + "abc.txt", cache_subdir=str(sub)) == str(sub / "n.txt")
    assert (sub / "n.txt").read_bytes() == b"abc"


def test_default_cache_is_kerasx_home(served, tmp_path, monkeypatch):
    _, url, _ = served
    monkeypatch.setenv("KERASX_HOME", str(tmp_path / "home"))
    path = get_file("abc.txt", origin=url + "abc.txt", cache_subdir="models")
    assert path == str(tmp_path / "home" / "models" / "abc.txt")


@pytest.mark.parametrize("file_hash,algorithm", [(ABC_SHA256, "auto"), (ABC_MD5, "auto"),
                                                 (ABC_SHA256, "sha256"), (ABC_MD5, "md5")])
def test_a_matching_hash_is_accepted(served, tmp_path, file_hash, algorithm):
    _, url, _ = served
    path = get_file("abc.txt", origin=url + "abc.txt", file_hash=file_hash, hash_algorithm=algorithm,
                    cache_dir=str(tmp_path))
    assert open(path, "rb").read() == b"abc"


def test_deprecated_md5_hash_argument(served, tmp_path):
    _, url, _ = served
    assert get_file("abc.txt", origin=url + "abc.txt", md5_hash=ABC_MD5, cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match="md5 file hash does not match"):
        get_file("other.txt", origin=url + "abc.txt", md5_hash="0" * 32, cache_dir=str(tmp_path))


def test_a_mismatching_download_is_an_error_and_leaves_nothing(served, tmp_path):
    _, url, _ = served
    wrong = "f" * 64
    with pytest.raises(ValueError) as err:
        get_file("abc.txt", origin=url + "abc.txt", file_hash=wrong, cache_dir=str(tmp_path))
    message = str(err.value)
    assert "Incomplete or corrupted file detected. The sha256 file hash does not match" in message
    assert wrong in message and ABC_SHA256 in message and url + "abc.txt" in message
    datadir = tmp_path / "datasets"
    assert os.listdir(datadir) == []  # neither the file nor its temporary


def test_a_stale_cached_file_is_downloaded_again(served, tmp_path, capsys):
    _, url, server = served
    datadir = tmp_path / "datasets"
    datadir.mkdir()
    (datadir / "abc.txt").write_bytes(b"old")
    path = get_file("abc.txt", origin=url + "abc.txt", file_hash=ABC_SHA256, cache_dir=str(tmp_path))
    assert open(path, "rb").read() == b"abc" and server.requests == ["/abc.txt"]
    assert "the sha256 file hash does not match the original value" in capsys.readouterr().out
    # Without a hash, a cached file is trusted as it is (tf.keras).
    (datadir / "abc.txt").write_bytes(b"old")
    assert open(get_file("abc.txt", origin=url + "abc.txt", cache_dir=str(tmp_path)), "rb").read() == b"old"


def test_http_errors_and_unreachable_hosts(served, tmp_path):
    _, url, _ = served
    with pytest.raises(DownloadError, match=r"URL fetch failure on .*missing.bin: 404 -- File not found"):
        get_file("missing.bin", origin=url + "missing.bin", cache_dir=str(tmp_path))
    assert os.listdir(tmp_path / "datasets") == []
    with serve(tmp_path) as (dead_url, _):
        pass  # the server is gone: its port refuses connections
    with pytest.raises(DownloadError, match="URL fetch failure on"):
        get_file("x.bin", origin=dead_url + "x.bin", cache_dir=str(tmp_path))
    assert issubclass(DownloadError, OSError)


def test_argument_errors(served, tmp_path):
    _, url, server = served
    with pytest.raises(ValueError, match='specify the "origin" argument'):
        get_file("abc.txt", cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match="Can't parse the file name from the origin provided: "
                                         f"'{url}'"):
        get_file(origin=url, cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match=r"`hash_algorithm` must be one of .* received hash_algorithm='sha1'"):
        get_file("abc.txt", origin=url + "abc.txt", file_hash=ABC_MD5, hash_algorithm="sha1",
                 cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match=r"`archive_format` must be .* received archive_format='rar'"):
        extract_archive(tmp_path / "x", tmp_path, archive_format="rar")
    assert server.requests == []


# ---------------------------------------------------------------- archives
def _tar(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


@pytest.mark.parametrize("kind,suffix", [("tar", ".tar"), ("tar:gz", ".tar.gz"), ("zip", ".zip")])
def test_extract_puts_the_members_beside_the_archive(tmp_path, kind, suffix):
    www = tmp_path / "www"
    www.mkdir()
    members = {"pack/a.txt": b"A", "pack/sub/b.txt": b"BB"}
    archive = www / ("pack" + suffix)
    if kind == "zip":
        _zip(archive, members)
    else:
        _tar(archive, members, "w:gz" if kind == "tar:gz" else "w")
    with serve(www) as (url, _):
        path = get_file(archive.name, origin=url + archive.name, extract=True, cache_dir=str(tmp_path / "c"))
    datadir = tmp_path / "c" / "datasets"
    assert path == str(datadir / archive.name)  # tf.keras 2.x returns the archive's path
    assert (datadir / "pack" / "a.txt").read_bytes() == b"A"
    assert (datadir / "pack" / "sub" / "b.txt").read_bytes() == b"BB"
    assert _leftovers(datadir) == []


def test_archive_format_limits_what_is_extracted(tmp_path):
    archive = tmp_path / "p.zip"
    _zip(archive, {"z.txt": b"z"})
    assert extract_archive(archive, tmp_path / "out", archive_format="tar") is False
    assert extract_archive(archive, tmp_path / "out", archive_format=None) is False
    assert not (tmp_path / "out").exists()
    assert extract_archive(archive, tmp_path / "out", archive_format=["tar", "zip"]) is True
    assert (tmp_path / "out" / "z.txt").read_bytes() == b"z"
    (tmp_path / "plain.txt").write_bytes(b"not an archive")
    assert extract_archive(tmp_path / "plain.txt", tmp_path / "out") is False


def test_untar_returns_the_extracted_folder(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    _tar(www / "data.tar.gz", {"data/x.txt": b"x"})
    with serve(www) as (url, server):
        for fname in ("data", "data.tar.gz"):  # a .tar.gz name is taken off, as tf.keras
            path = get_file(fname, origin=url + "data.tar.gz", untar=True, cache_dir=str(tmp_path / "c"))
            assert path == str(tmp_path / "c" / "datasets" / "data")
        assert server.requests == ["/data.tar.gz"]
    assert open(os.path.join(path, "x.txt"), "rb").read() == b"x"
    assert os.path.exists(path + ".tar.gz")
    os.remove(os.path.join(path, "x.txt"))
    # The folder exists: not extracted again.
    with serve(www) as (url, _):
        get_file("data", origin=url + "data.tar.gz", untar=True, cache_dir=str(tmp_path / "c"))
    assert os.listdir(path) == []


def test_tar_members_outside_the_destination_are_skipped(tmp_path):
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        for name in ("ok.txt", "../escaped.txt", "/tmp/kerasx-absolute-escape.txt"):
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"e"))
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, "../../outside"
        tar.addfile(link)
        inner = tarfile.TarInfo("inner-link")
        inner.type, inner.linkname = tarfile.SYMTYPE, "ok.txt"
        tar.addfile(inner)
    out = tmp_path / "out"
    with pytest.warns(UserWarning) as caught:
        assert extract_archive(archive, out) is True
    skipped = sorted(str(w.message) for w in caught)
    assert skipped == sorted(f"Skipping invalid path during archive extraction: '{n}'."
                             for n in ("../escaped.txt", "/tmp/kerasx-absolute-escape.txt", "link"))
    assert sorted(os.listdir(out)) == ["inner-link", "ok.txt"]
    assert not (tmp_path / "escaped.txt").exists()
    assert not os.path.exists("/tmp/kerasx-absolute-escape.txt")


def test_zip_members_outside_the_destination_are_skipped(tmp_path):
    archive = tmp_path / "evil.zip"
    _zip(archive, {"ok.txt": b"o", "../escaped.txt": b"e"})
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match=r"Skipping invalid path during archive extraction: '\.\./escaped.txt'"):
        extract_archive(archive, out)
    assert os.listdir(out) == ["ok.txt"]
    assert not (tmp_path / "escaped.txt").exists()


def test_a_failed_extraction_leaves_the_destination_as_it_was(tmp_path, monkeypatch):
    archive = tmp_path / "p.tar"
    _tar(archive, {"new.txt": b"n"}, "w")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_bytes(b"k")

    def broken(*args, **kwargs):
        raise tarfile.ReadError("truncated archive")

    monkeypatch.setattr(file_utils, "_move_entries", broken)
    with pytest.raises(tarfile.ReadError):
        extract_archive(archive, out)
    assert os.listdir(out) == ["keep.txt"]  # tf.keras removes the destination folder instead
