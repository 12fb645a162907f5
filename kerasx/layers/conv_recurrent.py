"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D (tf.keras.layers.ConvLSTM*D): a `ConvRNN` over `ConvLSTMCell`, an
LSTM whose input and recurrent transformations are convolutions; `ConvLSTM2DCell` is the 2-D cell as a
class of its own (Keras 2.2.5's), for `ConvRNN2D`.

The cell runs a whole sequence itself (`_fused_sequence`) with the existing conv primitive and ordinary
ops: the recurrent convolution ('same', stride 1) and the gates per step, the input convolution either
for every timestep at once (time folded into the batch) or per step, see `_fused_sequence`. The cell
computes channels_last; with ``data_format='channels_first'`` it transposes the sequence and the states
at its edges, so the layer's inputs, outputs and states keep the caller's layout, as in tf.keras.
"""
from backends.conv_arithmetic import conv_output_length
from kerasx import activations, ops, regularizers
from kerasx.autodiff.tape import active_tapes
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine.base_layer import Layer
from kerasx.layers.conv_rnn_base import ConvRNN
from kerasx.layers.rnn_cells import _dropout_mask, _rate, forget_bias_initializer, store_cell_arguments
from kerasx.layers.weight_arguments import add_bias, add_configured_weight, serialize_arguments
from kerasx.ops.conv_utils import normalize_data_format, normalize_padding, normalize_tuple

_GATES = 4
_WEIGHT_KEYS = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                "bias_constraint")
_CELL_KEYS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
              "recurrent_activation", "use_bias") + _WEIGHT_KEYS[:3] + ("unit_forget_bias",) + \
    _WEIGHT_KEYS[3:] + ("dropout", "recurrent_dropout")



class ConvLSTMCell(Layer):
    """One ConvLSTM step. Gates i, f, c, o side by side on the last axis of `kernel` ``(*kernel_size,
    channels, 4 * filters)``, `recurrent_kernel` ``(*kernel_size, filters, 4 * filters)`` and `bias`
    ``(4 * filters,)``, as tf.keras stores them; states ``[h, c]`` in the data_format's layout."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 **kwargs):
        cls = type(self).__name__
        # Arguments are checked before the base class registers a name for the cell.
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError("Invalid value for argument `filters` of "
                             f"{cls}. Expected a strictly positive integer. Received filters={filters}.")
        kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        strides = normalize_tuple(strides, rank, "strides")
        dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        padding = normalize_padding(padding)
        if padding not in ("valid", "same"):
            raise ValueError(f'The `padding` argument of {cls} must be "valid" or "same". Received: {padding}')
        if max(strides) > 1 and max(dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={strides} and dilation_rate={dilation_rate}")
        data_format = normalize_data_format(data_format)
        dropout_rate = _rate(dropout, "dropout", cls)
        recurrent_rate = _rate(recurrent_dropout, "recurrent_dropout", cls)
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size, self.strides, self.dilation_rate = kernel_size, strides, dilation_rate
        self.padding, self.data_format = padding, data_format
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        store_cell_arguments(self, kernel_initializer, recurrent_initializer, bias_initializer,
                               kernel_regularizer, recurrent_regularizer, bias_regularizer,
                               kernel_constraint, recurrent_constraint, bias_constraint,
                               dropout_rate, recurrent_rate)

    @property
    def state_size(self):
        return [self.filters, self.filters]

    @property
    def _channels_first(self):
        return self.data_format == "channels_first"

    def output_spatial(self, spatial):
        """The spatial shape of the outputs and states for inputs of spatial shape `spatial`."""
        return tuple(conv_output_length(n, k, self.padding, s, r)
                     for n, k, s, r in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    # ------------------------------------------------------------ weights
    def build(self, input_shape):
        channels = input_shape[1 if self._channels_first else -1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs (last axis) should be defined. Found None. "
                             f"Full input shape received: input_shape={tuple(input_shape)}")
        width = _GATES * self.filters
        self.kernel = add_configured_weight(self, "kernel", self.kernel_size + (channels, width))
        self.recurrent_kernel = add_configured_weight(self, "recurrent_kernel",
                                                      self.kernel_size + (self.filters, width))
        self.bias = add_bias(self, (width,), self._bias_init())
        self.built = True

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.filters)

    # ------------------------------------------------------------ dropout masks
    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def _masks(self, x_step_shape, h_step_shape, training):
        """The four input and four recurrent dropout masks (channels_last, one per gate as tf.keras
        draws them), drawn on first use and kept until the layer's next call; None where off."""
        if training and self.dropout > 0 and self._dropout_mask is None:
            self._dropout_mask = [_dropout_mask(x_step_shape, self.dropout, self.dtype) for _ in range(_GATES)]
        if training and self.recurrent_dropout > 0 and self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = [_dropout_mask(h_step_shape, self.recurrent_dropout, self.dtype)
                                            for _ in range(_GATES)]
        dp = self._dropout_mask if training and self.dropout > 0 else None
        rdp = self._recurrent_dropout_mask if training and self.recurrent_dropout > 0 else None
        return dp, rdp

    # ------------------------------------------------------------ computing (channels_last)
    def _gate(self, w, k):
        return ops.getitem(w, (Ellipsis, slice(k * self.filters, (k + 1) * self.filters)))

    def _input_conv(self, x, dp, sequence):
        """The gates' input pre-activations ``(..., 4 * filters)``, bias included, of one step or (with
        `sequence`) of a whole sequence, its time folded into the batch for one convolution. With dropout
        each gate sees its own mask, so each gets its own convolution, as in tf.keras."""
        if dp is None:
            parts = [(x, self.kernel, self.bias)]
        else:
            parts = [(ops.multiply(x, ops.expand_dims(m, 1) if sequence else m), self._gate(self.kernel, k),
                      None if self.bias is None else self._gate(self.bias, k)) for k, m in enumerate(dp)]
        outs = []
        for v, kernel, bias in parts:
            if sequence:
                v = ops.reshape(v, shape=(-1,) + v.shape[2:])
            outs.append(ops.conv(v, kernel, bias=bias, strides=self.strides, padding=self.padding,
                                 dilation_rate=self.dilation_rate))
        z = outs[0] if len(outs) == 1 else ops.concatenate(outs, axis=-1)
        return ops.reshape(z, shape=x.shape[:2] + z.shape[1:]) if sequence else z

    def _recurrent_conv(self, h, rdp):
        def conv(v, kernel):
            return ops.conv(v, kernel, padding="same")
        if rdp is None:
            return conv(h, self.recurrent_kernel)
        return ops.concatenate([conv(ops.multiply(h, m), self._gate(self.recurrent_kernel, k))
                                for k, m in enumerate(rdp)], axis=-1)

    def _step(self, x_pre, h_tm1, c_tm1, rdp):
        z = ops.add(x_pre, self._recurrent_conv(h_tm1, rdp))
        i = self.recurrent_activation(self._gate(z, 0))
        f = self.recurrent_activation(self._gate(z, 1))
        c = ops.add(ops.multiply(f, c_tm1), ops.multiply(i, self.activation(self._gate(z, 2))))
        o = self.recurrent_activation(self._gate(z, 3))
        return ops.multiply(o, self.activation(c)), c

    def _to_last(self, x):
        if not self._channels_first:
            return x
        n = x.ndim
        return ops.transpose(x, axes=tuple(range(n - self.rank - 1)) + tuple(range(n - self.rank, n)) +
                             (n - self.rank - 1,))

    def _to_first(self, x):
        if not self._channels_first:
            return x
        n = x.ndim
        return ops.transpose(x, axes=tuple(range(n - self.rank - 1)) + (n - 1,) +
                             tuple(range(n - self.rank - 1, n - 1)))

    def call(self, inputs, states, training=None):
        """One step: `inputs` ``(batch, *spatial, channels)`` (channels first where so configured)."""
        x = self._to_last(as_tensor(inputs))
        h_tm1, c_tm1 = (self._to_last(as_tensor(s)) for s in states)
        dp, rdp = self._masks(x.shape, h_tm1.shape, training)
        h, c = self._step(self._input_conv(x, dp, sequence=False), h_tm1, c_tm1, rdp)
        h, c = self._to_first(h), self._to_first(c)
        return h, [h, c]

    def _fused_sequence(self, inputs, states, mask, go_backwards, zero_output, training):
        """The whole sequence ``(batch, time, ...)``: ``(outputs, last_output, [h, c])``, outputs in
        processing order and masked steps handled as `RNN`'s loop handles them.

        Folding time into the batch makes the input convolution one large GEMM (inference up to 1.25x
        faster than per-step convolutions at T=40), but under a tape each step's slice of the folded
        result scatters into a zero tensor of the whole sequence in the backward, O(T^2) in time: a first
        layer trained 1.2-1.6x slower at T=10-40. A recorded call convolves its inputs step by step
        instead; where the inputs need a gradient too (stacked layers) their per-step slices scatter
        the same way, and the two measured even there."""
        x = self._to_last(inputs)
        h, c = (self._to_last(s) for s in states)
        batch, steps = x.shape[:2]
        dp, rdp = self._masks((batch,) + x.shape[2:], h.shape, training)
        x_pre = None if active_tapes() else self._input_conv(x, dp, sequence=True)
        order = range(steps - 1, -1, -1) if go_backwards else range(steps)
        outputs, prev = [], None
        for t in order:
            if x_pre is None:
                x_t = self._input_conv(ops.getitem(x, (slice(None), t)), dp, sequence=False)
            else:
                x_t = ops.getitem(x_pre, (slice(None), t))
            new_h, new_c = self._step(x_t, h, c, rdp)
            out = new_h
            if mask is not None:
                keep = ops.getitem(mask, (slice(None), t) + (None,) * (self.rank + 1))
                fallback = ops.zeros_like(out) if prev is None or zero_output else prev
                out = ops.where(keep, out, fallback)
                new_h, new_c = ops.where(keep, new_h, h), ops.where(keep, new_c, c)
            outputs.append(out)
            prev, h, c = out, new_h, new_c
        outputs = self._to_first(ops.stack(outputs, axis=1))
        h, c = self._to_first(h), self._to_first(c)
        return outputs, (h if mask is None else None), [h, c]

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, _CELL_KEYS))
        return config


class ConvLSTM2DCell(ConvLSTMCell):
    """The 2-D ConvLSTM cell (Keras 2.2.5's and tf.keras <= 2.5's `ConvLSTM2DCell`), for `ConvRNN2D`:
    inputs ``(batch, rows, cols, channels)`` per step."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class ConvLSTM(ConvRNN):
    """N-d convolutional LSTM over ``(batch, time, *spatial, channels)`` inputs (channels after time
    where ``data_format='channels_first'``). Private base of ConvLSTM1D/2D/3D, as tf.keras's."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, dropout=0.0,
                 recurrent_dropout=0.0, unroll=False, time_major=False, **kwargs):
        if unroll:
            raise TypeError(f"Unrolling is not possible with convolutional RNNs. Received: unroll={unroll}")
        if time_major:
            raise ValueError(f"{type(self).__name__} takes batch-major inputs (batch, time, ...) only. "
                             f"Received: time_major={time_major}")
        cell = ConvLSTMCell(
            rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True))
        super().__init__(rank, cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, activity_regularizer=activity_regularizer,
                         **kwargs)

    def __getattr__(self, key):
        # Only reached for attributes the layer lacks: the cell's arguments (`filters`, `dropout`, ...).
        cell = self.__dict__.get("cell")
        if cell is not None and key in _CELL_KEYS:
            return getattr(cell, key)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    # ------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update(serialize_arguments(self.cell, _CELL_KEYS))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class ConvLSTM1D(ConvLSTM):
    """Inputs ``(batch, time, steps, channels)``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class ConvLSTM2D(ConvLSTM):
    """Inputs ``(batch, time, rows, cols, channels)``; tf.keras 2.x names it 'conv_lst_m2d'."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class ConvLSTM3D(ConvLSTM):
    """Inputs ``(batch, time, depth, rows, cols, channels)``."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
