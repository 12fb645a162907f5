"""Layer wrappers: `Wrapper`, the base of layers that hold another layer, and `TimeDistributed`."""
import copy

from kerasx import ops
from kerasx.autodiff.tensor import Tensor
from kerasx.engine.base_layer import Layer, _call_params
from kerasx.engine.input_spec import InputSpec


class Wrapper(Layer):
    """Holds `layer` (its weights count as the wrapper's) and nests its config under "layer"."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a "
                             f"`kerasx.layers.Layer` instance. You passed: {layer}")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        from kerasx.layers import serialize
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasx.layers import deserialize
        config = copy.deepcopy(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every timestep of inputs (batch, time, ...) with the same weights.

    Time is folded into the batch, (batch * time, ...), for one call of the inner layer, then unfolded;
    tf.keras does the same for its own layers (it loops over timesteps only for stateful ones, which
    see a different batch per step)."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check_rank(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or not all(
                d is None or isinstance(d, int) for d in input_shape):
            raise ValueError(f'Layer "{self.name}" (TimeDistributed) takes a single input tensor. Received: '
                             f"input_shape={input_shape}")
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f'dimensions, received: {tuple(input_shape)} (layer "{self.name}")')

    def build(self, input_shape):
        self._check_rank(input_shape)
        input_shape = tuple(input_shape)
        # The batch and time dimensions stay free; the rest is fixed by the inner layer's weights.
        self.input_spec = InputSpec(shape=(None, None) + input_shape[2:])
        super().build((input_shape[0],) + input_shape[2:])

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        input_shape = tuple(input_shape)
        inner = tuple(self.layer.compute_output_shape((input_shape[0],) + input_shape[2:]))
        return (inner[0], input_shape[1]) + inner[1:]

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        kwargs = {}
        params = _call_params(type(self.layer))
        if "training" in params:
            kwargs["training"] = training
        if "mask" in params and mask is not None:
            kwargs["mask"] = _fold(mask)
        outputs = self.layer(_fold(inputs), **kwargs)
        if not isinstance(outputs, Tensor):
            raise ValueError(f'Layer "{self.name}" (TimeDistributed) needs an inner layer with one output '
                             f"tensor; {self.layer.name} returned {type(outputs).__name__}.")
        return _unfold(outputs, batch, steps)

    def compute_mask(self, inputs, mask=None):
        """The inner layer's mask per timestep when it makes one (Masking, Embedding, an RNN layer);
        otherwise the input mask, reduced to (batch, time) with `any` over the remaining axes.

        tf.keras asks the inner layer like this for its own layers (and always in the functional API);
        for a user's layer called eagerly it returns the input mask as it is. Here every inner layer is
        asked, so the two agree wherever the user's layer passes masks on as tf.keras's layers do."""
        inner_mask = None if mask is None else _fold(mask)
        output_mask = self.layer.compute_mask(_fold(inputs), inner_mask)
        if output_mask is not None:
            return _unfold(output_mask, inputs.shape[0], inputs.shape[1])
        if mask is None:
            return None
        if mask.ndim > 2:
            axes = tuple(range(2, mask.ndim))
            mask = ops.greater(ops.max(ops.cast(mask, dtype="float32"), axis=axes), 0.5)
        return mask


def _fold(x):
    """(batch, time, ...) -> (batch * time, ...)."""
    return ops.reshape(x, shape=(x.shape[0] * x.shape[1],) + tuple(x.shape[2:]))


def _unfold(x, batch, steps):
    """(batch * time, ...) -> (batch, time, ...)."""
    return ops.reshape(x, shape=(batch, steps) + tuple(x.shape[1:]))
