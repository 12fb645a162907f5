"""`keras.layers`: every layer class, plus `serialize`/`deserialize` by Keras class name.

Every layer class of kerasx registers itself for deserialization where it is defined
(`Layer.__init_subclass__`), models included, so a new layer needs no entry anywhere else.
"""
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_layer import Input, InputLayer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from kerasx.layers.core_layers import Activation, Dense, Dropout, Flatten, Identity, Reshape
from kerasx.layers.dense_attention import AdditiveAttention, Attention
from kerasx.layers.einsum_dense import EinsumDense
from kerasx.layers.conv_separable import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                                          SeparableConvolution1D, SeparableConvolution2D)
from kerasx.layers.conv_recurrent import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from kerasx.layers.conv_transpose import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
                                          Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose)
from kerasx.layers.conv_base import Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D
from kerasx.layers.lambda_layer import ActivityRegularization, Lambda
from kerasx.layers.local import LocallyConnected1D, LocallyConnected2D
from kerasx.layers.embedding import Embedding, Masking
from kerasx.layers.multi_head_attention import MultiHeadAttention
from kerasx.layers.merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                                 average, concatenate, dot, maximum, minimum, multiply, subtract)
from kerasx.layers.normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                                         UnitNormalization)
from kerasx.layers.noise import (AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
                                 SpatialDropout2D, SpatialDropout3D)
from kerasx.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D,
                                   AvgPool3D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                                   GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
                                   GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D,
                                   GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
                                   MaxPooling1D, MaxPooling2D, MaxPooling3D)
from kerasx.layers.wrappers import TimeDistributed, Wrapper
from kerasx.layers.preprocessing import (HashedCrossing, Hashing, IntegerLookup, StringLookup,
                                         TextVectorization)
from kerasx.layers import experimental
from kerasx.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, Permute, RepeatVector, UpSampling1D,
                                     UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from kerasx.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, Normalization,
                                         RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomHeight,
                                         RandomRotation, RandomTranslation, RandomWidth, RandomZoom, Rescaling,
                                         Resizing)
from kerasx.layers.recurrent import GRU, LSTM, SimpleRNN
from kerasx.layers.rnn_base import RNN, StackedRNNCells
from kerasx.layers.rnn_cells import AbstractRNNCell, GRUCell, LSTMCell, SimpleRNNCell
from kerasx.layers.spectral_normalization import SpectralNormalization
from kerasx.layers.wrappers_rnn import Bidirectional
# `layers.experimental.preprocessing`: the same preprocessing classes under tf.keras 2.x's older path.
from kerasx.layers import experimental  # noqa: F401
from kerasx.saving.object_registration import (built_in_objects, deserialize_keras_object,
                                               register_serialization, serialize_keras_object)


def layer_classes():
    """Keras class name -> class, for every built-in layer (and model) class."""
    return built_in_objects("layer")


def serialize(layer):
    """``{"class_name": "Dense", "config": {...}}``."""
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from ``{"class_name": ..., "config": ...}``; custom classes come from
    `custom_objects`, an active `custom_object_scope` or `register_keras_serializable`."""
    return deserialize_keras_object(config, module_objects=built_in_objects("layer"),
                                    custom_objects=custom_objects, printable_module_name="layer")


# Found by name from below: wrappers and RNNs rebuilding their inner layers, model configs, activations
# given as layer configs.
register_serialization("layer", serialize=serialize, deserialize=deserialize)
