"""The epoch and step loop over a data adapter, as tf.keras's `DataHandler`: how many steps an epoch
has, when a stream's pass starts again, and what happens when the data runs out."""
import logging

from kerasx.engine.data_adapter import DatasetAdapter, select_adapter
from kerasx.utils.data_utils import check_worker_arguments

_logger = logging.getLogger("kerasx")


class _Lookahead:
    """An iterator that can tell whether it has an element left, keeping the element it looked at."""

    def __init__(self, iterator):
        self._iterator = iterator
        self._ahead = []

    def __iter__(self):
        return self

    def __next__(self):
        if self._ahead:
            return self._ahead.pop()
        return next(self._iterator)

    def exhausted(self):
        if not self._ahead:
            try:
                self._ahead.append(next(self._iterator))
            except StopIteration:
                return True
        return False


class _CatchStopIteration:
    def __init__(self, handler):
        self._handler = handler

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or not issubclass(exc_type, StopIteration):
            return False
        self._handler._on_out_of_data()
        return True


class DataHandler:
    """Iterates epochs and steps over an adapter, as tf.keras's `DataHandler`: infers the steps per
    epoch (from the data, `steps_per_epoch`, or the end of the first pass) and stops early, with a
    warning, when the data runs out before `steps_per_epoch * epochs` batches."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 initial_epoch=0, epochs=1, shuffle=False, class_weight=None, steps_per_execution=1,
                 checks=None, max_queue_size=10, workers=1, use_multiprocessing=False):
        check_worker_arguments(workers, use_multiprocessing, max_queue_size)
        self._initial_epoch = initial_epoch
        self._epochs = epochs
        self._insufficient_data = False
        self._steps_per_execution = int(steps_per_execution or 1)
        adapter_cls = select_adapter(x, y)
        self._adapter = adapter_cls(x, y, sample_weights=sample_weight, batch_size=batch_size,
                                    steps=steps_per_epoch, epochs=epochs - initial_epoch, shuffle=shuffle,
                                    class_weight=class_weight, checks=checks, workers=workers,
                                    use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        self._inferred_steps = self._infer_steps(steps_per_epoch)
        self._current_step = 0
        self._initial_step = 0
        self._step_increment = self._steps_per_execution - 1

    def _infer_steps(self, steps):
        if steps == -1:
            return None
        if steps is not None:
            return steps
        size = self._adapter.get_size()
        if size is not None:
            return size
        if isinstance(self._adapter, DatasetAdapter):
            n = self._adapter.cardinality()
            return n if n >= 0 else None
        return None

    @property
    def inferred_steps(self):
        return self._inferred_steps

    @property
    def step_increment(self):
        """Added to a step's index to name the last batch it ran (for `on_*_batch_end`)."""
        return self._step_increment

    def enumerate_epochs(self):
        """Yields `(epoch, iterator)`; the iterator yields packed batches of device Tensors.

        An epoch that continues the previous epoch's stream starts only if the stream has a batch left:
        a finite generator that ran out exactly at the end of an epoch would otherwise start an epoch
        with no step, whose logs could only be the previous epoch's. The handler warns and stops
        instead, before the epoch's callbacks run."""
        iterator = None
        for epoch in range(self._initial_epoch, self._epochs):
            if self._insufficient_data:
                break
            if iterator is None or self._adapter.should_recreate_iterator():
                iterator = _Lookahead(self._adapter.make_iterator())
            elif iterator.exhausted():
                self._on_out_of_data()
                break
            yield epoch, iterator
            self._adapter.on_epoch_end()

    def close(self):
        """Stops the data's workers, if any: `fit`, `evaluate` and `predict` call it when they end,
        also when they raise."""
        self._adapter.close()

    def catch_stop_iteration(self):
        """A context where the data running out ends the epoch instead of raising."""
        return _CatchStopIteration(self)

    def _on_out_of_data(self):
        if self._inferred_steps is None:
            self._inferred_steps = self._current_step
        else:
            self._insufficient_data = True
            total = (self._epochs - self._initial_epoch) * self._inferred_steps
            _logger.warning(
                "Your input ran out of data; interrupting training. Make sure that your dataset or "
                "generator can generate at least `steps_per_epoch * epochs` batches (in this case, "
                f"{total} batches). You may need to use the repeat() function when building your "
                "dataset.")

    def resume_at(self, epoch, step):
        """Makes the epochs start at `epoch`, and that epoch at step `step` (a `fit` resumed by
        `BackupAndRestore`). As tf.keras, the resumed epoch's data starts from its beginning."""
        self._initial_epoch = epoch
        self._initial_step = step

    def steps(self):
        """Yields the index of the first step of each execution (of `steps_per_execution` steps)."""
        self._current_step = self._initial_step
        self._initial_step = 0
        spe = self._steps_per_execution
        while self._inferred_steps is None or self._current_step < self._inferred_steps:
            if self._insufficient_data:
                break
            if self._inferred_steps is None:
                n = spe
            else:
                n = min(spe, self._inferred_steps - self._current_step)
            self._step_increment = n - 1
            yield self._current_step
            self._current_step += n

    @property
    def steps_in_execution(self):
        return self._step_increment + 1
