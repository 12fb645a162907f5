"""Writing a file all at once: the data goes to a temporary file next to the target, which replaces
the target only once it is complete, so a crash or an error mid-write never leaves a half-written
file (and never destroys the previous one).

A writer killed outright (`kill -9`, the OOM killer, a lost node) cannot remove its temporary file, and a
model's is as large as the model. So the temporary file's name says who wrote it,

    .<target name>.<host>.<pid>.<random>.tmp

and every write to a target first removes the temporaries of that target whose writer is dead: same
host, and no process with that id, or one that started after the temporary file was last written (the id
was reused). A live writer's file is left alone, and so is any other host's (on a shared file system its
writers cannot be checked from here).
"""
import contextlib
import os
import re
import socket
import uuid


def check_overwrite(filepath, overwrite):
    """tf.keras prompts before overwriting; kerasx is used non-interactively, so it refuses."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"File {filepath} already exists and overwrite=False. Pass overwrite=True "
                              "to replace it.")


def _host():
    # Only characters that are safe in a file name and cannot be mistaken for the name's separators' role.
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def temporary_name(basename, host=None, pid=None):
    """The name of a temporary file for target `basename`, written by this process (or `host`/`pid`)."""
    host = _host() if host is None else host
    pid = os.getpid() if pid is None else pid
    return f".{basename}.{host}.{pid}.{uuid.uuid4().hex[:12]}.tmp"


def _temporary_pattern(basename):
    return re.compile(rf"\.{re.escape(basename)}\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[0-9a-f]{{12}}\.tmp")


def _process_start_time(pid):
    """When process `pid` started (seconds since the epoch), or None where /proc cannot tell (not Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            # Field 22, counted after the parenthesised command name (which may hold spaces).
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat") as f:
            boot_time = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot_time + start_ticks / os.sysconf("SC_CLK_TCK")


def _writer_is_dead(pid, last_written):
    """True only when sure: no process `pid` exists, or the one that does started after the temporary
    file was last written, so it is not the writer (its id was reused)."""
    if os.name == "nt":  # os.kill(pid, 0) terminates the process on Windows instead of probing it
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's live process: not dead
        pass
    started = _process_start_time(pid)
    # /proc's boot time is in whole seconds: a margin of two keeps a live writer from looking too young.
    return started is not None and started > last_written + 2.0


def remove_dead_writers_temporaries(filepath):
    """Removes the temporary files that dead writers on this host left beside `filepath`; returns
    their paths."""
    dirpath, basename = os.path.split(os.path.abspath(filepath))
    pattern, host = _temporary_pattern(basename), _host()
    removed = []
    try:
        entries = list(os.scandir(dirpath))
    except FileNotFoundError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match or match["host"] != host or not entry.is_file(follow_symlinks=False):
            continue
        try:
            last_written = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:  # its writer finished (renamed it) meanwhile
            continue
        if _writer_is_dead(int(match["pid"]), last_written):
            with contextlib.suppress(FileNotFoundError):
                os.remove(entry.path)
                removed.append(entry.path)
    return removed


@contextlib.contextmanager
def atomic_path(filepath):
    """Yields a temporary path in `filepath`'s directory (created if missing); on success the file
    written there replaces `filepath`, on error it is removed. Dead writers' leftovers go first."""
    filepath = os.path.abspath(filepath)
    dirpath = os.path.dirname(filepath)
    os.makedirs(dirpath, exist_ok=True)
    remove_dead_writers_temporaries(filepath)
    # Same directory, so os.replace is a rename on one file system (atomic on POSIX and Windows).
    tmp = os.path.join(dirpath, temporary_name(os.path.basename(filepath)))
    try:
        yield tmp
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


__all__ = ["atomic_path", "check_overwrite", "remove_dead_writers_temporaries", "temporary_name"]
