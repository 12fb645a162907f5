"""Layer wrappers: `Wrapper`, the base of layers that hold another layer, and `TimeDistributed`."""
import copy

from kerasx import ops
from kerasx.autodiff.nest import flatten, map_structure
from kerasx.engine.base_layer import Layer, _call_params
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.wrappers_rnn import Bidirectional
from kerasx.saving.object_registration import serialization, serialize_keras_object

# Keras 2's `keras.layers.wrappers` path has Bidirectional too (defined with the recurrent machinery).
__all__ = ["Bidirectional", "TimeDistributed", "Wrapper"]


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
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        deserialize = serialization("layer").deserialize  # layers.deserialize (kerasx.layers imports us)
        config = copy.deepcopy(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


def _is_shape(s):
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)


def _map_shapes(fn, shapes):
    """`fn` over every shape of a (possibly nested) structure of shapes."""
    if _is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v) for k, v in shapes.items()}
    return type(shapes)(_map_shapes(fn, s) for s in shapes)


def _flat_shapes(shapes):
    flat = []
    _map_shapes(flat.append, shapes)
    return flat


class TimeDistributed(Wrapper):
    """Applies `layer` to every timestep of inputs (batch, time, ...) with the same weights; the inputs
    may be a nested structure of such tensors (one time axis for all), and so may the outputs.

    Time is folded into the batch, (batch * time, ...), for one call of the inner layer, then unfolded;
    tf.keras does the same for its own layers (it loops over timesteps only for stateful ones, which
    see a different batch per step)."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check_rank(self, input_shape):
        shapes = _flat_shapes(input_shape)
        if any(len(shape) < 3 for shape in shapes):
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f'dimensions, received: {_map_shapes(tuple, input_shape)} (layer "{self.name}")')

    def build(self, input_shape):
        self._check_rank(input_shape)
        # The batch and time dimensions stay free; the rest is fixed by the inner layer's weights.
        spec = _map_shapes(lambda shape: InputSpec(shape=(None, None) + shape[2:]), input_shape)
        self.input_spec = spec if isinstance(spec, InputSpec) else flatten(spec)
        super().build(_map_shapes(lambda shape: (shape[0],) + shape[2:], input_shape))

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        steps = _flat_shapes(input_shape)[0][1]
        inner = self.layer.compute_output_shape(_map_shapes(lambda shape: (shape[0],) + shape[2:], input_shape))
        return _map_shapes(lambda shape: (shape[0], steps) + shape[1:], inner)

    def _time_axes(self, inputs):
        """``(batch, steps)``, the same for every input, or a ValueError naming the layer."""
        shapes = [tuple(t.shape[:2]) for t in flatten(inputs)]
        if any(shape != shapes[0] for shape in shapes):
            raise ValueError(f'Layer "{self.name}" (TimeDistributed) needs every input to share its batch and '
                             f"time dimensions, received inputs of shapes {[tuple(t.shape) for t in flatten(inputs)]}.")
        return shapes[0]

    def call(self, inputs, training=None, mask=None):
        batch, steps = self._time_axes(inputs)
        kwargs = {}
        params = _call_params(type(self.layer))
        if "training" in params:
            kwargs["training"] = training
        if "mask" in params and mask is not None and any(m is not None for m in flatten(mask)):
            kwargs["mask"] = map_structure(lambda m: None if m is None else _fold(m), mask)
        outputs = self.layer(map_structure(_fold, inputs), **kwargs)
        return map_structure(lambda out: _unfold(out, batch, steps), outputs)

    def compute_mask(self, inputs, mask=None):
        """The inner layer's mask per timestep when it makes one (Masking, Embedding, an RNN layer, a
        merge layer); otherwise the (first) input mask, reduced to (batch, time) with `any` over the
        remaining axes.

        tf.keras asks the inner layer like this for its own layers (and always in the functional API);
        for a user's layer called eagerly it returns the input mask as it is. Here every inner layer is
        asked, so the two agree wherever the user's layer passes masks on as tf.keras's layers do."""
        batch, steps = self._time_axes(inputs)
        inner_mask = None if mask is None else map_structure(lambda m: None if m is None else _fold(m), mask)
        output_mask = self.layer.compute_mask(map_structure(_fold, inputs), inner_mask)
        if any(m is not None for m in flatten(output_mask)):
            return map_structure(lambda m: None if m is None else _unfold(m, batch, steps), output_mask)
        masks = [m for m in flatten(mask) if m is not None]
        if not masks:
            return None
        mask = masks[0]
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
