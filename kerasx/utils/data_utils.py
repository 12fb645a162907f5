"""`Sequence`, the base class for indexable batch sources fed to `fit`, `evaluate` and `predict`, and the
enqueuers that read batches ahead of training with workers, under tf.keras's names: `OrderedEnqueuer`
(a Sequence, batches in order) and `GeneratorEnqueuer` (a Python generator).

Workers are threads (`concurrent.futures.ThreadPoolExecutor`) or, with `use_multiprocessing=True`,
processes started with 'spawn' (safe where the parent runs threads, as BLAS and the device do; fork
would copy their locks mid-use). A spawned worker receives the Sequence by pickling, so it must be
picklable: an instance of a class defined at module level. An exception raised in a worker is raised
again in the main process with its type and message; the pool is shut down when the enqueuer stops.
"""
import collections
import concurrent.futures
import multiprocessing
import os
import pickle
import queue
import random
import shutil
import tempfile
import threading
from abc import abstractmethod

# tf.keras's `keras.utils.data_utils` also holds these; they live in their own modules here.
from kerasx.utils.file_utils import get_file, validate_file  # noqa: F401
from kerasx.utils.sequence_utils import pad_sequences  # noqa: F401


class Sequence:
    """Base object for fitting to a sequence of data, such as a dataset.

    Every `Sequence` must implement `__getitem__` (the batch at an index, as `(x, y)` or
    `(x, y, sample_weight)`, or `x` alone for `predict`) and `__len__` (the number of batches). It may
    implement `on_epoch_end` to modify the data between epochs.
    """

    @abstractmethod
    def __getitem__(self, index):
        """Gets batch at position `index`."""
        raise NotImplementedError("abstract: a Sequence subclass returns its batch here")

    @abstractmethod
    def __len__(self):
        """Number of batches in the Sequence."""
        raise NotImplementedError("abstract: a Sequence subclass returns its length here")

    def on_epoch_end(self):
        """Method called at the end of every epoch."""

    def __iter__(self):
        """Creates a generator that iterates over the Sequence."""
        for item in (self[i] for i in range(len(self))):
            yield item


def check_worker_arguments(workers, use_multiprocessing, max_queue_size):
    """Raises unless `workers` is an int >= 0 (0 and 1 read in the main thread, as tf.keras),
    `max_queue_size` an int >= 1 and `use_multiprocessing` a bool."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError("`workers` must be an integer >= 0 (0 reads the data in the main thread); "
                         f"received workers={workers!r}.")
    if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int) or max_queue_size < 1:
        raise ValueError("`max_queue_size` must be an integer >= 1; received "
                         f"max_queue_size={max_queue_size!r}.")
    if not isinstance(use_multiprocessing, bool):
        raise ValueError("`use_multiprocessing` must be True or False; received "
                         f"use_multiprocessing={use_multiprocessing!r}.")


def uses_workers(workers, use_multiprocessing):
    """tf.keras's rule: workers read the data when there are several, or one process."""
    return workers > 1 or (workers > 0 and use_multiprocessing)


# ---------------------------------------------------------------- what a worker process runs
# A worker process keeps its own copy of the Sequence. After `on_epoch_end` (which may reshuffle the
# Sequence's indices) the main process writes the new state to a file once, and each worker reloads it
# on its first batch of the next epoch: one pool serves the whole run, where tf.keras forks a new pool
# every epoch (a spawned pool costs a fresh interpreter and import per worker).
_WORKER_STATE = {"generation": None, "sequence": None}


def _item_in_worker(generation, path, index):
    if _WORKER_STATE["generation"] != generation:
        with open(path, "rb") as f:
            # This run's own main process wrote it, in a directory only this user can read
            # (mkdtemp): not a file from elsewhere, which kerasx never unpickles.
            _WORKER_STATE["sequence"] = pickle.load(f)
        _WORKER_STATE["generation"] = generation
    return _WORKER_STATE["sequence"][index]


def _overrides_on_epoch_end(sequence):
    return type(sequence).on_epoch_end is not Sequence.on_epoch_end


# ---------------------------------------------------------------- enqueuers
class SequenceEnqueuer:
    """Base class of the enqueuers: `start(workers, max_queue_size)`, then `get()` (a generator of
    batches), then `stop()`.

    Args:
        sequence: what the workers read (a `Sequence` or a generator).
        use_multiprocessing: worker processes if True, else threads.
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.workers = 0
        self.max_queue_size = 0
        self._running = False

    def is_running(self):
        return self._running

    def start(self, workers=1, max_queue_size=10):
        """Starts the workers; at most `max_queue_size` batches are read ahead of the consumer."""
        check_worker_arguments(workers, self.use_multiprocessing, max_queue_size)
        self.workers = max(1, workers)
        self.max_queue_size = max_queue_size
        self._start()
        self._running = True

    def stop(self, timeout=None):
        """Stops the workers, dropping the batches read ahead. Safe to call more than once."""
        if self._running:
            self._running = False
            self._stop(timeout)

    def __del__(self):
        if getattr(self, "_running", False):
            self.stop()

    @abstractmethod
    def _start(self):
        """Creates the workers."""
        raise NotImplementedError("abstract: each enqueuer creates its workers")

    @abstractmethod
    def _stop(self, timeout):
        """Shuts the workers down."""
        raise NotImplementedError("abstract: each enqueuer shuts its workers down")

    @abstractmethod
    def get(self):
        """A generator of the batches."""
        raise NotImplementedError("abstract: each enqueuer yields its batches")


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads a `Sequence` with workers, giving its batches back in order (shuffled per epoch if
    `shuffle`); `get()` runs epoch after epoch, calling `sequence.on_epoch_end()` between them.

    Args:
        sequence: a `keras.utils.Sequence`.
        use_multiprocessing: worker processes if True (the Sequence must be picklable), else threads.
        shuffle: whether to shuffle the batch order at the start of each epoch.
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle
        self._executor = None
        self._epoch = None
        self._state_dir = None
        self._generation = 0

    def _start(self):
        if not self.use_multiprocessing:
            self._executor = concurrent.futures.ThreadPoolExecutor(self.workers,
                                                                   thread_name_prefix="keras_worker")
            return
        self._state_dir = tempfile.mkdtemp(prefix="keras_sequence_")
        try:
            self._send_sequence()
        except BaseException:
            shutil.rmtree(self._state_dir, ignore_errors=True)
            self._state_dir = None
            raise
        self._executor = concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"))

    def _state_path(self, generation):
        return os.path.join(self._state_dir, f"sequence-{generation}.pkl")

    def pickled_sequence(self):
        """The Sequence as bytes for the worker processes; raises a TypeError saying why when it cannot
        be pickled (`fit` calls this before training starts)."""
        try:
            return pickle.dumps(self.sequence)
        except Exception as error:
            raise TypeError(
                "use_multiprocessing=True sends the Sequence to worker processes, which needs it to be "
                "picklable (an instance of a class defined at module level); "
                f"{type(self.sequence).__name__} is not: {error}") from error

    def _send_sequence(self):
        """Writes the Sequence's current state for the worker processes."""
        payload = self.pickled_sequence()
        self._generation += 1
        with open(self._state_path(self._generation), "wb") as f:
            f.write(payload)
        previous = self._state_path(self._generation - 1)
        if os.path.exists(previous):
            os.remove(previous)  # every batch of that epoch has been read or cancelled

    def _submit(self, index):
        if self.use_multiprocessing:
            return self._executor.submit(_item_in_worker, self._generation,
                                         self._state_path(self._generation), int(index))
        return self._executor.submit(self.sequence.__getitem__, int(index))

    def epoch(self, order=None):
        """One epoch's batches in `order` (default: every index, shuffled if `shuffle`), each read by
        a worker at most `max_queue_size` batches ahead."""
        if not self._running:
            raise RuntimeError("The enqueuer is not running: call `start()` first.")
        self._close_epoch()
        if order is None:
            order = list(range(len(self.sequence)))
            if self.shuffle:
                random.shuffle(order)
        self._epoch = self._ordered(order)
        return self._epoch

    def _ordered(self, order):
        pending = collections.deque()
        indices = iter(order)
        try:
            for index in indices:
                pending.append(self._submit(index))
                if len(pending) >= self.max_queue_size:
                    break
            while pending:
                future = pending.popleft()
                for index in indices:
                    pending.append(self._submit(index))
                    break
                yield future.result()  # a worker's exception is raised here, in the main process
        except GeneratorExit:  # the consumer closed the epoch early: the workers stay for the next
            raise
        except BaseException:
            self._epoch = None  # this generator is the one running: `stop` must not close it
            self.stop()
            raise
        finally:
            for future in pending:
                future.cancel()

    def _close_epoch(self):
        if self._epoch is not None:
            self._epoch.close()
            self._epoch = None

    def end_epoch(self):
        """Between epochs: `sequence.on_epoch_end()`, then, where it may have changed the Sequence, its
        new state for the worker processes (each holds its own copy)."""
        self._close_epoch()
        self.sequence.on_epoch_end()
        if self._running and self.use_multiprocessing and _overrides_on_epoch_end(self.sequence):
            self._send_sequence()

    def get(self):
        """The batches of epoch after epoch, until `stop()`."""
        while self._running:
            yield from self.epoch()
            if self._running:
                self.end_epoch()

    def _stop(self, timeout):
        self._close_epoch()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)
            self._state_dir = None


_END = object()


class GeneratorEnqueuer(SequenceEnqueuer):
    """Reads a Python generator ahead of its consumer in a background thread, keeping its order.

    A generator yields one item at a time whatever the number of threads (tf.keras's threads raise on
    a generator that is not thread-safe), so one thread reads it; a generator cannot be sent to worker
    processes (it does not pickle), so `use_multiprocessing=True` needs a `Sequence`.

    Args:
        generator: a generator (or iterator) of batches; may be finite.
        use_multiprocessing: must be False (see above).
        random_seed: accepted for tf.keras compatibility; the generator runs in this process.
    """

    def __init__(self, generator, use_multiprocessing=False, random_seed=None):
        if use_multiprocessing:
            raise ValueError("`use_multiprocessing=True` needs a `keras.utils.Sequence`: a Python generator "
                             "cannot be sent to worker processes (it is not picklable). Use a Sequence, or "
                             "`use_multiprocessing=False` to read the generator in a background thread.")
        super().__init__(generator, use_multiprocessing)
        self.random_seed = random_seed
        self._queue = None
        self._thread = None
        self._stop_event = None

    def _start(self):
        self._queue = queue.Queue(self.max_queue_size)
        self._stop_event = threading.Event()
        self._thread = threading.Thread(target=self._read, name="keras_generator_reader", daemon=True)
        self._thread.start()

    def _put(self, item):
        """Waits for room in the queue, giving up when stopped (so the thread never blocks forever)."""
        while not self._stop_event.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self):
        try:
            for item in self.sequence:
                if not self._put((item, None)):
                    return
        except BaseException as error:  # raised again by `get` in the consumer's thread
            self._put((None, error))
            return
        self._put((_END, None))

    def get(self):
        """The generator's items in order; ends when it ends; its exception is raised here."""
        while self._running:
            try:
                item, error = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if error is not None:
                self.stop()
                raise error
            if item is _END:
                self.stop()
                return
            yield item

    def _stop(self, timeout):
        self._stop_event.set()
        self._thread.join(timeout)
