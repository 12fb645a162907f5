"""The built-in recurrent cells: SimpleRNNCell, LSTMCell, GRUCell (tf.keras.layers.*Cell), and
AbstractRNNCell, the base tf.keras offers for cells of one's own.

Each cell computes one timestep with ordinary ops (`call(inputs, states)`, usable on its own or in a
generic `RNN` loop) and also offers `_fused_sequence`, the whole sequence in one whole-sequence kernel
(kerasx.ops.rnn), which `RNN` uses when the cell's activations are ones the kernel implements. It returns
``(outputs, last_output, states)``; without a mask the last output is the final h, which spares the
layer a slice (and its scatter in the backward) when it returns only the last output.
"""
import numbers

from kerasx import activations, ops
from kerasx.autodiff.nest import flatten
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer
from kerasx.layers.weight_arguments import (add_bias, add_configured_weight, serialize_arguments,
                                            store_weight_arguments)


def _positive_units(units, cls):
    if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                         f"got {units} (layer {cls}).")
    return int(units)


def _rate(value, name, cls):
    rate = float(value)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"Received an invalid value for argument `{name}` of {cls}, expected a float "
                         f"in [0, 1), got {value}.")
    return rate


def _dropout_mask(shape, rate, dtype):
    """Keras's inverted-dropout mask: kept entries are 1 / (1 - rate), dropped ones 0."""
    keep = 1.0 - rate
    return ops.multiply(ops.random_bernoulli(shape, p=keep, dtype=dtype), 1.0 / keep)


def store_cell_arguments(cell, kernel_initializer, recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer, bias_regularizer,
                           kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                           recurrent_dropout):
    """Resolves and stores what every recurrent cell (the built-in ones and ConvLSTM's) takes for its
    kernel, recurrent kernel and bias, and its two dropout rates (already checked)."""
    store_weight_arguments(cell, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
    store_weight_arguments(cell, "recurrent", recurrent_initializer, recurrent_regularizer, recurrent_constraint)
    store_weight_arguments(cell, "bias", bias_initializer, bias_regularizer, bias_constraint)
    cell.dropout = dropout
    cell.recurrent_dropout = recurrent_dropout
    cell._dropout_mask = None
    cell._recurrent_dropout_mask = None


class AbstractRNNCell(Layer):
    """The base of a custom RNN cell (tf.keras.layers.AbstractRNNCell): a subclass defines `state_size`,
    `output_size` and ``call(inputs, states) -> (output, new_states)``; the initial states are zeros."""

    def call(self, inputs, states):
        """One timestep: ``(output, new_states)`` from the step's inputs and the previous states."""
        raise NotImplementedError

    @property
    def state_size(self):
        """The size of each state: an int or a (nested) list of ints."""
        raise NotImplementedError

    @property
    def output_size(self):
        """The size of the outputs."""
        raise NotImplementedError

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zeros of shape (batch, size) for each state, in the structure of `state_size`."""
        batch = inputs.shape[0] if batch_size is None else batch_size
        dtype = dtype or (inputs.dtype if inputs is not None else self.dtype)
        states = [ops.zeros((batch, int(size)), dtype=dtype) for size in flatten(self.state_size)]
        return states if isinstance(self.state_size, (list, tuple)) else states[0]


class DropoutRNNCell(Layer):
    """Config, weights and dropout masks shared by the built-in cells.

    As Keras's `DropoutRNNCellMixin`, a mask is drawn on first use and reused until the owning `RNN`
    resets it at its next call, so every timestep of one sequence sees the same mask."""

    _gates = 1
    _config_keys = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                    "recurrent_dropout")

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 **kwargs):
        cls = type(self).__name__
        # Arguments are checked before the base class registers a name for the cell.
        checked_units = _positive_units(units, cls)
        dropout_rate = _rate(dropout, "dropout", cls)
        recurrent_rate = _rate(recurrent_dropout, "recurrent_dropout", cls)
        super().__init__(**kwargs)
        self.units = checked_units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        store_cell_arguments(self, kernel_initializer, recurrent_initializer, bias_initializer,
                               kernel_regularizer, recurrent_regularizer, bias_regularizer,
                               kernel_constraint, recurrent_constraint, bias_constraint,
                               dropout_rate, recurrent_rate)

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    # ------------------------------------------------------------ weights
    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs to {type(self).__name__} should be "
                             f"defined. Found None. Full input shape received: {tuple(input_shape)}")
        width = self._gates * self.units
        self.kernel = add_configured_weight(self, "kernel", (input_dim, width))
        self.recurrent_kernel = add_configured_weight(self, "recurrent_kernel", (self.units, width))
        self.bias = add_bias(self, self._bias_shape(), self._bias_init())
        self.built = True

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def _bias_or_zeros(self):
        # The kernels always add a bias; a bias-free cell passes zeros, which cost one broadcast add.
        return self.bias if self.bias is not None else ops.zeros(self._bias_shape(), dtype=self.dtype)

    # ------------------------------------------------------------ dropout masks
    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def get_dropout_mask_for_cell(self, inputs, training):
        if not training or self.dropout == 0:
            return None
        if self._dropout_mask is None:
            self._dropout_mask = _dropout_mask((inputs.shape[0], inputs.shape[-1]), self.dropout, self.dtype)
        return self._dropout_mask

    def get_recurrent_dropout_mask_for_cell(self, states, training):
        if not training or self.recurrent_dropout == 0:
            return None
        if self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = _dropout_mask((states.shape[0], self.units),
                                                         self.recurrent_dropout, self.dtype)
        return self._recurrent_dropout_mask

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        batch = inputs.shape[0] if batch_size is None else batch_size
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        states = [ops.zeros((batch, s), dtype=dtype or self.dtype) for s in sizes]
        return states if isinstance(self.state_size, (list, tuple)) else states[0]

    # ------------------------------------------------------------ steps
    def _step_inputs(self, inputs, states, training):
        """The step's input and previous state, each with its dropout mask applied, and the raw state."""
        inputs = as_tensor(inputs)
        h_tm1 = as_tensor(states[0] if isinstance(states, (list, tuple)) else states)
        dp = self.get_dropout_mask_for_cell(inputs, training)
        rdp = self.get_recurrent_dropout_mask_for_cell(h_tm1, training)
        x = inputs if dp is None else ops.multiply(inputs, dp)
        h_in = h_tm1 if rdp is None else ops.multiply(h_tm1, rdp)
        return x, h_in, h_tm1

    def _gate(self, z, k):
        u = self.units
        return ops.getitem(z, (Ellipsis, slice(k * u, (k + 1) * u)))

    def _fused_inputs(self, inputs, states, training):
        """The sequence with its input dropout applied (one mask for every timestep) and the recurrent
        mask for the kernel."""
        dp = self.get_dropout_mask_for_cell(inputs, training)
        rdp = self.get_recurrent_dropout_mask_for_cell(states[0], training)
        if dp is not None:
            inputs = ops.multiply(inputs, ops.expand_dims(dp, 1))
        return inputs, rdp

    def _overrides_call(self, base):
        return type(self).call is not base.call

    # ------------------------------------------------------------ config
    def get_config(self):
        base = super().get_config()
        base.update(serialize_arguments(self, self._config_keys))
        return base


class SimpleRNNCell(DropoutRNNCell):
    """``h = activation(x @ kernel + h_tm1 @ recurrent_kernel + bias)``."""

    def call(self, inputs, states, training=None):
        x, h_in, _ = self._step_inputs(inputs, states, training)
        h = ops.matmul(x, self.kernel)
        if self.use_bias:
            h = ops.add(h, self.bias)
        output = self.activation(ops.add(h, ops.matmul(h_in, self.recurrent_kernel)))
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def _fused_activation(self):
        return {activations.tanh: "tanh", activations.relu: "relu", activations.sigmoid: "sigmoid",
                activations.linear: "linear"}.get(self.activation)

    def _can_fuse(self):
        return not self._overrides_call(SimpleRNNCell) and self._fused_activation() is not None

    def _fused_sequence(self, inputs, states, mask, go_backwards, zero_output, training):
        if not self._can_fuse():
            return None
        inputs, rdp = self._fused_inputs(inputs, states, training)
        out, h = ops.simple_rnn(inputs, self.kernel, self.recurrent_kernel, self._bias_or_zeros(), states[0],
                                mask=mask, recurrent_mask=rdp, go_backwards=go_backwards,
                                zero_output_for_mask=zero_output, activation=self._fused_activation())
        return out, (h if mask is None else None), [h]


class LSTMCell(DropoutRNNCell):
    """Gates i, f, c, o side by side in `kernel (input_dim, 4 * units)`, as tf.keras stores them."""

    _gates = 4
    _config_keys = DropoutRNNCell._config_keys[:2] + ("recurrent_activation",) + \
        DropoutRNNCell._config_keys[2:5] + ("unit_forget_bias",) + DropoutRNNCell._config_keys[5:] + \
        ("implementation",)

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 implementation=2, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        # Both of Keras's implementations compute the same function; one fused kernel serves them.
        self.implementation = implementation

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.units)

    def call(self, inputs, states, training=None):
        x, h_in, _ = self._step_inputs(inputs, states, training)
        c_tm1 = as_tensor(states[1])
        z = ops.add(ops.matmul(x, self.kernel), ops.matmul(h_in, self.recurrent_kernel))
        if self.use_bias:
            z = ops.add(z, self.bias)
        i = self.recurrent_activation(self._gate(z, 0))
        f = self.recurrent_activation(self._gate(z, 1))
        c = ops.add(ops.multiply(f, c_tm1), ops.multiply(i, self.activation(self._gate(z, 2))))
        o = self.recurrent_activation(self._gate(z, 3))
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def _can_fuse(self):
        return (not self._overrides_call(LSTMCell) and self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid)

    def _fused_sequence(self, inputs, states, mask, go_backwards, zero_output, training):
        if not self._can_fuse():
            return None
        inputs, rdp = self._fused_inputs(inputs, states, training)
        out, h, c = ops.lstm(inputs, self.kernel, self.recurrent_kernel, self._bias_or_zeros(), states[0],
                             states[1], mask=mask, recurrent_mask=rdp, go_backwards=go_backwards,
                             zero_output_for_mask=zero_output)
        return out, (h if mask is None else None), [h, c]


class GRUCell(DropoutRNNCell):
    """Gates z, r, h in `kernel (input_dim, 3 * units)`; with `reset_after` (tf.keras 2.x default) the
    bias is `(2, 3 * units)`: input bias, then recurrent bias."""

    _gates = 3
    _config_keys = DropoutRNNCell._config_keys[:2] + ("recurrent_activation",) + \
        DropoutRNNCell._config_keys[2:] + ("implementation", "reset_after")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=2,
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = implementation
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        x, h_in, h_tm1 = self._step_inputs(inputs, states, training)
        u = self.units
        mx = ops.matmul(x, self.kernel)
        if self.use_bias:
            mx = ops.add(mx, self.bias[0] if self.reset_after else self.bias)
        if self.reset_after:
            inner = ops.matmul(h_in, self.recurrent_kernel)
            if self.use_bias:
                inner = ops.add(inner, self.bias[1])
        else:
            inner = ops.matmul(h_in, ops.getitem(self.recurrent_kernel, (slice(None), slice(0, 2 * u))))
        z = self.recurrent_activation(ops.add(self._gate(mx, 0), self._gate(inner, 0)))
        r = self.recurrent_activation(ops.add(self._gate(mx, 1), self._gate(inner, 1)))
        if self.reset_after:
            recurrent_h = ops.multiply(r, self._gate(inner, 2))
        else:
            recurrent_h = ops.matmul(ops.multiply(r, h_in),
                                     ops.getitem(self.recurrent_kernel, (slice(None), slice(2 * u, 3 * u))))
        hh = self.activation(ops.add(self._gate(mx, 2), recurrent_h))
        # Recurrent dropout reaches only the recurrent GEMMs, not the carried state (Keras's
        # implementation 1 does the same).
        h = ops.add(ops.multiply(z, h_tm1), ops.multiply(ops.subtract(1.0, z), hh))
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def _can_fuse(self):
        return (not self._overrides_call(GRUCell) and self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid)

    def _fused_sequence(self, inputs, states, mask, go_backwards, zero_output, training):
        if not self._can_fuse():
            return None
        inputs, rdp = self._fused_inputs(inputs, states, training)
        out, h = ops.gru(inputs, self.kernel, self.recurrent_kernel, self._bias_or_zeros(), states[0],
                         mask=mask, recurrent_mask=rdp, go_backwards=go_backwards,
                         zero_output_for_mask=zero_output, reset_after=self.reset_after)
        return out, (h if mask is None else None), [h]


def forget_bias_initializer(init, units):
    """The LSTM gates' bias initializer with `unit_forget_bias`: gates i, f, c, o of `units` each, the
    forget gate's at 1 (Jozefowicz et al.), the others from `init`. Built with ops, so it returns a
    Tensor on the active backend as every initializer does."""
    def bias_initializer(shape, dtype=None, **kwargs):
        return ops.concatenate([init((units,), dtype=dtype), ops.ones((units,), dtype),
                                init((2 * units,), dtype=dtype)], 0)
    return bias_initializer
