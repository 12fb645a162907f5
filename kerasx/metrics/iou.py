"""Intersection-over-union metrics (tf.keras's `iou_metrics`): `IoU`, `MeanIoU`, `BinaryIoU`, `OneHotIoU`,
`OneHotMeanIoU`. Each keeps a (num_classes, num_classes) confusion matrix (rows: true class, columns:
predicted class) on the device, accumulated as one_hot(true)ᵀ · (one_hot(predicted) · weight)."""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.losses.utils import to_tensor
from kerasx.metrics.base import Metric, divide_no_nan


class _IoUBase(Metric):
    """The confusion matrix every IoU metric shares. Labels and predictions are class ids (or one-hot /
    scores, arg-maxed over `axis`, where `sparse_y_true` / `sparse_y_pred` is False); `ignore_class`
    entries are left out. Ids outside [0, num_classes) count nowhere (tf.math.confusion_matrix raises;
    checking would read the device back every step)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"Argument `num_classes` must be a positive integer. Received: "
                             f"num_classes={num_classes}")
        super().__init__(name=name, dtype=dtype)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix", shape=(num_classes, num_classes),
                                        initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = to_tensor(y_true)
        y_pred = to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        y_true = ops.reshape(ops.cast(y_true, dtype=self._dtype), shape=(-1,))
        y_pred = ops.reshape(ops.cast(y_pred, dtype=self._dtype), shape=(-1,))
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__} {self.name!r}: y_true and y_pred hold different numbers "
                             f"of entries ({y_true.shape[0]} and {y_pred.shape[0]}).")
        weights = None
        if sample_weight is not None:
            weights = ops.reshape(to_tensor(sample_weight, self._dtype), shape=(-1,))
            if weights.shape != y_true.shape:
                raise ValueError(f"{type(self).__name__} {self.name!r}: sample_weight holds {weights.shape[0]} "
                                 f"entries for {y_true.shape[0]} predictions.")
        if self.ignore_class is not None:
            keep = ops.cast(ops.not_equal(y_true, float(self.ignore_class)), dtype=self._dtype)
            weights = keep if weights is None else ops.multiply(weights, keep)
        # Ids truncate to integers, as tf's cast in confusion_matrix.
        true_hot = ops.one_hot(y_true, depth=self.num_classes, dtype=self._dtype)
        pred_hot = ops.one_hot(y_pred, depth=self.num_classes, dtype=self._dtype)
        if weights is not None:
            pred_hot = ops.multiply(pred_hot, ops.expand_dims(weights, -1))
        self.total_cm.assign_add(ops.matmul(ops.transpose(true_hot), pred_hot))


class IoU(_IoUBase):
    """The mean, over `target_class_ids`, of true_positives / (true_positives + false_positives +
    false_negatives); classes that never occur (a zero denominator) are left out of the mean."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        target_class_ids = list(target_class_ids)
        if not target_class_ids:
            raise ValueError("Argument `target_class_ids` must hold at least one class id. Received: "
                             "target_class_ids=[]")
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = target_class_ids
        self._target_hot = as_tensor([[1.0 if i == t else 0.0 for t in target_class_ids]
                                      for i in range(num_classes)], dtype=self._dtype)  # (C, K)
        self._eye = as_tensor([[1.0 if i == j else 0.0 for j in range(num_classes)] for i in range(num_classes)],
                              dtype=self._dtype)

    def result(self):
        cm = self.total_cm
        true_positives = ops.sum(ops.multiply(cm, self._eye), axis=0)  # the diagonal
        denominator = ops.subtract(ops.add(ops.sum(cm, axis=0), ops.sum(cm, axis=1)), true_positives)
        # Picking the target classes is a matmul with their one-hot columns (a gather on the device).
        true_positives = ops.matmul(ops.expand_dims(true_positives, 0), self._target_hot)[0]
        denominator = ops.matmul(ops.expand_dims(denominator, 0), self._target_hot)[0]
        num_valid = ops.sum(ops.cast(ops.greater(denominator, 1e-9), dtype=self._dtype))
        return divide_no_nan(ops.sum(divide_no_nan(true_positives, denominator)), num_valid)

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                       "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                       "sparse_y_pred": self.sparse_y_pred, "axis": self.axis})
        return config


class BinaryIoU(IoU):
    """IoU of two classes, a prediction >= `threshold` being class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(ops.greater_equal(to_tensor(y_pred, self._dtype), float(self.threshold)),
                          dtype=self._dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        # A bad `num_classes` gets the base's error (it is checked before the target ids).
        targets = list(range(num_classes)) if isinstance(num_classes, int) else []
        super().__init__(num_classes, target_class_ids=targets, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU of one-hot labels (and, unless `sparse_y_pred`, per-class scores), arg-maxed over `axis`."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU of one-hot labels (and, unless `sparse_y_pred`, per-class scores)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
