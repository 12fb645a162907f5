"""`keras.metrics.experimental`, as tf.keras 2.x has it: `PyMetric`."""
from kerasx.metrics.py_metric import PyMetric

__all__ = ["PyMetric"]
