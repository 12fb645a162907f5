"""RegNet (Radosavovic et al., 2020) as tf.keras 2.x's `keras.applications.regnet`: the 12 RegNetX
(X blocks: 1x1, grouped 3x3, 1x1 convolutions with a residual) and 12 RegNetY (X blocks with
squeeze-and-excite) variants, with tf.keras's PreStem (rescaling to [0, 1] inside the model), Stem,
Stage and Head, layer names and weights files.

tf.keras's blocks end with `x + skip` and the squeeze-and-excite with `tf.math.multiply(x, inputs)`,
which record TFOpLambda layers `tf.__operators__.add[_n]` and `tf.math.multiply[_n]`; kerasx records
`Add` and `Multiply` layers under the same names, so the layer lists are tf.keras's.

As tf.keras 2.x's, the model's head is a Dense without activation: `classifier_activation` is only
checked against the weights, and the model returns logits."""
from kerasx import layers
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.model import Model
from kerasx.engine.naming import get_uid, unique_name
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/regnet/"

# (with top, without top) sha256 of each weights file, as tf.keras has them, by the model name's
# last four characters.
WEIGHTS_HASHES = {
    "x002": ("49fb46e56cde07fdaf57bffd851461a86548f6a3a4baef234dd37290b826c0b8",
             "5445b66cd50445eb7ecab094c1e78d4d3d29375439d1a7798861c4af15ffff21"),
    "x004": ("3523c7f5ac0dbbcc2fd6d83b3570e7540f7449d3301cc22c29547302114e4088",
             "de139bf07a66c9256f2277bf5c1b6dd2d5a3a891a5f8a925a10c8a0a113fd6f3"),
    "x006": ("340216ef334a7bae30daac9f414e693c136fac9ab868704bbfcc9ce6a5ec74bb",
             "a43ec97ad62f86b2a96a783bfdc63a5a54de02eef54f26379ea05e1bf90a9505"),
    "x008": ("8f145d6a5fae6da62677bb8d26eb92d0b9dfe143ec1ebf68b24a57ae50a2763d",
             "3c7e4b0917359304dc18e644475c5c1f5e88d795542b676439c4a3acd63b7207"),
    "x016": ("31c386f4c7bfef4c021a583099aa79c1b3928057ba1b7d182f174674c5ef3510",
             "1b8e3d545d190271204a7b2165936a227d26b79bb7922bac5ee4d303091bf17a"),
    "x032": ("6c025df1409e5ea846375bc9dfa240956cca87ef57384d93fef7d6fa90ca8c7f",
             "9cd4522806c0fcca01b37874188b2bd394d7c419956d77472a4e072b01d99041"),
    "x040": ("ba128046c588a26dbd3b3a011b26cb7fa3cf8f269c184c132372cb20b6eb54c1",
             "b4ed0ca0b9a98e789e05000e830403a7ade4d8afa01c73491c44610195198afe"),
    "x064": ("0f4489c3cd3ad979bd6b0324213998bcb36dc861d178f977997ebfe53c3ba564",
             "3e706fa416a18dfda14c713423eba8041ae2509db3e0a611d5f599b5268a46c4"),
    "x080": ("76320e43272719df648db37271a247c22eb6e810fe469c37a5db7e2cb696d162",
             "7b1ce8e29ceefec10a6569640ee329dba7fbc98b5d0f6346aabade058b66cf29"),
    "x120": ("5cafc461b78897d5e4f24e68cb406d18e75f31105ef620e7682b611bb355eb3a",
             "36174ddd0299db04a42631d028abcb1cc7afec2b705e42bd28fcd325e5d596bf"),
    "x160": ("8093f57a5824b181fb734ea21ae34b1f7ee42c5298e63cf6d587c290973195d2",
             "9d1485050bdf19531ffa1ed7827c75850e0f2972118a996b91aa9264b088fd43"),
    "x320": ("91fb3e6f4e9e44b3687e80977f7f4412ee9937c0c704232664fc83e4322ea01e",
             "9db7eacc37b85c98184070e1a172e6104c00846f44bcd4e727da9e50d9692398"),
    "y002": ("1e8091c674532b1a61c04f6393a9c570113e0197f22bd1b98cc4c4fe800c6465",
             "f63221f63d625b8e201221499682587bfe29d33f50a4c4f4d53be00f66c0f12c"),
    "y004": ("752fdbad21c78911bf1dcb8c513e5a0e14697b068e5d9e73525dbaa416d18d8e",
             "45e6ba8309a17a77e67afc05228454b2e0ee6be0dae65edc0f31f1da10cc066b"),
    "y006": ("98942e07b273da500ff9699a1f88aca78dfad4375faabb0bab784bb0dace80a9",
             "b70261cba4e60013c99d130cc098d2fce629ff978a445663b6fa4f8fc099a2be"),
    "y008": ("1b099377cc9a4fb183159a6f9b24bc998e5659d25a449f40c90cbffcbcfdcae4",
             "b11f5432a216ee640fe9be6e32939defa8d08b8d136349bf3690715a98752ca1"),
    "y016": ("b7ce1f5e223f0941c960602de922bcf846288ce7a4c33b2a4f2e4ac4b480045b",
             "d7404f50205e82d793e219afb9eb2bfeb781b6b2d316a6128c6d7d7dacab7f57"),
    "y032": ("6a6a545cf3549973554c9b94f0cd40e25f229fffb1e7f7ac779a59dcbee612bd",
             "eb3ac1c45ec60f4f031c3f5180573422b1cf7bebc26c004637517372f68f8937"),
    "y040": ("98d00118b335162bbffe8f1329e54e5c8e75ee09b2a5414f97b0ddfc56e796f6",
             "b5be2a5e5f072ecdd9c0b8a437cd896df0efa1f6a1f77e41caa8719b7dfcb05d"),
    "y064": ("65c948c7a18aaecaad2d1bd4fd978987425604ba6669ef55a1faa0069a2804b7",
             "885c4b7ed7ea339daca7dafa1a62cb7d41b1068897ef90a5a3d71b4a2e2db31a"),
    "y080": ("7a2c62da2982e369a4984d3c7c3b32d6f8d3748a71cb37a31156c436c37f3e95",
             "3d119577e1e3bf8d153b895e8ea9e4ec150ff2d92abdca711b6e949c3fd7115d"),
    "y120": ("a96ab0d27d3ae35a422ee7df0d789069b3e3217a99334e0ce861a96595bc5986",
             "4a6fa387108380b730b71feea2ad80b5224b5ea9dc21dc156c93fe3c6186485c"),
    "y160": ("45067240ffbc7ca2591313fee2f80dbdda6d66ec1a7451446f9a6d00d8f7ac6e",
             "ead1e6b568be8f34447ec8941299a9df4368736ba9a8205de5427fa20a1fb316"),
    "y320": ("b05e173e4ae635cfa22d06392ee3741284d17dadfee68f2aa6fd8cb2b7561112",
             "cad78f74a586e24c61d38be17f3ae53bb9674380174d2585da1a526b8c20e1fd"),
}

# (depths, widths, group_width) of each variant; all take 224 x 224 inputs by default.
_CONFIG_TABLE = {
    "x002": ([1, 1, 4, 7], [24, 56, 152, 368], 8),
    "x004": ([1, 2, 7, 12], [32, 64, 160, 384], 16),
    "x006": ([1, 3, 5, 7], [48, 96, 240, 528], 24),
    "x008": ([1, 3, 7, 5], [64, 128, 288, 672], 16),
    "x016": ([2, 4, 10, 2], [72, 168, 408, 912], 24),
    "x032": ([2, 6, 15, 2], [96, 192, 432, 1008], 48),
    "x040": ([2, 5, 14, 2], [80, 240, 560, 1360], 40),
    "x064": ([2, 4, 10, 1], [168, 392, 784, 1624], 56),
    "x080": ([2, 5, 15, 1], [80, 240, 720, 1920], 120),
    "x120": ([2, 5, 11, 1], [224, 448, 896, 2240], 112),
    "x160": ([2, 6, 13, 1], [256, 512, 896, 2048], 128),
    "x320": ([2, 7, 13, 1], [336, 672, 1344, 2520], 168),
    "y002": ([1, 1, 4, 7], [24, 56, 152, 368], 8),
    "y004": ([1, 3, 6, 6], [48, 104, 208, 440], 8),
    "y006": ([1, 3, 7, 4], [48, 112, 256, 608], 16),
    "y008": ([1, 3, 8, 2], [64, 128, 320, 768], 16),
    "y016": ([2, 6, 17, 2], [48, 120, 336, 888], 24),
    "y032": ([2, 5, 13, 1], [72, 216, 576, 1512], 24),
    "y040": ([2, 6, 12, 2], [128, 192, 512, 1088], 64),
    "y064": ([2, 7, 14, 2], [144, 288, 576, 1296], 72),
    "y080": ([2, 4, 10, 1], [168, 448, 896, 2016], 56),
    "y120": ([2, 5, 11, 1], [224, 448, 896, 2240], 112),
    "y160": ([2, 4, 11, 1], [224, 448, 1232, 3024], 112),
    "y320": ([2, 5, 12, 1], [232, 696, 1392, 3712], 232),
}

# tf.keras's MODEL_CONFIGS: the widths and depths come from the paper's quantized linear rule.
MODEL_CONFIGS = {
    name: {"depths": depths, "widths": widths, "group_width": group_width, "default_size": 224,
           "block_type": name[0].upper()}
    for name, (depths, widths, group_width) in _CONFIG_TABLE.items()
}


def _bn(name):
    # The original implementation's BatchNorm momentum and epsilon, as tf.keras.
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)


def _conv(filters, kernel_size, name, strides=1, groups=1, padding="valid"):
    return layers.Conv2D(filters, kernel_size, strides=strides, groups=groups, padding=padding, use_bias=False,
                         kernel_initializer="he_normal", name=name)


def PreStem(name=None):
    """Rescales [0, 255] inputs to [0, 1]."""
    if name is None:
        name = "prestem" + str(get_uid("prestem"))

    def apply(x):
        return layers.Rescaling(scale=1.0 / 255.0, name=name + "_prestem_rescaling")(x)

    return apply


def Stem(name=None):
    """The stem common to all variants: a 3x3 stride-2 convolution to 32 channels, BatchNorm, ReLU."""
    if name is None:
        name = "stem" + str(get_uid("stem"))

    def apply(x):
        x = layers.Conv2D(32, (3, 3), strides=2, use_bias=False, padding="same", kernel_initializer="he_normal",
                          name=name + "_stem_conv")(x)
        x = _bn(name + "_stem_bn")(x)
        return layers.ReLU(name=name + "_stem_relu")(x)

    return apply


def SqueezeAndExciteBlock(filters_in, se_filters, name=None):
    """Squeeze-and-excite (Hu et al., 2017): the channels scaled by a gate computed from their means."""
    if name is None:
        name = str(get_uid("squeeze_and_excite"))

    def apply(inputs):
        x = layers.GlobalAveragePooling2D(name=name + "_squeeze_and_excite_gap", keepdims=True)(inputs)
        x = layers.Conv2D(se_filters, (1, 1), activation="relu", kernel_initializer="he_normal",
                          name=name + "_squeeze_and_excite_squeeze")(x)
        x = layers.Conv2D(filters_in, (1, 1), activation="sigmoid", kernel_initializer="he_normal",
                          name=name + "_squeeze_and_excite_excite")(x)
        return layers.Multiply(name=unique_name("tf.math.multiply"))([x, inputs])

    return apply


def _check_block_filters(filters_in, filters_out, stride):
    if filters_in != filters_out and stride == 1:
        raise ValueError(f"Input filters({filters_in}) and output filters({filters_out}) are not equal for "
                         f"stride {stride}. Input and output filters must be equal for stride={stride}.")


def _block(filters_in, filters_out, group_width, stride, name, squeeze_excite_ratio=None):
    """The X block, and with `squeeze_excite_ratio` the Y block (squeeze-and-excite after the 3x3)."""

    def apply(inputs):
        _check_block_filters(filters_in, filters_out, stride)
        groups = filters_out // group_width
        if stride != 1:
            skip = _conv(filters_out, (1, 1), name + "_skip_1x1", strides=stride)(inputs)
            skip = _bn(name + "_skip_bn")(skip)
        else:
            skip = inputs
        x = _conv(filters_out, (1, 1), name + "_conv_1x1_1")(inputs)
        x = _bn(name + "_conv_1x1_1_bn")(x)
        x = layers.ReLU(name=name + "_conv_1x1_1_relu")(x)
        x = _conv(filters_out, (3, 3), name + "_conv_3x3", strides=stride, groups=groups, padding="same")(x)
        x = _bn(name + "_conv_3x3_bn")(x)
        x = layers.ReLU(name=name + "_conv_3x3_relu")(x)
        if squeeze_excite_ratio is not None:
            x = SqueezeAndExciteBlock(filters_out, int(filters_in * squeeze_excite_ratio), name=name)(x)
        x = _conv(filters_out, (1, 1), name + "_conv_1x1_2")(x)
        x = _bn(name + "_conv_1x1_2_bn")(x)
        x = layers.Add(name=unique_name("tf.__operators__.add"))([x, skip])
        return layers.ReLU(name=name + "_exit_relu")(x)

    return apply


def XBlock(filters_in, filters_out, group_width, stride=1, name=None):
    """RegNet's X block: 1x1, grouped 3x3 (`group_width` channels a group), 1x1, and the residual
    (a strided 1x1 convolution when `stride` is not 1)."""
    if name is None:
        name = str(get_uid("xblock"))
    return _block(filters_in, filters_out, group_width, stride, name)


def YBlock(filters_in, filters_out, group_width, stride=1, squeeze_excite_ratio=0.25, name=None):
    """RegNet's Y block: the X block with squeeze-and-excite to ``filters_in * squeeze_excite_ratio``."""
    if name is None:
        name = str(get_uid("yblock"))
    return _block(filters_in, filters_out, group_width, stride, name, squeeze_excite_ratio=squeeze_excite_ratio)


def Stage(block_type, depth, group_width, filters_in, filters_out, name=None):
    """`depth` blocks of `block_type`, the first with stride 2 from `filters_in` to `filters_out`.

    tf.keras 2.x also lists a "Z" block type, whose block cannot be built there (it passes the
    squeeze-and-excite function, not its output, to the next layer); kerasx builds X and Y."""
    if block_type not in ("X", "Y"):
        raise ValueError(f"Block type `{block_type}` not recognized. block_type must be one of (`X`, `Y`); "
                         "tf.keras 2.x's `Z` block cannot be built.")
    if name is None:
        name = str(get_uid("stage"))
    block = XBlock if block_type == "X" else YBlock

    def apply(inputs):
        x = block(filters_in, filters_out, group_width, stride=2, name=f"{name}_{block_type}Block_0")(inputs)
        for i in range(1, depth):
            x = block(filters_out, filters_out, group_width, name=f"{name}_{block_type}Block_{i}")(x)
        return x

    return apply


def Head(num_classes=1000, name=None):
    """Global average pooling and a Dense of `num_classes` logits (tf.keras's names: `<n>_head_gap`
    and `<n>head_dense`, with no underscore before `head_dense`)."""
    if name is None:
        name = str(get_uid("head"))

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=name + "_head_gap")(x)
        return layers.Dense(num_classes, name=name + "head_dense")(x)

    return apply


def RegNet(depths, widths, group_width, block_type, default_size, model_name="regnet", include_preprocessing=True,
           include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
           classifier_activation="softmax"):
    """Instantiates a RegNet of four stages of the given `depths` and `widths`, blocks of
    `block_type` ("X" or "Y") with `group_width` channels a group. `include_preprocessing` puts the
    rescaling to [0, 1] in the model, so it takes [0, 255] pixels."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    if block_type not in ("X", "Y"):  # before any layer is made
        Stage(block_type, 1, group_width, 32, 32)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = model_input(input_tensor, input_shape)
    inputs = get_source_inputs(input_tensor)[0] if input_tensor is not None else img_input

    x = img_input
    if include_preprocessing:
        x = PreStem(name=model_name)(x)
    x = Stem(name=model_name)(x)
    in_channels = 32  # the stem's output
    for num_stage in range(4):
        x = Stage(block_type, depths[num_stage], group_width, in_channels, widths[num_stage],
                  name=f"{model_name}_Stage_{num_stage}")(x)
        in_channels = widths[num_stage]

    if include_top:
        x = Head(num_classes=classes)(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    model = Model(inputs=inputs, outputs=x, name=model_name)
    file_name = origin = file_hash = None
    if weights == "imagenet":
        file_name = model_name + (".h5" if include_top else "_notop.h5")
        origin = BASE_WEIGHTS_PATH + file_name
        file_hash = WEIGHTS_HASHES[model_name[-4:]][0 if include_top else 1]
    return imagenet_utils.load_application_weights(model, weights, file_name, origin, file_hash)


def _variant(key):
    config = MODEL_CONFIGS[key]
    function_name = "RegNet" + key.upper()

    def variant(model_name="regnet" + key, include_top=True, include_preprocessing=True, weights="imagenet",
                input_tensor=None, input_shape=None, pooling=None, classes=1000, classifier_activation="softmax"):
        return RegNet(config["depths"], config["widths"], config["group_width"], config["block_type"],
                      config["default_size"], model_name=model_name, include_top=include_top,
                      include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
                      input_shape=input_shape, pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation)

    variant.__name__ = variant.__qualname__ = function_name
    variant.__doc__ = (f"Instantiates the {function_name} architecture (tf.keras's arguments). Takes [0, 255] "
                       "pixels (rescaled inside the model unless `include_preprocessing=False`) and returns "
                       "logits, as tf.keras 2.x.")
    return variant


RegNetX002, RegNetX004, RegNetX006 = _variant("x002"), _variant("x004"), _variant("x006")
RegNetX008, RegNetX016, RegNetX032 = _variant("x008"), _variant("x016"), _variant("x032")
RegNetX040, RegNetX064, RegNetX080 = _variant("x040"), _variant("x064"), _variant("x080")
RegNetX120, RegNetX160, RegNetX320 = _variant("x120"), _variant("x160"), _variant("x320")
RegNetY002, RegNetY004, RegNetY006 = _variant("y002"), _variant("y004"), _variant("y006")
RegNetY008, RegNetY016, RegNetY032 = _variant("y008"), _variant("y016"), _variant("y032")
RegNetY040, RegNetY064, RegNetY080 = _variant("y040"), _variant("y064"), _variant("y080")
RegNetY120, RegNetY160, RegNetY320 = _variant("y120"), _variant("y160"), _variant("y320")


def preprocess_input(x, data_format=None):
    """The identity, kept for tf.keras's API: RegNet models rescale their inputs themselves."""
    return x


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
