"""`TimedThread`: a background thread that calls `on_interval` every `interval` seconds (alongside `fit`,
for instance), as `tf.keras.utils.TimedThread`."""
import threading
import warnings
from abc import abstractmethod


class TimedThread:
    """Calls `self.on_interval()` in a thread, then waits `interval` seconds, until `stop()`.

    Subclass it and implement `on_interval`; start and stop it by hand or use it as a context manager.
    It may also subclass `keras.callbacks.Callback` to see training events. An exception raised by
    `on_interval` ends the thread (catch it there to keep running), as in tf.keras.

    Args:
        interval: seconds to wait between calls.
        **kwargs: passed to `threading.Thread`; the thread is a daemon unless `daemon=False`.
    """

    def __init__(self, interval, **kwargs):
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval < 0:
            raise ValueError(f"TimedThread: `interval` must be a number of seconds >= 0; received "
                             f"interval={interval!r}.")
        self.interval = interval
        self.daemon = kwargs.pop("daemon", True)
        self.thread_kwargs = kwargs
        self.thread = None
        self.thread_stop_event = None

    def _call_on_interval(self):
        while not self.thread_stop_event.is_set():
            self.on_interval()
            self.thread_stop_event.wait(self.interval)

    def start(self):
        """Creates and starts the thread (a warning, and nothing else, if it runs already)."""
        if self.thread and self.thread.is_alive():
            warnings.warn("Thread is already running.", stacklevel=2)
            return
        self.thread_stop_event = threading.Event()
        self.thread = threading.Thread(target=self._call_on_interval, daemon=self.daemon, **self.thread_kwargs)
        self.thread.start()

    def stop(self):
        """Asks the thread to stop: it ends after the call to `on_interval` in progress, if any."""
        if self.thread_stop_event:
            self.thread_stop_event.set()

    def is_alive(self):
        """Whether the thread is running."""
        return bool(self.thread) and self.thread.is_alive()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *args, **kwargs):
        self.stop()

    @abstractmethod
    def on_interval(self):
        """What runs every `interval` seconds, in the thread."""
        raise NotImplementedError("Runs every x interval seconds. Needs to be implemented in subclasses of "
                                  "`TimedThread`")
