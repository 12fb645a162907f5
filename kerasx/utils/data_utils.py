"""`Sequence`: the base class for indexable batch sources fed to `fit`, `evaluate` and `predict`."""
from abc import abstractmethod


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
