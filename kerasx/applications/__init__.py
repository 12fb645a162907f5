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
from kerasx.applications import vgg16  # noqa: F401
from kerasx.applications.vgg16 import VGG16  # noqa: F401
from kerasx.applications import vgg19  # noqa: F401
from kerasx.applications.vgg19 import VGG19  # noqa: F401
from kerasx.applications import resnet  # noqa: F401
from kerasx.applications import resnet50  # noqa: F401
from kerasx.applications.resnet import ResNet50, ResNet101, ResNet152  # noqa: F401
from kerasx.applications import resnet_v2  # noqa: F401
from kerasx.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2  # noqa: F401
from kerasx.applications import resnet_rs  # noqa: F401
from kerasx.applications.resnet_rs import (  # noqa: F401
    ResNetRS50, ResNetRS101, ResNetRS152, ResNetRS200, ResNetRS270, ResNetRS350, ResNetRS420)

# DenseNet, InceptionV3, InceptionResNetV2, Xception, NASNet
from kerasx.applications import densenet  # noqa: F401
from kerasx.applications.densenet import DenseNet121, DenseNet169, DenseNet201  # noqa: F401
from kerasx.applications import inception_v3  # noqa: F401
from kerasx.applications.inception_v3 import InceptionV3  # noqa: F401
from kerasx.applications import xception  # noqa: F401
from kerasx.applications.xception import Xception  # noqa: F401
from kerasx.applications import inception_resnet_v2  # noqa: F401
from kerasx.applications.inception_resnet_v2 import InceptionResNetV2  # noqa: F401
from kerasx.applications import nasnet  # noqa: F401
from kerasx.applications.nasnet import NASNetLarge, NASNetMobile  # noqa: F401

# MobileNetV3, EfficientNet, EfficientNetV2
from kerasx.applications import mobilenet_v3  # noqa: F401
from kerasx.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small  # noqa: F401
from kerasx.applications import efficientnet  # noqa: F401
from kerasx.applications.efficientnet import (  # noqa: F401
    EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4, EfficientNetB5, EfficientNetB6,
    EfficientNetB7)
from kerasx.applications import efficientnet_v2  # noqa: F401
from kerasx.applications.efficientnet_v2 import (  # noqa: F401
    EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3, EfficientNetV2L, EfficientNetV2M,
    EfficientNetV2S)

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
