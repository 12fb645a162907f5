"""The collective watchdog: a collective that has not completed after `KERASX_COLLECTIVE_TIMEOUT`
seconds (300 by default) ends the job with a message naming the collective and where training was.

A rank that stops calling collectives (an endless loop, a wait on a lock, a bug that skips a step on
one rank) would otherwise leave the other ranks blocked forever. The watch is one daemon thread that
wakes a few times per timeout; mpi4py releases the GIL in blocking calls, so it runs while the main
thread waits inside MPI.
"""
import os
import sys
import threading
import time

TIMEOUT_VARIABLE = "KERASX_COLLECTIVE_TIMEOUT"
DEFAULT_TIMEOUT = 300.0


def collective_timeout(environ=None):
    """The timeout in seconds from `KERASX_COLLECTIVE_TIMEOUT` (a positive number), else 300."""
    environ = os.environ if environ is None else environ
    raw = environ.get(TIMEOUT_VARIABLE)
    if raw is None or raw == "":
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{TIMEOUT_VARIABLE} must be a positive number of seconds; received {raw!r}.")
    return value


class CollectiveWatchdog:
    """Watches one collective at a time; `on_timeout(message)` is called (from the watch thread) when
    the one in progress outlives `timeout` seconds."""

    def __init__(self, timeout, rank, on_timeout):
        self.timeout = float(timeout)
        self.rank = rank
        self.where = "outside fit"  # set by the training loop: 'fit epoch 2 step 7'
        self._on_timeout = on_timeout
        self._current = None  # (name, where, started)
        self._lock = threading.Lock()
        self._thread = None

    def begin(self, name):
        with self._lock:
            self._current = (name, self.where, time.monotonic())
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kerasx-collective-watchdog", daemon=True)
            self._thread.start()

    def end(self):
        with self._lock:
            self._current = None

    def _run(self):
        period = min(1.0, self.timeout / 4)
        while True:
            time.sleep(period)
            with self._lock:
                current = self._current
            if current is None:
                continue
            name, where, started = current
            waited = time.monotonic() - started
            if waited > self.timeout:
                message = (f"[kerasx rank {self.rank}] collective '{name}' ({where}) has waited {waited:.1f} s, "
                           f"more than {TIMEOUT_VARIABLE}={self.timeout:g} s: another rank stopped calling "
                           "collectives (it hangs, or it took another path). Aborting the MPI job.\n")
                if name == "barrier":
                    message += (f"[kerasx rank {self.rank}] (model.save / save_weights end with a barrier: under a "
                                "multi-process strategy call them on every rank; the chief writes.)\n")
                sys.stderr.write(message)
                sys.stderr.flush()
                self._on_timeout(message)
                return
