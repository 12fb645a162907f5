"""The recurrent kernels of the interface (see `backends.base` for the conventions every kernel follows).

`base.Backend` inherits this class: the interface stays one abstract class, split by family so that no
module outgrows its job.

Shared conventions of the whole-sequence kernels:
- ``x`` is ``(batch, timesteps, features)`` (batch-major, as Keras); weights are stored as tf.keras stores
  them: ``kernel (features, G * units)``, ``recurrent_kernel (units, G * units)`` with the gates side by
  side along the last axis (LSTM: i, f, c, o; GRU: z, r, h; SimpleRNN: one block).
- ``mask`` is ``None`` or a bool ``(batch, timesteps)`` array: where False the states are carried over
  unchanged and the output repeats the previous step's output (zeros before the first kept step, or
  zeros always when ``zero_output_for_mask``), as Keras's ``backend.rnn``.
- ``recurrent_mask`` is ``None`` or a ``(batch, units)`` array (a recurrent-dropout mask, already scaled)
  that multiplies the state entering the recurrent GEMM(s) at every step, as Keras's cells do; the state
  carried to the next step (and GRU's ``z * h`` term) is not masked.
- ``bias`` is always given: a layer without one passes zeros.
- ``go_backwards`` processes the timesteps last to first; outputs come in processing order (Keras).
- The forward returns ``(outputs, *final_states, cache)``; ``outputs`` is ``(batch, timesteps, units)``,
  ``cache`` is an opaque tuple that only the matching backward kernel reads. The backward takes the
  cotangents of ``outputs`` and of each final state and returns the gradients of ``x``, the weights, the
  initial states and ``recurrent_mask`` (``None`` when no recurrent mask was given).
"""
import abc


class RecurrentInterface(abc.ABC):
    """Abstract recurrent kernels; `generic_rnn.RecurrentKernels` implements them over `xp`."""

    @abc.abstractmethod
    def lstm_forward(self, x, kernel, recurrent_kernel, bias, h0, c0, mask=None, recurrent_mask=None,
                     go_backwards=False, zero_output_for_mask=False):
        """A whole LSTM sequence, recurrent activation sigmoid and activation tanh (tf.keras 2.x).

        ``bias (4 * units,)``; ``h0, c0 (batch, units)``. Returns ``(outputs, h, c, cache)``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def lstm_backward(self, g_outputs, g_h, g_c, cache):
        """Gradients of `lstm_forward`: ``(dx, dkernel, drecurrent_kernel, dbias, dh0, dc0,
        drecurrent_mask)``, each in its input's shape and dtype."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def gru_forward(self, x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None,
                    go_backwards=False, zero_output_for_mask=False, reset_after=True):
        """A whole GRU sequence, recurrent activation sigmoid and activation tanh.

        ``reset_after=True`` (tf.keras 2.x default): ``bias (2, 3 * units)``, row 0 the input bias and
        row 1 the recurrent bias, and the reset gate multiplies ``h @ recurrent_kernel_h + b_h``.
        ``reset_after=False``: ``bias (3 * units,)`` and the reset gate multiplies ``h`` before its GEMM.
        Returns ``(outputs, h, cache)``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def gru_backward(self, g_outputs, g_h, cache):
        """Gradients of `gru_forward`: ``(dx, dkernel, drecurrent_kernel, dbias, dh0,
        drecurrent_mask)``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def simple_rnn_forward(self, x, kernel, recurrent_kernel, bias, h0, mask=None, recurrent_mask=None,
                           go_backwards=False, zero_output_for_mask=False, activation="tanh"):
        """A whole SimpleRNN sequence ``h = activation(x @ kernel + h @ recurrent_kernel + bias)``;
        ``activation`` is one of ``'tanh'``, ``'relu'``, ``'sigmoid'``, ``'linear'``. ``bias (units,)``.
        Returns ``(outputs, h, cache)``."""
        raise NotImplementedError("abstract kernel")

    @abc.abstractmethod
    def simple_rnn_backward(self, g_outputs, g_h, cache):
        """Gradients of `simple_rnn_forward`: ``(dx, dkernel, drecurrent_kernel, dbias, dh0,
        drecurrent_mask)``."""
        raise NotImplementedError("abstract kernel")
