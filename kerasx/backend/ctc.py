"""Connectionist temporal classification, as tf.keras 2.x's backend offers it: `ctc_batch_cost` (the
loss), `ctc_decode` (greedy and beam search) and `ctc_label_dense_to_sparse`.

As in tf.keras, `y_pred` holds softmax probabilities of shape (batch, time, classes), the last class is
the blank, and both the loss and the decoders work on ``log(y_pred + epsilon)`` (tf's CTC ops then
normalise those with a log-softmax, so the loss sees ``(p + eps) / sum(p + eps)``).

The loss is the forward (alpha) recursion over the extended label sequence (a blank between labels and
at both ends) in log space, one step per time frame and vectorised over the batch and the states, built
from ops: the tape then gives the standard alpha-beta gradient without a rule of its own. A time step is
about 17 small ops; ``benchmarks/ctc_batch_cost.py`` measures the (32, 50, 30) case (26 ms forward
and backward on the NumPy backend, 2 cores).

The decoders read the probabilities back to the host and work in plain Python, as tf runs its CTC
decoders on the CPU only; what they return is moved back as Tensors.
"""
import collections
import math

from backends.config import epsilon
from kerasx import ops
from kerasx.autodiff.tensor import Tensor, as_tensor

# Log-probability of an unreachable state: finite, so that the log-sum-exps and their gradients never
# meet inf - inf; anything below half of it is reported as an impossible alignment (infinite loss).
_UNREACHABLE = -1e30


class SparseLabels(collections.namedtuple("SparseLabels", ["indices", "values", "dense_shape"])):
    """What `ctc_label_dense_to_sparse` returns: kerasx has no `tf.SparseTensor`, so this holds its three
    parts under tf's names: `indices` (n, 2) int64 (batch, position) pairs in row-major order, `values`
    (n,) the labels there, `dense_shape` (2,) int64."""

    __slots__ = ()


def _host_list(x):
    return (x if isinstance(x, Tensor) else as_tensor(x)).numpy().tolist()


def _check_length_values(name, values, limit, what):
    if any(v < 0 for v in values):
        raise ValueError(f"{name} must be non-negative. Received: {name}={values}")
    if any(v > limit for v in values):
        raise ValueError(f"{name} must be at most {what} {limit}. Received: {name}={values}")


def _length_shape(name, length, batch):
    shape = tuple(length.shape) if hasattr(length, "shape") else (len(length),) + (
        (1,) if len(length) and isinstance(length[0], (list, tuple)) else ())
    if shape not in ((batch,), (batch, 1)):
        raise ValueError(f"{name} must have shape ({batch}, 1) or ({batch},), one length per sample of "
                         f"y_pred's batch of {batch}. Received: {name}.shape={shape}")


def _host_lengths(name, length, batch, limit, what):
    """A (batch, 1) or (batch,) length argument as a list of Python ints, checked; the decoders need
    the values on the host anyway."""
    _length_shape(name, length, batch)
    t = length if isinstance(length, Tensor) else as_tensor(length)
    values = [int(v) for v in ops.reshape(t, (-1,)).numpy().tolist()]
    _check_length_values(name, values, limit, what)
    return values


def _device_lengths(name, length, batch, limit, what):
    """A length argument as a (batch, 1) int64 Tensor for the loss. Host data (NumPy arrays, lists) is
    checked where it is; a device Tensor is not read back (a training step makes no transfer for it)."""
    _length_shape(name, length, batch)
    if not isinstance(length, Tensor):
        flat = length.tolist() if hasattr(length, "tolist") else list(length)
        _check_length_values(name, [int(v[0] if isinstance(v, (list, tuple)) else v) for v in flat], limit,
                             what)
    return ops.reshape(ops.cast(length if isinstance(length, Tensor) else as_tensor(length), "int64"),
                       (batch, 1))


def _check_y_pred(name, y_pred):
    y_pred = y_pred if isinstance(y_pred, Tensor) else as_tensor(y_pred)
    if y_pred.ndim != 3:
        raise ValueError(f"{name}: y_pred must have shape (samples, time_steps, num_categories), the "
                         f"softmax output of each time step. Received: y_pred.shape={tuple(y_pred.shape)}")
    return y_pred


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first ``label_lengths[i]`` labels of each row of the dense `labels` (batch, max_length), as a
    `SparseLabels` (tf.keras returns a `tf.SparseTensor` of the same three parts)."""
    labels = labels if isinstance(labels, Tensor) else as_tensor(labels)
    if labels.ndim != 2:
        raise ValueError(f"ctc_label_dense_to_sparse: labels must have shape (samples, max_label_length). "
                         f"Received: labels.shape={tuple(labels.shape)}")
    batch, width = labels.shape
    lengths = _host_lengths("label_lengths", label_lengths, batch, width, "the labels' width")
    rows = _host_list(labels)
    indices = [[i, j] for i, n in enumerate(lengths) for j in range(n)]
    values = [rows[i][j] for i, j in indices]
    return SparseLabels(as_tensor(indices, dtype="int64") if indices else ops.zeros((0, 2), "int64"),
                        as_tensor(values, dtype=labels.dtype) if values else ops.zeros((0,), labels.dtype),
                        as_tensor([batch, width], dtype="int64"))


# ---------------------------------------------------------------------------------------------- the loss
def _extended_labels(labels, blank):
    """(batch, 2L + 1): blank, l1, blank, l2, ..., blank."""
    batch, width = labels.shape
    blanks = ops.fill((batch, width), blank, "int64")
    interleaved = ops.reshape(ops.stack([blanks, labels], axis=2), (batch, 2 * width))
    return ops.concatenate([interleaved, ops.fill((batch, 1), blank, "int64")], axis=1)


def _shift(alpha, by, fill):
    """alpha[:, s - by], with `fill` in the first `by` states."""
    return ops.concatenate([fill[:, :by], alpha[:, :-by]], axis=1)


def _check_host_labels(y_true, label_length, blank):
    """Host labels within their lengths must be classes other than the blank (tf's CTC op refuses the
    others); device labels are not read back."""
    rows = y_true.tolist() if hasattr(y_true, "tolist") else list(y_true)
    flat = label_length.tolist() if hasattr(label_length, "tolist") else list(label_length)
    for i, n in enumerate(flat):
        n = int(n[0] if isinstance(n, (list, tuple)) else n)
        bad = [v for v in rows[i][:n] if not 0 <= v < blank]
        if bad:
            raise ValueError(f"ctc_batch_cost: labels must be class indices in [0, {blank}), the last of the "
                             f"{blank + 1} categories being the blank. Received: {bad[0]} in y_true[{i}] "
                             f"within its label_length {n}")


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """The CTC loss of each sample, shape (samples, 1): minus the log-probability of its label sequence
    summed over every alignment of its first `input_length` frames.

    y_true: (samples, max_string_length) labels in [0, num_categories - 1), padded past `label_length`.
    y_pred: (samples, time_steps, num_categories) softmax outputs; the last category is the blank.
    input_length, label_length: (samples, 1) lengths.
    """
    y_pred = _check_y_pred("ctc_batch_cost", y_pred)
    batch, steps, classes = y_pred.shape
    labels = ops.cast(y_true if isinstance(y_true, Tensor) else as_tensor(y_true), "int64")
    if labels.ndim != 2 or labels.shape[0] != batch:
        raise ValueError(f"ctc_batch_cost: y_true must have shape ({batch}, max_string_length). Received: "
                         f"y_true.shape={tuple(labels.shape)}")
    input_lengths = _device_lengths("input_length", input_length, batch, steps, "y_pred's time steps,")
    label_lengths = _device_lengths("label_length", label_length, batch, labels.shape[1], "y_true's width")
    blank = classes - 1
    if not isinstance(y_true, Tensor) and not isinstance(label_length, Tensor):
        _check_host_labels(y_true, label_length, blank)
    dtype = y_pred.dtype
    log_probs = ops.log_softmax(ops.log(ops.add(y_pred, epsilon())), axis=-1)
    ext = _extended_labels(labels, blank)
    states = ext.shape[1]
    # emissions[b, t, s] = log_probs[b, t, ext[b, s]], a product with the one-hot extended labels.
    emissions = ops.matmul(log_probs, ops.transpose(ops.one_hot(ext, classes, dtype=dtype), (0, 2, 1)))
    # The skip s-2 -> s is allowed into a label that differs from the label two states back.
    two_back = ops.concatenate([ops.fill((batch, 2), -1, "int64"), ext[:, :-2]], axis=1)
    can_skip = ops.logical_and(ops.not_equal(ext, blank), ops.not_equal(ext, two_back))
    unreachable = ops.fill((batch, states), _UNREACHABLE, dtype)
    state_index = as_tensor([list(range(states))], dtype="int64")
    alpha = ops.where(ops.less(state_index, 2), emissions[:, 0, :], unreachable)
    # A frame past a sample's input_length leaves its alphas as they are.
    running = ops.less(as_tensor([[[t]] for t in range(steps)], dtype="int64"), input_lengths)
    for t in range(1, steps):
        stay = alpha
        advance = _shift(alpha, 1, unreachable)
        skip = ops.where(can_skip, _shift(alpha, 2, unreachable), unreachable)
        step = ops.add(ops.logsumexp(ops.stack([stay, advance, skip], axis=0), axis=0), emissions[:, t, :])
        alpha = ops.where(running[t], step, alpha)
    # A path ends on the last label (state 2L - 1) or on the blank after it (state 2L).
    last = ops.multiply(label_lengths, 2)
    ends = ops.logical_or(ops.equal(state_index, last), ops.equal(state_index, ops.subtract(last, 1)))
    nll = ops.negative(ops.logsumexp(ops.where(ends, alpha, unreachable), axis=1, keepdims=True))
    # No alignment fits (more labels, repeats included, than frames): tf reports an infinite loss.
    return ops.where(ops.greater(nll, -0.5 * _UNREACHABLE), math.inf, nll)


# ---------------------------------------------------------------------------------------------- decoding
def _log_add(a, b):
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = a if a > b else b
    return m + math.log1p(math.exp(-abs(a - b)))


def _log_softmax_row(row):
    m = max(row)
    norm = m + math.log(sum(math.exp(v - m) for v in row))
    return [v - norm for v in row]


def _beam_search(frames, blank, beam_width, top_paths):
    """Prefix beam search over one sample's log-probability frames: the `top_paths` most probable label
    sequences and their log-probabilities, best first, as tf's CTCBeamSearchDecoder finds them."""
    beams = {(): (0.0, -math.inf)}  # prefix -> (log P(ends in blank), log P(ends in its last label))
    for row in frames:
        row = _log_softmax_row(row)
        grown = collections.defaultdict(lambda: [-math.inf, -math.inf])
        for prefix, (p_blank, p_label) in beams.items():
            total = _log_add(p_blank, p_label)
            entry = grown[prefix]
            entry[0] = _log_add(entry[0], total + row[blank])
            if prefix:  # the last label again, with no blank between: the same prefix
                entry[1] = _log_add(entry[1], p_label + row[prefix[-1]])
            for c, lp in enumerate(row):
                if c == blank:
                    continue
                child = grown[prefix + (c,)]
                # A repeated label needs a blank between: only the paths ending in blank extend it.
                child[1] = _log_add(child[1], (p_blank if prefix and prefix[-1] == c else total) + lp)
        ranked = sorted(grown.items(), key=lambda kv: _log_add(*kv[1]), reverse=True)
        beams = {prefix: tuple(p) for prefix, p in ranked[:beam_width]}
    ranked = sorted(beams.items(), key=lambda kv: _log_add(*kv[1]), reverse=True)[:top_paths]
    return [(prefix, _log_add(*p)) for prefix, p in ranked]


def _merge_repeated(prefix):
    """tf's `merge_repeated=True` (the default tf.keras's ctc_decode runs the beam search with) collapses
    equal neighbours of a found sequence, even ones a blank separated."""
    return [c for i, c in enumerate(prefix) if i == 0 or c != prefix[i - 1]]


def _greedy_sequence(best, blank):
    return [c for i, c in enumerate(best) if c != blank and (i == 0 or c != best[i - 1])]


def _dense(sequences, batch, steps):
    return as_tensor([seq + [-1] * (steps - len(seq)) for seq in sequences], dtype="int64")


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decodes softmax outputs, as tf.keras 2.x: returns ``(decoded, log_prob)``.

    decoded: a list of `top_paths` int64 Tensors (samples, time_steps), each sample's label sequence
        padded with -1 (one Tensor for greedy decoding).
    log_prob: greedy: (samples, 1), minus the sum over the frames of each frame's largest log-probability
        (tf's ``neg_sum_logits``); beam search: (samples, top_paths), the log-probability of each path.
    """
    y_pred = _check_y_pred("ctc_decode", y_pred)
    batch, steps, classes = y_pred.shape
    lengths = _host_lengths("input_length", input_length, batch, steps, "y_pred's time steps,")
    blank = classes - 1
    log_probs = ops.log(ops.add(y_pred, epsilon()))
    if greedy:
        best = ops.argmax(log_probs, axis=-1).numpy().tolist()
        sequences = [_greedy_sequence(best[i][:lengths[i]], blank) for i in range(batch)]
        running = as_tensor([[t < n for t in range(steps)] for n in lengths])
        neg_sum = ops.negative(ops.sum(ops.where(running, ops.max(log_probs, axis=-1), 0.0), axis=1,
                                       keepdims=True))
        return [_dense(sequences, batch, steps)], neg_sum
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"ctc_decode: beam_width must be a positive integer. Received: beam_width={beam_width!r}")
    if isinstance(top_paths, bool) or not isinstance(top_paths, int) or not 1 <= top_paths <= beam_width:
        raise ValueError(f"ctc_decode: top_paths must be an integer between 1 and beam_width ({beam_width}). "
                         f"Received: top_paths={top_paths!r}")
    frames = log_probs.numpy().tolist()
    found = [_beam_search(frames[i][:lengths[i]], blank, beam_width, top_paths) for i in range(batch)]
    decoded = []
    for k in range(top_paths):
        # A sample with fewer distinct sequences than top_paths (very short input) gets empty ones.
        decoded.append(_dense([_merge_repeated(paths[k][0]) if k < len(paths) else [] for paths in found],
                              batch, steps))
    scores = [[paths[k][1] if k < len(paths) else -math.inf for k in range(top_paths)] for paths in found]
    return decoded, as_tensor(scores, dtype=y_pred.dtype)
