"""The `K.` control flow of tf.keras 2.x's backend, run eagerly: `rnn` (a Python step function over
time, with masks, states and constants), `map_fn`, `foldl`/`foldr`, the learning phase and
`in_train_phase`/`in_test_phase`, `function` and `gradients`. Every value goes through `kerasx.ops`, so
whatever the step functions compute is differentiable on a GradientTape."""
from kerasx import ops
from kerasx.autodiff.nest import flatten, map_structure, pack_sequence_as
from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.engine import call_context
from kerasx.saving.object_registration import built_in_objects

learning_phase = call_context.learning_phase
set_learning_phase = call_context.set_learning_phase
learning_phase_scope = call_context.learning_phase_scope


# ------------------------------------------------------------------ rnn
def _time_steps(x, time_major):
    """The list of per-step slices of ``x`` along its time axis."""
    axis = 0 if time_major else 1
    return [ops.getitem(x, (slice(None),) * axis + (t,)) for t in range(x.shape[axis])]


def _mask_like(mask_t, value):
    """The (batch,) boolean ``mask_t`` shaped to broadcast against ``value`` (batch, ...)."""
    return ops.reshape(mask_t, shape=(mask_t.shape[0],) + (1,) * (value.ndim - 1))


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None, unroll=False,
        input_length=None, time_major=False, zero_output_for_mask=False, return_all_outputs=True):
    """Iterates ``step_function(input_t, states + constants) -> (output_t, new_states)`` over time.

    ``inputs`` is (batch, time, ...) (or (time, batch, ...) with ``time_major``), a Tensor or a nested
    structure of them; ``mask`` (batch, time) keeps the previous output and states at masked steps (or
    zero outputs with ``zero_output_for_mask``). Returns ``(last_output, outputs, new_states)``, outputs
    stacked along time (only the last, as (batch, 1, ...), when not ``return_all_outputs``).
    ``unroll`` and ``input_length`` change nothing when run eagerly: every step is a Python call anyway.
    """
    flat_inputs = [as_tensor(x) for x in flatten(inputs)]
    if not flat_inputs:
        raise ValueError("rnn: `inputs` holds no tensor.")
    for x in flat_inputs:
        if x.ndim < 3:
            raise ValueError(f"Input should be at least 3D. Received an input of shape {tuple(x.shape)}.")
    steps = flat_inputs[0].shape[0 if time_major else 1]
    if steps == 0:
        raise ValueError("rnn: the inputs have no time steps (the time axis has length 0).")
    per_input = [_time_steps(x, time_major) for x in flat_inputs]
    step_inputs = [pack_sequence_as(inputs, [s[t] for s in per_input]) for t in range(steps)]
    masks = None
    if mask is not None:
        mask = ops.cast(as_tensor(mask), "bool")
        if mask.ndim == 3 and mask.shape[-1] == 1:
            mask = ops.squeeze(mask, axis=-1)
        batch = flat_inputs[0].shape[1 if time_major else 0]
        expected = (steps, batch) if time_major else (batch, steps)
        if tuple(mask.shape) != expected:
            raise ValueError(f"rnn: the mask's shape {tuple(mask.shape)} does not match the inputs' "
                             f"{'(time, batch)' if time_major else '(batch, time)'} {expected}.")
        masks = _time_steps(mask, time_major)
    order = list(range(steps))[::-1] if go_backwards else list(range(steps))
    constants = list(constants or [])
    states = list(initial_states) if isinstance(initial_states, (list, tuple)) else [initial_states]

    outputs, prev_output = [], None
    for t in order:
        output, new_states = step_function(step_inputs[t], tuple(states) + tuple(constants))
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if masks is not None:
            keep = masks[t]
            flat_out = flatten(output)
            if zero_output_for_mask or prev_output is None:
                fallback = [ops.zeros_like(o) for o in flat_out]
            else:
                fallback = flatten(prev_output)
            output = pack_sequence_as(output, [ops.where(_mask_like(keep, o), o, f)
                                               for o, f in zip(flat_out, fallback)])
            new_states = [pack_sequence_as(new, [ops.where(_mask_like(keep, n), n, s) for n, s in
                                                 zip(flatten(new), flatten(old))])
                          for new, old in zip(new_states, states)]
        prev_output = output
        outputs.append(output)
        states = new_states
    last_output = outputs[-1]
    time_axis = 0 if time_major else 1
    if return_all_outputs:
        per_step = [flatten(o) for o in outputs]
        stacked = pack_sequence_as(last_output, [ops.stack([step[i] for step in per_step], axis=time_axis)
                                                 for i in range(len(per_step[0]))])
    else:
        stacked = map_structure(lambda o: ops.expand_dims(o, time_axis), last_output)
    return last_output, stacked, states


# ------------------------------------------------------------------ map and folds
def _unstack(elems):
    elems = as_tensor(elems)
    if elems.ndim == 0:
        raise ValueError("Elements passed to map_fn/foldl/foldr must have at least one dimension: "
                         "received a scalar.")
    return [ops.getitem(elems, i) for i in range(elems.shape[0])]


def map_fn(fn, elems, name=None, dtype=None):
    """``fn`` applied to each element of ``elems`` along its first axis, the results stacked."""
    results = [fn(e) for e in _unstack(elems)]
    if not results:
        raise ValueError("map_fn: `elems` has no elements (its first axis has length 0).")
    out = ops.stack([as_tensor(r) for r in results], axis=0)
    return out if dtype is None else ops.cast(out, dtype)


def _fold(fn, items, initializer, name):
    if initializer is None:
        if not items:
            raise ValueError(f"{name}: `elems` is empty and there is no `initializer`.")
        acc, items = items[0], items[1:]
    else:
        acc = initializer
    for x in items:
        acc = fn(acc, x)
    return acc


def foldl(fn, elems, initializer=None, name=None):
    """``fn(acc, x)`` reduced over ``elems``'s first axis from the left; starts from ``elems[0]`` when
    there is no ``initializer``."""
    return _fold(fn, _unstack(elems), initializer, "foldl")


def foldr(fn, elems, initializer=None, name=None):
    """``fn(acc, x)`` reduced over ``elems``'s first axis from the right."""
    return _fold(fn, _unstack(elems)[::-1], initializer, "foldr")


# ------------------------------------------------------------------ training phase
def in_train_phase(x, alt, training=None):
    """``x`` in the training phase, ``alt`` otherwise (either may be a callable, called only when
    chosen). ``training`` defaults to the global `learning_phase()`; a boolean Tensor selects per
    element."""
    if training is None:
        training = learning_phase()
    if isinstance(training, Tensor):
        if training.ndim == 0:
            return in_train_phase(x, alt, training=bool(training.numpy()))
        x = x() if callable(x) else x
        alt = alt() if callable(alt) else alt
        return ops.where(ops.cast(training, "bool"), x, alt)
    if training in (1, True):
        return x() if callable(x) else x
    if training in (0, False):
        return alt() if callable(alt) else alt
    raise ValueError(f"in_train_phase: `training` must be None, 0/1, a boolean or a Tensor, received "
                     f"{training!r}.")


def in_test_phase(x, alt, training=None):
    """``x`` in the test phase, ``alt`` otherwise."""
    return in_train_phase(alt, x, training=training)


# ------------------------------------------------------------------ function and gradients
class EagerFunction:
    """The callable of `K.function`: runs a functional model built over ``inputs`` and ``outputs`` and
    returns NumPy values, as tf.keras's eager `K.function` does."""

    def __init__(self, inputs, outputs, name=None):
        self._wrap_outputs = not isinstance(outputs, (list, tuple))
        self._model = built_in_objects("layer")["Functional"](inputs=inputs, outputs=outputs, name=name)
        self._n_inputs = len(flatten(inputs))

    def __call__(self, model_inputs):
        if not isinstance(model_inputs, (list, tuple, dict)):
            model_inputs = [model_inputs]
        if isinstance(model_inputs, (list, tuple)) and len(model_inputs) != self._n_inputs:
            raise ValueError(f"This function takes {self._n_inputs} input(s), received {len(model_inputs)}.")
        feed = model_inputs[0] if isinstance(model_inputs, (list, tuple)) and self._n_inputs == 1 \
            else model_inputs
        outs = self._model(feed)
        if self._wrap_outputs:
            outs = [outs]
        return map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else t, outs)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    if updates:
        raise ValueError(f"`updates` argument is not supported during eager execution. You passed: {updates}")
    if kwargs:
        raise ValueError(f"Session keyword arguments are not supported during eager execution. You passed: "
                         f"{kwargs}")
    return EagerFunction(inputs, outputs, name=name)


def gradients(loss, variables):
    """tf.keras's `K.gradients` is `tf.gradients`, which needs a graph; eagerly it raises this error."""
    raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use "
                       "tf.GradientTape instead.")
