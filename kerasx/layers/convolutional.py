"""Keras 2's `keras.layers.convolutional` import path (2.2.5's module of that name): the convolution,
transposed, separable and depthwise layers, zero padding, cropping and upsampling, and the pooling layers
it re-exported, all the same classes as `kerasx.layers`. The classes live in their family modules."""
from kerasx.layers.conv_base import Conv, Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D
from kerasx.layers.conv_separable import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                                          SeparableConvolution1D, SeparableConvolution2D)
from kerasx.layers.conv_transpose import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
                                          Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose)
from kerasx.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, MaxPooling1D,
                                   MaxPooling2D, MaxPooling3D)
from kerasx.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D,
                                     UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)

# Keras 2's names for the transposed convolutions.
Deconvolution2D = Conv2DTranspose
Deconvolution3D = Conv3DTranspose

__all__ = ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "Conv", "Conv1D", "Conv1DTranspose",
           "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "Convolution1D", "Convolution1DTranspose",
           "Convolution2D", "Convolution2DTranspose", "Convolution3D", "Convolution3DTranspose", "Cropping1D",
           "Cropping2D", "Cropping3D", "Deconvolution2D", "Deconvolution3D", "DepthwiseConv1D",
           "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D",
           "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D", "UpSampling1D",
           "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]
