"""`keras.applications`: tf.keras 2.x's architectures, with its layer names, layer counts and
parameter counts, `weights=None | 'imagenet' | path` and each family's `preprocess_input` and
`decode_predictions`. One module per tf.keras module (`vgg16`, `resnet`, ...); the shared input-shape,
weights and preprocessing helpers are in `imagenet_utils`.
"""
from kerasx.applications import imagenet_utils  # noqa: F401
from kerasx.applications import mobilenet_v2  # noqa: F401
from kerasx.applications.mobilenet_v2 import MobileNetV2  # noqa: F401
from kerasx.applications import mobilenet  # noqa: F401
from kerasx.applications.mobilenet import MobileNet  # noqa: F401

# VGG, ResNet, ResNetV2, ResNetRS

# DenseNet, InceptionV3, InceptionResNetV2, Xception, NASNet

# MobileNetV3, EfficientNet, EfficientNetV2

# ConvNeXt, RegNet
from kerasx.applications import convnext  # noqa: F401
from kerasx.applications.convnext import (ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny,  # noqa: F401
                                          ConvNeXtXLarge)
from kerasx.applications import regnet  # noqa: F401
from kerasx.applications.regnet import (RegNetX002, RegNetX004, RegNetX006, RegNetX008, RegNetX016,  # noqa: F401
                                        RegNetX032, RegNetX040, RegNetX064, RegNetX080, RegNetX120, RegNetX160,
                                        RegNetX320, RegNetY002, RegNetY004, RegNetY006, RegNetY008, RegNetY016,
                                        RegNetY032, RegNetY040, RegNetY064, RegNetY080, RegNetY120, RegNetY160,
                                        RegNetY320)
