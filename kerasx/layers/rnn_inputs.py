"""How a recurrent layer takes its initial states and constants, as tf.keras 2.x does.

A user may pass them as keywords (``lstm(x, initial_state=[h, c], constants=[k])``) or in one list
(``lstm([x, h, c])``, the states after the sequence and the constants last, counted by the layer's
``num_constants``). Either way the layer is called on the one list ``[x, *states, *constants]``, so
that the functional graph records the states and constants as inbound tensors of the layer's node. That
is what tf.keras writes into a model's config (``inbound_nodes: [[x, {}], [h, {}], [c, {}]]``), so that
an encoder-decoder model saves, and a tf.keras-saved one loads, and `call` splits the list again.
"""
from kerasx.autodiff.nest import flatten
from kerasx.engine.keras_tensor import KerasTensor


def _as_list(x):
    if x is None or isinstance(x, list):
        return x
    if isinstance(x, tuple):
        return list(x)
    return [x]


def standardize_args(layer, inputs, initial_state, constants):
    """``(inputs, initial_state, constants)``, the two last as lists or None, from either form."""
    if isinstance(inputs, list):
        if initial_state is not None or constants is not None:
            raise ValueError(
                f'Layer "{layer.name}" ({type(layer).__name__}) was called on a list of inputs and also '
                "given `initial_state` or `constants`: pass the states and constants either in the list "
                "(sequence first, then the states, then the constants) or as keyword arguments, not both.")
        rest = inputs[1:]
        count = layer._num_constants or 0
        if count:
            if len(rest) < count:
                raise ValueError(
                    f'Layer "{layer.name}" ({type(layer).__name__}) takes {count} constant(s) '
                    f"(num_constants={count}) after its sequence, but it was called on a list of "
                    f"{len(inputs)} tensor(s).")
            constants, rest = rest[len(rest) - count:], rest[:len(rest) - count]
        initial_state = rest or None
        inputs = inputs[0]
    return inputs, _as_list(initial_state), _as_list(constants)


def split_call_inputs(layer, inputs, initial_state, constants):
    """In `call`: the sequence, states and constants back out of the list `RecurrentCall` built."""
    if not isinstance(inputs, list):
        return inputs, initial_state, constants
    return standardize_args(layer, inputs, initial_state, constants)


def first_shape(input_shape):
    """The sequence's shape out of a build/compute_output_shape argument that may list the states' and
    constants' shapes after it."""
    shape = tuple(input_shape)
    if shape and isinstance(shape[0], (list, tuple)):
        return tuple(shape[0])
    return shape


def extra_shapes(input_shape):
    """The shapes after the sequence's (states, then constants); empty for a single shape."""
    shape = tuple(input_shape)
    if shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape[1:]]
    return []


class RecurrentCall:
    """Mixed into `RNN` and `Bidirectional` ahead of `Layer`: the ``__call__`` that routes states and
    constants into the inputs list (module docstring). The class defines `_check_extra_inputs(
    initial_state, constants)`, which raises before any work when it cannot take them."""

    _num_constants = None

    def __call__(self, *args, **kwargs):
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise TypeError(f'Layer "{self.name}" was called without inputs.')
        inputs, initial_state, constants = standardize_args(
            self, inputs, kwargs.pop("initial_state", None), kwargs.pop("constants", None))
        extra = (initial_state or []) + (constants or [])
        if not extra:
            return super().__call__(inputs, *args, **kwargs)
        symbolic = [isinstance(t, KerasTensor) for t in flatten(extra)]
        if any(symbolic) and not all(symbolic):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): the initial state or constants of a recurrent '
                "layer cannot mix Keras tensors and other tensors (a Keras tensor is the output of a Keras "
                "layer or of `Input`).")
        if constants is not None:
            self._num_constants = len(constants)
        self._check_extra_inputs(initial_state, constants)
        # The states and constants have no input spec of their own; `build` updates the first entry. A
        # list already there is an outer call's (the functional API runs the layer on placeholders
        # from inside its symbolic call).
        outer = self.input_spec if isinstance(self.input_spec, list) else None
        self.input_spec = [self.input_spec[0] if outer else self.input_spec] + [None] * len(extra)
        try:
            return super().__call__([inputs] + extra, *args, **kwargs)
        finally:
            first = self.input_spec[0]
            self.input_spec = [first] + outer[1:] if outer else first

    def _set_input_spec(self, spec):
        """`build`'s input spec: the first entry while a call with states or constants is under way."""
        if isinstance(self.input_spec, list):
            self.input_spec[0] = spec
        else:
            self.input_spec = spec
