"""Keras 2's `keras.layers.convolutional_recurrent` import path: the ConvLSTM layers and their cell, the
same classes as `kerasx.layers`'s."""
from kerasx.layers.conv_recurrent import ConvLSTM, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvLSTMCell

__all__ = ["ConvLSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "ConvLSTMCell"]
