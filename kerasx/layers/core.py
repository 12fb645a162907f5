"""Keras 2's `keras.layers.core` import path (2.2.5's module of that name): Dense, Activation, Dropout
and the spatial dropouts, Flatten, Reshape, Permute, RepeatVector, Lambda, ActivityRegularization and
Masking, the same classes as `kerasx.layers`. The classes live in their family modules."""
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.core_layers import Activation, Dense, Dropout, Flatten, Reshape
from kerasx.layers.embedding import Masking
from kerasx.layers.lambda_layer import ActivityRegularization, Lambda
from kerasx.layers.noise import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from kerasx.layers.reshaping import Permute, RepeatVector

__all__ = ["Activation", "ActivityRegularization", "Dense", "Dropout", "Flatten", "InputSpec", "Lambda",
           "Layer", "Masking", "Permute", "RepeatVector", "Reshape", "SpatialDropout1D", "SpatialDropout2D",
           "SpatialDropout3D"]
