"""The deterministic image layers of tf.keras 2.x (keras.layers.Resizing, Rescaling, CenterCrop), on
channels_last images (..., height, width, channels) of rank 3 or 4, composed from primitives so that
gradients pass through them."""
from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.ops.image_resize import check_interpolation, crop, resize, smart_resize


def check_size(layer_name, **sizes):
    for arg, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"`{arg}` of {layer_name} must be a positive integer. Received: {arg}={value!r}")


def check_image_rank(layer, inputs):
    if inputs.ndim not in (3, 4):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}) expects images of shape (height, width, '
                         "channels) or (batch, height, width, channels), but it received an input of shape "
                         f"{tuple(inputs.shape)}.")


def image_output_shape(input_shape, height, width):
    shape = list(input_shape)
    if len(shape) >= 3:
        shape[-3], shape[-2] = height, width
    return tuple(shape)


class Resizing(Layer):
    """Resizes images to (height, width) as tf.image.resize (half-pixel centers, no antialiasing) with
    'bilinear', 'nearest', 'bicubic' or 'area'; `crop_to_aspect_ratio` first takes the largest centred
    crop of the target's aspect ratio, so nothing is distorted."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, **kwargs):
        check_size("Resizing", height=height, width=width)
        self._method = check_interpolation("Resizing", interpolation)
        super().__init__(**kwargs)
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio

    def call(self, inputs):
        check_image_rank(self, inputs)
        if self.crop_to_aspect_ratio:
            outputs = smart_resize(inputs, self.height, self.width, self._method)
        else:
            outputs = resize(inputs, self.height, self.width, self._method)
        return outputs if outputs.dtype == self.dtype else ops.cast(outputs, self.dtype)

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio})
        return config


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``scale=1 / 255`` for [0, 1] pixels), in the layer's dtype."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs):
        x = inputs if inputs.dtype == self.dtype else ops.cast(inputs, self.dtype)
        return ops.add(ops.multiply(x, self.scale), self.offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config


class CenterCrop(Layer):
    """The central (height, width) box of each image; an image smaller than that on either side is
    resized to it instead (tf.keras's `smart_resize`: the largest centred crop of the target's aspect
    ratio, bilinear)."""

    def __init__(self, height, width, **kwargs):
        check_size("CenterCrop", height=height, width=width)
        super().__init__(**kwargs)
        self.height = height
        self.width = width

    def call(self, inputs):
        check_image_rank(self, inputs)
        h_diff, w_diff = inputs.shape[-3] - self.height, inputs.shape[-2] - self.width
        if h_diff >= 0 and w_diff >= 0:
            return crop(inputs, int(h_diff / 2), int(w_diff / 2), self.height, self.width)
        return ops.cast(smart_resize(inputs, self.height, self.width), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
