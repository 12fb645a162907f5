"""The recurrent layers SimpleRNN, LSTM and GRU (tf.keras 2.x): an `RNN` over the matching built-in cell,
which runs the whole sequence in one fused kernel whenever its activations allow.

Their configs are the cell's arguments plus the RNN ones, flat, as tf.keras writes them; the cell's
attributes (`units`, `dropout`, ...) read through to the cell.
"""
import warnings

from kerasx import regularizers
from kerasx.layers.rnn_base import RNN, StackedRNNCells
from kerasx.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell

# Keras 2's `keras.layers.recurrent` path exposes the RNN base, the cells and their stack as well.
__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells"]

_CELL_BASE_KEYS = ("name", "trainable", "dtype", "batch_input_shape")


class _CellLayer(RNN):
    """An RNN that owns one built-in cell of `cell_class`, made from the layer's own arguments."""

    cell_class = None

    def __init__(self, cell_kwargs, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, time_major=False, unroll=False, **kwargs):
        cell = self.cell_class(dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                               **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, time_major=time_major,
                         **kwargs)

    def __getattr__(self, key):
        # Only reached for attributes the layer lacks: the cell's arguments (`units`, `dropout`, ...).
        cell = self.__dict__.get("cell")
        if cell is not None and key in type(cell)._config_keys:
            return getattr(cell, key)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in _CELL_BASE_KEYS:
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(_CellLayer):
    cell_class = SimpleRNNCell

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if "implementation" in kwargs:
            # tf.keras accepts and drops it: SimpleRNN has one implementation.
            kwargs.pop("implementation")
            warnings.warn("The `implementation` argument in `SimpleRNN` has been deprecated. Please remove it "
                          "from your layer call.", stacklevel=2)
        cell_kwargs = dict(units=units, activation=activation, use_bias=use_bias,
                           kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                           bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)


class LSTM(_CellLayer):
    """Long Short-Term Memory (Hochreiter 1997), gates i, f, c, o; sigmoid recurrent activation."""

    cell_class = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=2, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, time_major=False, unroll=False, **kwargs):
        cell_kwargs = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                           use_bias=use_bias, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                           recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                           bias_constraint=bias_constraint, dropout=dropout,
                           recurrent_dropout=recurrent_dropout, implementation=implementation)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, time_major=time_major, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho et al. 2014), gates z, r, h; `reset_after=True` as tf.keras 2.x."""

    cell_class = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 implementation=2, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, reset_after=True, **kwargs):
        cell_kwargs = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                           use_bias=use_bias, kernel_initializer=kernel_initializer,
                           recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                           bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                           recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                           dropout=dropout, recurrent_dropout=recurrent_dropout,
                           implementation=implementation, reset_after=reset_after)
        super().__init__(cell_kwargs, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, time_major=time_major,
                         activity_regularizer=activity_regularizer, **kwargs)
