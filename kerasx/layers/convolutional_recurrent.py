"""Keras 2's `keras.layers.convolutional_recurrent` import path: what Keras 2.2.5's module of that name held
(`ConvRNN2D`, `ConvLSTM2DCell`, `ConvLSTM2D`) and tf.keras 2.x's ConvLSTM layers and their cell, the same
classes as `kerasx.layers`'s."""
from kerasx.layers.conv_recurrent import (ConvLSTM, ConvLSTM1D, ConvLSTM2D, ConvLSTM2DCell, ConvLSTM3D,
                                          ConvLSTMCell)
from kerasx.layers.conv_rnn_base import ConvRNN, ConvRNN2D

__all__ = ["ConvLSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM2DCell", "ConvLSTM3D", "ConvLSTMCell", "ConvRNN",
           "ConvRNN2D"]
