"""`Bidirectional` (tf.keras.layers.Bidirectional): a recurrent layer run forwards and backwards.

The forward and backward layers are rebuilt from the wrapped layer's config (named `forward_<name>` and
`backward_<name>`, the latter with `go_backwards` flipped), as tf.keras does, so the wrapped instance
itself never gets weights.
"""
import inspect

from kerasx import ops
from kerasx.engine.base_layer import Layer
from kerasx.layers.rnn_base import build_sublayer
from kerasx.layers.rnn_inputs import RecurrentCall, extra_shapes, first_shape, split_call_inputs
from kerasx.saving.object_registration import serialization, serialize_keras_object

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _recreate(layer, name, go_backwards=None):
    config = layer.get_config()
    config["name"] = name
    if go_backwards is not None:
        config["go_backwards"] = go_backwards
    # As tf.keras: the cell classes of an RNN travel as custom objects, so that an RNN over a user's
    # (unregistered) cell can be recreated from its config.
    cell = getattr(layer, "cell", None)
    if "custom_objects" not in inspect.signature(type(layer).from_config).parameters:
        return type(layer).from_config(config)
    custom_objects = {type(c).__name__: type(c) for c in [cell] + list(getattr(cell, "cells", []))
                      if c is not None}
    return type(layer).from_config(config, custom_objects=custom_objects)


def _reverse_time(x):
    return ops.getitem(x, (slice(None), slice(None, None, -1)))


class Bidirectional(RecurrentCall, Layer):
    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `tf.keras.layers.Layer` "
                             f"instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `tf.keras.layers.Layer` instance. Received: "
                             f"{backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        if backward_layer is not None:
            for attr in ("return_sequences", "return_state"):
                if getattr(layer, attr) != getattr(backward_layer, attr):
                    raise ValueError(
                        f"Forward layer and backward layer should have the same `{attr}`. Received: "
                        f"forward_layer.{attr}={getattr(layer, attr)}, "
                        f"backward_layer.{attr}={getattr(backward_layer, attr)}")
            if layer.go_backwards == backward_layer.go_backwards:
                raise ValueError("Forward layer and backward layer should have different `go_backwards` "
                                 f"value. Received: forward_layer.go_backwards={layer.go_backwards}, "
                                 f"backward_layer.go_backwards={backward_layer.go_backwards}")
        if weights is not None:
            kwargs["weights"] = weights
        super().__init__(**kwargs)
        # The wrapped instance is a template for the config: kept out of the tracked sublayers.
        object.__setattr__(self, "layer", layer)
        self._backward_layer_config = None
        forward = _recreate(layer, "forward_" + layer.name)
        if backward_layer is None:
            backward = _recreate(layer, "backward_" + layer.name, go_backwards=not layer.go_backwards)
        else:
            backward = backward_layer
            self._backward_layer_config = {"class_name": type(backward_layer).__name__,
                                           "config": backward_layer.get_config()}
        # Masked steps output zeros in both directions, so that the two halves line up when merged.
        for sub in (forward, backward):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.forward_layer = forward
        self.backward_layer = backward
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = getattr(layer, "stateful", False)
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def build(self, input_shape):
        shape = first_shape(input_shape)
        constants_shapes = extra_shapes(input_shape)[-self._num_constants:] if self._num_constants else []
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._num_constants = self._num_constants
                build_sublayer(sub, [shape] + constants_shapes if constants_shapes else shape, self)
        self._set_input_spec(self.forward_layer.input_spec)
        self.built = True

    def _check_extra_inputs(self, initial_state, constants):
        if initial_state is not None and len(initial_state) % 2:
            raise ValueError(f'Layer "{self.name}" (Bidirectional) expects an even number of initial '
                             f"states (forward states, then backward states), received {len(initial_state)}.")
        if constants:
            self.forward_layer._check_extra_inputs(None, constants)

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        inputs, initial_state, constants = split_call_inputs(self, inputs, initial_state, constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        fw_kwargs, bw_kwargs = {"mask": mask, "training": training}, {"mask": mask, "training": training}
        if initial_state is not None:
            self._check_extra_inputs(initial_state, None)
            states = list(initial_state)
            fw_kwargs["initial_state"] = states[:len(states) // 2]
            bw_kwargs["initial_state"] = states[len(states) // 2:]
        if constants:
            fw_kwargs["constants"] = bw_kwargs["constants"] = constants
        y = self.forward_layer(inputs, **fw_kwargs)
        y_rev = self.backward_layer(inputs, **bw_kwargs)
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            # The backward layer emits its outputs last step first; flip them to line up with the inputs.
            y_rev = _reverse_time(y_rev)
        output = self._merge(y, y_rev)
        if self.return_state:
            return (output if isinstance(output, list) else [output]) + states
        return output

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return ops.add(y, y_rev)
        if self.merge_mode == "ave":
            return ops.multiply(ops.add(y, y_rev), 0.5)
        if self.merge_mode == "mul":
            return ops.multiply(y, y_rev)
        return [y, y_rev]

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(first_shape(input_shape))
        state_shapes = []
        if self.return_state:
            shape, state_shapes = shape[0], list(shape[1:]) * 2
        shape = tuple(shape)
        if self.merge_mode == "concat":
            output = [shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)]
        elif self.merge_mode is None:
            output = [shape, shape]
        else:
            output = [shape]
        if self.return_state:
            return output + state_shapes
        return output if self.merge_mode is None else output[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        outputs = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            n = len(self.forward_layer.compute_output_shape((None, None, 1))) - 1
            return outputs + [None] * (2 * n)
        return outputs if self.merge_mode is None else output_mask

    def reset_states(self, states=None):
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        states = list(states)
        self.forward_layer.reset_states(states[:len(states) // 2])
        self.backward_layer.reset_states(states[len(states) // 2:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        config["merge_mode"] = self.merge_mode
        if self._backward_layer_config is not None:
            config["backward_layer"] = self._backward_layer_config
        if self._num_constants:
            config["num_constants"] = self._num_constants
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        deserialize = serialization("layer").deserialize  # layers.deserialize (kerasx.layers imports us)
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize(backward, custom_objects=custom_objects)
        num_constants = config.pop("num_constants", None)
        wrapper = cls(layer, backward_layer=backward, **config)
        wrapper._num_constants = num_constants
        for sub in (wrapper.forward_layer, wrapper.backward_layer):
            sub._num_constants = num_constants
        return wrapper
