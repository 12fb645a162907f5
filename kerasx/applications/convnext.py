"""ConvNeXt (Liu et al., 2022) as tf.keras 2.x's `keras.applications.convnext`: a stem and three
downsampling `Sequential`s, stages of 7x7 depthwise + pointwise-MLP blocks with `LayerScale` and
`StochasticDepth`, ImageNet normalization inside the model, tf.keras's layer names and weights files.

tf.keras closes each block with `inputs + layer(x)`, which records a TFOpLambda layer named
`tf.__operators__.add[_n]`; kerasx records an `Add` layer under the same name, so the layer list,
its count and its names are tf.keras's."""
from kerasx import initializers, layers, ops
from kerasx.applications import imagenet_utils
from kerasx.applications.mobilenet_v2 import model_input
from kerasx.backend import image_data_format
from kerasx.engine.base_layer import Layer
from kerasx.engine.model import Model
from kerasx.engine.naming import get_uid, unique_name
from kerasx.engine.sequential import Sequential
from kerasx.utils.layer_utils import get_source_inputs

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"

# (with top, without top) sha256 of each weights file, as tf.keras has them.
WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}

MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}

# ImageNet-1k's RGB mean and variance on the [0, 255] scale, the PreStem's Normalization.
_MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
_VARIANCE = [(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2]


class StochasticDepth(Layer):
    """Drops the whole residual branch of a sample with probability `drop_path_rate` in training
    (scaling the kept ones by ``1 / (1 - drop_path_rate)``); the identity in inference.

    As tf.keras's, the draw is one per sample (shape ``(batch, 1, ..., 1)``)."""

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if not training:
            return x
        keep_prob = 1 - self.drop_path_rate
        # tf.keras's floor(keep_prob + uniform[0, 1)) is 1 with probability keep_prob: a Bernoulli draw.
        mask = ops.random_bernoulli((x.shape[0],) + (1,) * (len(x.shape) - 1), p=keep_prob, dtype=x.dtype)
        return ops.multiply(ops.divide(x, keep_prob), mask)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiplies its input by a learnt per-channel `gamma` of `projection_dim` values, all starting
    at `init_values` (Touvron et al., 2021)."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(name="gamma", shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values), trainable=True)
        self.built = True

    def call(self, x):
        return ops.multiply(x, self.gamma)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """One ConvNeXt block as a function of its input: depthwise 7x7 conv, LayerNormalization, the
    pointwise MLP as two Dense layers (as the original code), LayerScale, StochasticDepth, residual."""
    if name is None:
        name = "prestem" + str(get_uid("prestem"))  # tf.keras's default prefix, kept as it is

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=name + "_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=name + "_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=name + "_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=name + "_gelu")(x)
        x = layers.Dense(projection_dim, name=name + "_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=name + "_layer_scale")(x)
        if drop_path_rate:
            layer = StochasticDepth(drop_path_rate, name=name + "_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=name + "_identity")
        return layers.Add(name=unique_name("tf.__operators__.add"))([inputs, layer(x)])

    return apply


def PreStem(name=None):
    """Normalizes [0, 255] RGB inputs with ImageNet-1k's mean and standard deviation."""
    if name is None:
        name = "prestem" + str(get_uid("prestem"))

    def apply(x):
        return layers.Normalization(mean=_MEAN, variance=_VARIANCE, name=name + "_prestem_normalization")(x)

    return apply


def Head(num_classes=1000, classifier_activation=None, name=None):
    """The classification head: global average pooling, LayerNormalization, Dense."""
    if name is None:
        name = str(get_uid("head"))

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=name + "_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=name + "_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation, name=name + "_head_dense")(x)

    return apply


def _downsampling_layers(projection_dims, model_name):
    """The stem (4x4 patchify conv) and the three 2x2 downsampling blocks, each a `Sequential`."""
    stem = Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=model_name + "_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=model_name + "_stem_layernorm"),
    ], name=model_name + "_stem")
    blocks = [stem]
    for i in range(3):
        blocks.append(Sequential([
            layers.LayerNormalization(epsilon=1e-6, name=f"{model_name}_downsampling_layernorm_{i}"),
            layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                          name=f"{model_name}_downsampling_conv_{i}"),
        ], name=f"{model_name}_downsampling_block_{i}"))
    return blocks


def _linspace(stop, num):
    """`numpy.linspace(0.0, stop, num)` as Python floats (the same values: ``i * step``, `stop` last)."""
    if num < 2:
        return [0.0] * num
    step = stop / (num - 1)
    return [i * step for i in range(num - 1)] + [float(stop)]


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
             model_name="convnext", include_preprocessing=True, include_top=True, weights=None,
             input_tensor=None, input_shape=None, pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates a ConvNeXt of the given stage `depths` and widths (`projection_dims`).

    `drop_path_rate` is the last block's stochastic depth rate (0 at the first, linear in between; 0
    means no StochasticDepth layers); `layer_scale_init_value` None means no LayerScale layers.
    `include_preprocessing` puts the ImageNet normalization in the model (3-channel inputs only), so
    the model takes [0, 255] pixels."""
    imagenet_utils.validate_weights_argument(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32, data_format=image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = model_input(input_tensor, input_shape)
    inputs = get_source_inputs(input_tensor)[0] if input_tensor is not None else img_input

    x = img_input
    if include_preprocessing:
        channel_axis = 3 if image_data_format() == "channels_last" else 1
        if input_shape[channel_axis - 1] == 3:
            x = PreStem(name=model_name)(x)

    downsample_layers = _downsampling_layers(projection_dims, model_name)
    # The stochastic depth schedule of the original code: linear from 0 over all the blocks.
    depth_drop_rates = _linspace(drop_path_rate, sum(depths))
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{model_name}_stage_{i}_block_{j}")(x)
        cur += depths[i]

    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=model_name)(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)

    model = Model(inputs=inputs, outputs=x, name=model_name)
    file_name = file_hash = None
    if weights == "imagenet":
        file_name = model_name + (".h5" if include_top else "_notop.h5")
        file_hash = WEIGHTS_HASHES[model_name][0 if include_top else 1]
    origin = BASE_WEIGHTS_PATH + file_name if file_name else None
    return imagenet_utils.load_application_weights(model, weights, file_name, origin, file_hash)


def _variant(size, doc_name):
    config = MODEL_CONFIGS[size]

    def variant(model_name=f"convnext_{size}", include_top=True, include_preprocessing=True,
                weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax"):
        return ConvNeXt(depths=config["depths"], projection_dims=config["projection_dims"],
                        drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=config["default_size"],
                        model_name=model_name, include_top=include_top,
                        include_preprocessing=include_preprocessing, weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)

    variant.__name__ = variant.__qualname__ = doc_name
    variant.__doc__ = (f"Instantiates the {doc_name} architecture (tf.keras's arguments). Takes [0, 255] "
                       "pixels: the ImageNet normalization is in the model unless `include_preprocessing=False`.")
    return variant


ConvNeXtTiny = _variant("tiny", "ConvNeXtTiny")
ConvNeXtSmall = _variant("small", "ConvNeXtSmall")
ConvNeXtBase = _variant("base", "ConvNeXtBase")
ConvNeXtLarge = _variant("large", "ConvNeXtLarge")
ConvNeXtXLarge = _variant("xlarge", "ConvNeXtXLarge")


def preprocess_input(x, data_format=None):
    """The identity, kept for tf.keras's API: ConvNeXt models normalize their inputs themselves."""
    return x


def decode_predictions(preds, top=5):
    """The `top` ImageNet classes of each row of `preds` (see `imagenet_utils.decode_predictions`)."""
    return imagenet_utils.decode_predictions(preds, top=top)
