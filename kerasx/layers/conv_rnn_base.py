"""`ConvRNN`, the recurrent layer over a convolutional cell (tf.keras's `base_conv_rnn.ConvRNN`), and
`ConvRNN2D`, its 2-D form as a public class (tf.keras <= 2.5's and Keras 2.2.5's
`convolutional_recurrent.ConvRNN2D`).

The inputs are ``(batch, time, *spatial, channels)`` (channels after time with the cell's
``data_format='channels_first'``); the states and outputs are images whose spatial shape follows the
cell's convolution geometry (`filters`, `kernel_size`, `strides`, `padding`, `data_format`,
`dilation_rate`, which every such cell has) and whose channels are the cell's state sizes. A cell with
`_fused_sequence` (ConvLSTMCell) runs the whole sequence itself; any other is stepped by `RNN`'s loop."""
from backends.conv_arithmetic import conv_output_length
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.rnn_base import RNN, build_sublayer, flat_state_sizes
from kerasx.layers.rnn_inputs import first_shape

CONV_CELL_ATTRIBUTES = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")


class ConvRNN(RNN):
    """Runs a convolutional `cell` over the timesteps of ``(batch, time, *spatial, channels)`` inputs;
    `rank` is the number of spatial axes."""

    def __init__(self, rank, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        name = type(self).__name__
        if unroll:
            raise TypeError(f"Unrolling is not possible with convolutional RNNs. Received: unroll={unroll}")
        if isinstance(cell, (list, tuple)):
            raise TypeError("It is not possible at the moment to stack convolutional cells. Only pass a single "
                            f"cell instance as the `cell` argument. Received: cell={cell}")
        if kwargs.get("time_major"):
            raise ValueError(f"{name} takes batch-major inputs (batch, time, ...) only. "
                             f"Received: time_major={kwargs['time_major']}")
        missing = [a for a in CONV_CELL_ATTRIBUTES if not hasattr(cell, a)]
        if missing:
            raise ValueError(f"{name} needs a convolutional cell, with the attributes "
                             f"{list(CONV_CELL_ATTRIBUTES)} (as ConvLSTM2DCell has); the cell "
                             f"{type(cell).__name__} lacks {missing}.")
        if len(tuple(cell.kernel_size)) != rank:
            raise ValueError(f"{name} needs a {rank}-D convolutional cell; received {type(cell).__name__} with "
                             f"kernel_size={tuple(cell.kernel_size)}.")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.rank = rank
        self.input_spec = InputSpec(ndim=rank + 3)
        self._input_spatial = None

    # ------------------------------------------------------------ shapes
    @property
    def _cell_channels_first(self):
        return self.cell.data_format == "channels_first"

    def _spatial(self, shape):
        return tuple(shape[3:] if self._cell_channels_first else shape[2:-1])

    def _output_spatial(self, spatial):
        cell = self.cell
        return tuple(conv_output_length(n, k, cell.padding, s, r)
                     for n, k, s, r in zip(spatial, cell.kernel_size, cell.strides, cell.dilation_rate))

    def _state_shapes(self, batch, spatial):
        out = self._output_spatial(spatial)
        return [(batch, s) + out if self._cell_channels_first else (batch,) + out + (s,)
                for s in flat_state_sizes(self.cell.state_size)]

    def compute_output_shape(self, input_shape):
        shape = first_shape(input_shape)
        states = self._state_shapes(shape[0], self._spatial(shape))
        out = self._output_spatial(self._spatial(shape))
        f = self.cell.filters
        state = (shape[0], f) + out if self._cell_channels_first else (shape[0],) + out + (f,)
        output = state[:1] + (shape[1],) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [output] + states
        return output

    def build(self, input_shape):
        shape = first_shape(input_shape)
        spatial = self._spatial(shape)
        out = self._output_spatial(spatial)
        if any(d is not None and d <= 0 for d in out):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): inputs of shape {shape} are too '
                             f"small for kernel_size {tuple(self.cell.kernel_size)} with padding "
                             f"'{self.cell.padding}': the output would have spatial shape {out}.")
        if self.stateful and (shape[0] is None or None in spatial):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is stateful, so it needs to know its batch '
                "size and the spatial size of its inputs. Pass `batch_input_shape=(...)` (or `batch_size`) "
                "to the first layer of a Sequential model, or `batch_shape=(...)` to `Input`, with every "
                f"dimension but time known. Received input shape: {shape}")
        self._batch_size, self._input_spatial = shape[0], spatial
        if not getattr(self.cell, "built", False):
            build_sublayer(self.cell, (shape[0],) + shape[2:], self)
        channel_axis = 2 if self._cell_channels_first else -1
        self._set_input_spec(InputSpec(ndim=self.rank + 3, axes={channel_axis: shape[channel_axis]}))
        self.built = True

    # ------------------------------------------------------------ states
    def _zero_states(self, batch, dtype, spatial=None):
        shapes = self._state_shapes(batch, self._input_spatial if spatial is None else spatial)
        return [ops.zeros(s, dtype=dtype) for s in shapes]

    def _checked_states(self, values, batch, what, spatial=None):
        expected = self._state_shapes(batch, self._input_spatial if spatial is None else spatial)
        values = [as_tensor(v) for v in (values if isinstance(values, (list, tuple)) else [values])]
        if len(values) != len(expected):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects {len(expected)} {what}(s) '
                f"(cell.state_size={self.cell.state_size}), but it received {len(values)} {what} tensor(s).")
        for i, (v, shape) in enumerate(zip(values, expected)):
            if tuple(v.shape) != shape:
                raise ValueError(
                    f'{what.capitalize()} {i} of layer "{self.name}" ({type(self).__name__}) is '
                    f"incompatible: expected shape {shape}, received shape {tuple(v.shape)}.")
        return [v if v.dtype == self.dtype else ops.cast(v, self.dtype) for v in values]

    def _initial_states(self, inputs, initial_state):
        batch, spatial = inputs.shape[0], self._spatial(inputs.shape)
        if initial_state is not None:
            return self._checked_states(initial_state, batch, "initial state", spatial)
        if not self.stateful:
            return self._zero_states(batch, self.dtype, spatial)
        expected = self._state_shapes(batch, spatial)
        if self.states is None:
            self.states = self._zero_states(batch, self.dtype, spatial)
        elif [tuple(s.shape) for s in self.states] != expected:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is stateful with states of shape '
                f"{tuple(self.states[0].shape)}, but inputs of shape {tuple(inputs.shape)} need states of "
                f"shape {expected[0]}.")
        return list(self.states)

    def get_initial_state(self, inputs):
        """The zero states for a batch of `inputs`, one image per entry of the cell's state size."""
        return self._zero_states(inputs.shape[0], self.dtype, self._spatial(inputs.shape))


class ConvRNN2D(ConvRNN):
    """The RNN layer over a 2-D convolutional cell, e.g. ``ConvRNN2D(ConvLSTM2DCell(8, 3))``: inputs
    ``(batch, time, rows, cols, channels)``."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        super().__init__(2, cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
