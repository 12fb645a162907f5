"""`RNN`, the recurrent layer over any cell, and `StackedRNNCells` (tf.keras.layers.RNN, ...).

A cell has `state_size` and `call(inputs, states) -> (output, new_states)`. The built-in cells also offer
`_fused_sequence`, which runs the whole sequence in one kernel; any other cell is looped over time here
with ordinary ops (one autodiff node per op and step, the price of generality).
"""
import inspect
import warnings

from kerasx import ops
from kerasx.autodiff.nest import flatten
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine import call_context
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.rnn_inputs import RecurrentCall, extra_shapes, first_shape, split_call_inputs
from kerasx.saving.object_registration import serialization, serialize_keras_object

_RNN_CONFIG_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major")


def _to_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def flat_state_sizes(state_size):
    """`state_size` (an int, or a possibly nested list of them) as a flat list of ints."""
    return [int(s) for s in flatten(state_size)]


def build_sublayer(sub, shape, owner):
    """Builds `sub` inside `owner`'s name scope, so that its weights are named as tf.keras names them
    ('lstm/lstm_cell/kernel:0'). The engine's build scope already holds `owner` when `owner` is built by
    its first call; a direct `owner.build()` call adds it here."""
    scopes = call_context.build_scopes
    pushed = ([] if scopes else [owner.name]) + [sub.name]
    scopes.extend(pushed)
    try:
        sub.build(shape)
    finally:
        del scopes[len(scopes) - len(pushed):]
    sub.built = True


def _accepts_training(fn):
    params = inspect.signature(fn).parameters
    return "training" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _build_cell(cell, step_shape, owner):
    if isinstance(cell, Layer) and not cell.built:
        build_sublayer(cell, step_shape, owner)
    elif not isinstance(cell, Layer) and hasattr(cell, "build"):
        cell.build(step_shape)


def _check_cell(cell, what="Argument `cell`"):
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{what} should have a `call` method. Received: cell={cell}")
    if not hasattr(cell, "state_size"):
        raise ValueError("The RNN cell should have a `state_size` attribute (a single integer or a list "
                         f"of integers, one integer per RNN state). Received: cell={cell}")


def _cell_output_size(cell):
    if hasattr(cell, "output_size"):
        return int(cell.output_size)
    return flat_state_sizes(cell.state_size)[0]


def _per_sample(keep, like):
    """The (batch,) step mask shaped to broadcast over `like` (vectors, or a convolutional cell's images)."""
    return ops.reshape(keep, shape=(keep.shape[0],) + (1,) * (like.ndim - 1))


def _accepts_constants(cell):
    params = inspect.signature(cell.call).parameters
    return "constants" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


class RNN(RecurrentCall, Layer):
    """Runs `cell` over the timesteps of `(batch, timesteps, features)` inputs."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, time_major=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        _check_cell(cell)
        # Bidirectional sets it: masked steps then output zeros instead of the previous output.
        self.zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        # The kernels loop over time either way; `unroll` is kept for the config only.
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        self.states = None
        self._batch_size = None

    # ------------------------------------------------------------ building
    def build(self, input_shape):
        shape = first_shape(input_shape)
        # The constants' shapes come last in a call's list of inputs; the cell builds on them too.
        constants_shapes = extra_shapes(input_shape)[-self._num_constants:] if self._num_constants else []
        if self.time_major:
            shape = (shape[1], shape[0]) + shape[2:]
        if self.stateful and shape[0] is None:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is stateful, so it needs to know its batch '
                "size. Specify the batch size of your input tensors: pass `batch_input_shape=(...)` (or "
                "`batch_size`) to the first layer of a Sequential model, or `batch_shape=(...)` to "
                f"`Input`. Received input shape: {tuple(input_shape)}")
        self._batch_size = shape[0]
        step_shape = (shape[0],) + shape[2:]
        _build_cell(self.cell, [step_shape] + constants_shapes if constants_shapes else step_shape, self)
        self._set_input_spec(InputSpec(ndim=3, axes={-1: shape[-1]}))
        self.built = True

    # ------------------------------------------------------------ states
    @property
    def _state_sizes(self):
        return flat_state_sizes(self.cell.state_size)

    def _zero_states(self, batch, dtype):
        return [ops.zeros((batch, s), dtype=dtype) for s in self._state_sizes]

    def _checked_states(self, values, batch, what):
        sizes = self._state_sizes
        values = [as_tensor(v) for v in _to_list(values)]
        if len(values) != len(sizes):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects {len(sizes)} {what}(s) '
                f"(cell.state_size={self.cell.state_size}), but it received {len(values)} {what} tensor(s).")
        for i, (v, size) in enumerate(zip(values, sizes)):
            if tuple(v.shape) != (batch, size):
                raise ValueError(
                    f'{what.capitalize()} {i} of layer "{self.name}" ({type(self).__name__}) is '
                    f"incompatible: expected shape {(batch, size)}, received shape {tuple(v.shape)}.")
        return [v if v.dtype == self.dtype else ops.cast(v, self.dtype) for v in values]

    def _initial_states(self, inputs, initial_state):
        batch = inputs.shape[0]
        if initial_state is not None:
            return self._checked_states(initial_state, batch, "initial state")
        if self.stateful:
            if self.states is None:
                self.states = self._zero_states(batch, self.dtype)
            elif self.states[0].shape[0] != batch:
                raise ValueError(
                    f'Layer "{self.name}" ({type(self).__name__}) is stateful with batch size '
                    f"{self.states[0].shape[0]}, but it received a batch of {batch}.")
            return list(self.states)
        if hasattr(self.cell, "get_initial_state"):
            return [as_tensor(s) for s in flatten(
                self.cell.get_initial_state(inputs=inputs, batch_size=batch, dtype=self.dtype))]
        return self._zero_states(batch, self.dtype)

    def get_initial_state(self, inputs):
        """The zero states for a batch of `inputs`, one tensor per entry of the cell's state size."""
        return self._zero_states(inputs.shape[0], self.dtype)

    def reset_states(self, states=None):
        """Sets a stateful layer's states to zeros, or to `states` (NumPy arrays or tensors)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if self._batch_size is None:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) has no batch size yet: call it '
                             "or build it with a known batch size before `reset_states`.")
        if states is None:
            self.states = self._zero_states(self._batch_size, self.dtype)
        else:
            self.states = self._checked_states(states, self._batch_size, "state")

    # ------------------------------------------------------------ calling
    def _check_extra_inputs(self, initial_state, constants):
        if constants and not _accepts_constants(self.cell):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) was given constants, but its cell '
                f"{type(self.cell).__name__} does not support constants: its `call` has no `constants` "
                "argument.")

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        inputs, initial_state, constants = split_call_inputs(self, inputs, initial_state, constants)
        if constants:
            self._check_extra_inputs(initial_state, constants)
        if self.time_major:
            inputs = ops.transpose(inputs, (1, 0, 2))
        if isinstance(mask, (list, tuple)):
            mask = mask[0]  # the sequence's; states and constants carry none
        if mask is not None:
            mask = self._checked_mask(mask, inputs)
        states = self._initial_states(inputs, initial_state)
        for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
            if hasattr(self.cell, reset):
                getattr(self.cell, reset)()
        fused = None if constants else getattr(self.cell, "_fused_sequence", None)
        result = None
        if fused is not None:
            result = fused(inputs, states, mask, self.go_backwards, self.zero_output_for_mask, training)
        if result is None:
            outputs, states = self._loop(inputs, states, mask, training, constants)
            last_output = None
        else:
            outputs, last_output, states = result
        if self.stateful and not call_context.in_placeholder_run():
            self.states = [ops.stop_gradient(s) for s in states]
        if self.return_sequences:
            output = ops.transpose(outputs, (1, 0, 2)) if self.time_major else outputs
        elif last_output is not None:
            output = last_output
        else:
            output = ops.getitem(outputs, (slice(None), -1))
        if self.return_state:
            return [output] + list(states)
        return output

    def _checked_mask(self, mask, inputs):
        mask = as_tensor(mask)
        if tuple(mask.shape) != tuple(inputs.shape[:2]):
            raise ValueError(f'The mask of layer "{self.name}" ({type(self).__name__}) must have shape '
                             f"(batch, timesteps) = {tuple(inputs.shape[:2])}, received shape "
                             f"{tuple(mask.shape)}.")
        return mask if mask.dtype == "bool" else ops.cast(mask, "bool")

    def _loop(self, inputs, states, mask, training, constants=None):
        """The generic time loop over `cell.call`, with Keras's masking rule."""
        kwargs = {"training": training} if _accepts_training(self.cell.call) else {}
        if constants:
            kwargs["constants"] = constants
        steps = inputs.shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, prev = [], None
        for t in order:
            out, new_states = self.cell.call(ops.getitem(inputs, (slice(None), t)), states, **kwargs)
            new_states = flatten(new_states)
            if mask is not None:
                keep = ops.getitem(mask, (slice(None), t))
                fallback = ops.zeros_like(out) if prev is None or self.zero_output_for_mask else prev
                out = ops.where(_per_sample(keep, out), out, fallback)
                new_states = [ops.where(_per_sample(keep, n), n, s) for n, s in zip(new_states, states)]
            outputs.append(out)
            prev, states = out, new_states
        return ops.stack(outputs, axis=1), states

    # ------------------------------------------------------------ shapes, masks, config
    def compute_output_shape(self, input_shape):
        shape = first_shape(input_shape)
        batch, steps = (shape[1], shape[0]) if self.time_major else (shape[0], shape[1])
        units = _cell_output_size(self.cell)
        if self.return_sequences:
            output = (steps, batch, units) if self.time_major else (batch, steps, units)
        else:
            output = (batch, units)
        if self.return_state:
            return [output] + [(batch, s) for s in self._state_sizes]
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self._state_sizes)
        return output_mask

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in _RNN_CONFIG_KEYS})
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        if self._num_constants is not None:
            config["num_constants"] = self._num_constants
        config["cell"] = serialize_keras_object(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        deserialize = serialization("layer").deserialize  # layers.deserialize (kerasx.layers imports us)
        config = dict(config)
        cell = deserialize(config.pop("cell"), custom_objects=custom_objects)
        num_constants = config.pop("num_constants", None)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer


class StackedRNNCells(Layer):
    """Several cells as one: each step feeds one cell's output to the next."""

    def __init__(self, cells, **kwargs):
        for cell in cells:
            _check_cell(cell, "Every cell of StackedRNNCells")
        # Keras 2's order: the states of the last cell first. tf.keras 2.x still accepts it, warning.
        self.reverse_state_order = bool(kwargs.pop("reverse_state_order", False))
        if self.reverse_state_order:
            warnings.warn("reverse_state_order=True in StackedRNNCells will soon be deprecated. Please update "
                          "the code to work with the natural order of states if you rely on the RNN states, "
                          "eg RNN(return_state=True).", stacklevel=2)
        super().__init__(**kwargs)
        self.cells = list(cells)

    def _state_order(self):
        """The cells in the order their states are laid out."""
        return self.cells[::-1] if self.reverse_state_order else self.cells

    def _split_states(self, flat):
        """The flat states as one list per cell, in `self.cells`' order."""
        flat, per_cell = list(flat), {}
        for cell in self._state_order():
            n = len(flat_state_sizes(cell.state_size))
            per_cell[id(cell)], flat = flat[:n], flat[n:]
        return [per_cell[id(cell)] for cell in self.cells]

    def _in_state_order(self, per_cell):
        return per_cell[::-1] if self.reverse_state_order else per_cell

    @property
    def state_size(self):
        return [c.state_size for c in self._state_order()]

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        states = []
        for cell in self._state_order():
            if hasattr(cell, "get_initial_state"):
                states.append(cell.get_initial_state(inputs=inputs, batch_size=batch_size, dtype=dtype))
            else:
                states.append([ops.zeros((batch_size, s), dtype=dtype or self.dtype)
                               for s in flat_state_sizes(cell.state_size)])
        return states

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_recurrent_dropout_mask"):
                cell.reset_recurrent_dropout_mask()

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            _build_cell(cell, shape, self)
            shape = shape[:-1] + (_cell_output_size(cell),)
        self.built = True

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, cell_states in zip(self.cells, self._split_states(flatten(states))):
            kwargs = {"training": training} if _accepts_training(cell.call) else {}
            inputs, new = cell.call(inputs, cell_states, **kwargs)
            new_states.append(_to_list(new))
        return inputs, self._in_state_order(new_states)

    def _fused_sequence(self, inputs, states, mask, go_backwards, zero_output, training):
        """Each cell's whole sequence in turn, when every cell has a fused kernel. Equal to stepping
        the stack: at a masked step a cell's output is discarded and its states carried, whatever input
        it got, so the next cell may see the masked (repeated) output instead of the fresh one."""
        if not all(getattr(c, "_can_fuse", lambda: False)() for c in self.cells):
            return None
        new_states, last_output = [], None
        for i, (cell, states_in) in enumerate(zip(self.cells, self._split_states(states))):
            last = i == len(self.cells) - 1
            inputs, last_output, cell_states = cell._fused_sequence(inputs, states_in, mask, go_backwards,
                                                                    zero_output and last, training)
            new_states.append(list(cell_states))
            if go_backwards:
                # The first cell emitted its outputs last step first: the next cells run forwards on them.
                go_backwards = False
                if mask is not None:
                    mask = ops.getitem(mask, (slice(None), slice(None, None, -1)))
        return inputs, last_output, [s for cell_states in self._in_state_order(new_states) for s in cell_states]

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_keras_object(c) for c in self.cells]
        if self.reverse_state_order:
            # Only when set, so that default configs stay exactly tf.keras's.
            config["reverse_state_order"] = True
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        deserialize = serialization("layer").deserialize  # layers.deserialize (kerasx.layers imports us)
        config = dict(config)
        cells = [deserialize(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
