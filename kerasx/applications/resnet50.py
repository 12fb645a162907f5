"""`keras.applications.resnet50`, the module tf.keras keeps from Keras 1: ResNet50 and its
preprocessing, the same functions as `resnet`'s."""
from kerasx.applications.resnet import ResNet50, decode_predictions, preprocess_input  # noqa: F401
