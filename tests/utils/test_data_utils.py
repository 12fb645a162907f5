"""`Sequence` and the enqueuers (`OrderedEnqueuer`, `GeneratorEnqueuer`): batches in order, epochs with
`on_epoch_end` between them, read-ahead bounded by `max_queue_size`, workers' errors raised in the main
thread, and workers gone after `stop()`. Every wait has a time limit, so a bug fails instead of hanging."""
import threading
import time

import pytest

from kerasx.utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence

LIMIT_S = 60


def within_time_limit(fn):
    """`fn()` run in a daemon thread: its result, or a failure if it takes over LIMIT_S."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as error:  # handed to the test's thread
            box["error"] = error
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(LIMIT_S)
    if thread.is_alive():
        pytest.fail(f"did not finish within {LIMIT_S} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def worker_threads():
    return [t for t in threading.enumerate() if t.name.startswith("keras_")]


class SlowSequence(Sequence):
    """Batch i is the int i; earlier batches take longer, so workers finish them out of order."""

    def __init__(self, n=8, fail_at=None):
        self.n = n
        self.fail_at = fail_at
        self.requested = []
        self.epochs_ended = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        self.requested.append(index)
        if index == self.fail_at:
            raise KeyError(f"batch {index} is missing")
        time.sleep(0.002 * (self.n - index))
        return index + 100 * self.epochs_ended

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_ordered_enqueuer_gives_batches_in_order_epoch_after_epoch():
    seq = SlowSequence()
    enqueuer = OrderedEnqueuer(seq)
    enqueuer.start(workers=4, max_queue_size=5)

    def take_three_epochs():
        stream = enqueuer.get()
        return [next(stream) for _ in range(3 * len(seq))]
    try:
        got = within_time_limit(take_three_epochs)
    finally:
        enqueuer.stop()
    # on_epoch_end runs between epochs, before the next epoch's first batch is read.
    assert got == list(range(8)) + list(range(100, 108)) + list(range(200, 208))
    assert seq.epochs_ended == 2
    assert not enqueuer.is_running() and worker_threads() == []


def test_ordered_enqueuer_shuffles_each_epoch_when_asked():
    enqueuer = OrderedEnqueuer(SlowSequence(n=20), shuffle=True)
    enqueuer.start(workers=2)
    try:
        got = within_time_limit(lambda: list(enqueuer.epoch()))
    finally:
        enqueuer.stop()
    assert sorted(got) == list(range(20)) and got != list(range(20))


def test_read_ahead_is_bounded_by_max_queue_size():
    seq = SlowSequence(n=10)
    enqueuer = OrderedEnqueuer(seq)
    enqueuer.start(workers=4, max_queue_size=2)
    try:
        batches = enqueuer.epoch()
        assert within_time_limit(lambda: next(batches)) == 0
        # Two batches in flight, plus the one asked for when batch 0 was taken.
        assert max(seq.requested) <= 2
        assert within_time_limit(lambda: list(batches)) == list(range(1, 10))
    finally:
        enqueuer.stop()


def test_a_workers_error_is_raised_in_the_main_thread_and_the_workers_stop():
    enqueuer = OrderedEnqueuer(SlowSequence(fail_at=3))
    enqueuer.start(workers=3)
    got = []

    def consume():
        for batch in enqueuer.epoch():
            got.append(batch)
    with pytest.raises(KeyError, match="batch 3 is missing"):
        within_time_limit(consume)
    assert got == [0, 1, 2]
    assert not enqueuer.is_running() and worker_threads() == []


def test_the_enqueuer_must_be_started_and_its_arguments_are_checked():
    enqueuer = OrderedEnqueuer(SlowSequence())
    with pytest.raises(RuntimeError, match=r"The enqueuer is not running: call `start\(\)` first\."):
        enqueuer.epoch()
    with pytest.raises(ValueError, match=r"`workers` must be an integer >= 0 \(0 reads the data in the main "
                                         r"thread\); received workers=-2\."):
        enqueuer.start(workers=-2)
    with pytest.raises(ValueError, match=r"`max_queue_size` must be an integer >= 1; received "
                                         r"max_queue_size=0\."):
        enqueuer.start(workers=2, max_queue_size=0)
    assert not enqueuer.is_running() and worker_threads() == []


def _numbers(n, fail_at=None):
    for i in range(n):
        if i == fail_at:
            raise OSError(f"could not read record {i}")
        yield i


def test_generator_enqueuer_keeps_order_and_ends_with_a_finite_generator():
    enqueuer = GeneratorEnqueuer(_numbers(50))
    enqueuer.start(workers=3, max_queue_size=4)
    assert within_time_limit(lambda: list(enqueuer.get())) == list(range(50))
    assert not enqueuer.is_running() and worker_threads() == []


def test_generator_enqueuer_raises_the_generators_error_in_the_main_thread():
    enqueuer = GeneratorEnqueuer(_numbers(10, fail_at=4))
    enqueuer.start(workers=2)
    got = []

    def consume():
        for item in enqueuer.get():
            got.append(item)
    with pytest.raises(OSError, match="could not read record 4"):
        within_time_limit(consume)
    assert got == [0, 1, 2, 3]
    assert not enqueuer.is_running() and worker_threads() == []


def test_generator_enqueuer_stop_ends_a_reader_blocked_on_a_full_queue():
    enqueuer = GeneratorEnqueuer(_numbers(10 ** 6))
    enqueuer.start(workers=1, max_queue_size=1)
    stream = enqueuer.get()
    assert within_time_limit(lambda: next(stream)) == 0
    within_time_limit(enqueuer.stop)
    assert worker_threads() == []


def test_generator_enqueuer_refuses_processes():
    with pytest.raises(ValueError, match=r"`use_multiprocessing=True` needs a `keras.utils.Sequence`: a Python "
                                         r"generator cannot be sent to worker processes \(it is not "
                                         r"picklable\)\."):
        GeneratorEnqueuer(_numbers(3), use_multiprocessing=True)
