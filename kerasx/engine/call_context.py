"""State of the layer calls in progress: the `training` flag, so that nested layers inherit it as in
tf.keras (a Dropout inside a subclassed model follows `model(x, training=True)` without being told), the
build scopes that name weights, and whether a placeholder run is going on."""
import contextlib

_stack = []


# The global learning phase of `K.set_learning_phase` / `K.learning_phase_scope`: None (unset), 0 or 1.
# Layers called without a training flag follow it, as tf.keras's do.
_learning_phase = [None]


def training():
    """The innermost explicit training flag, else the global learning phase, else False (inference)."""
    for value in reversed(_stack):
        if value is not None:
            return value
    return bool(_learning_phase[0]) if _learning_phase[0] is not None else False


def explicit_training():
    """The innermost explicit training flag, else the global learning phase if set, else None."""
    for value in reversed(_stack):
        if value is not None:
            return value
    return bool(_learning_phase[0]) if _learning_phase[0] is not None else None


def in_call():
    """Whether a layer's `call` is running."""
    return bool(_stack)


def learning_phase():
    """The global learning phase: 0 (test) unless set to 1."""
    return 0 if _learning_phase[0] is None else _learning_phase[0]


def set_learning_phase(value):
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    _learning_phase[0] = int(value)


@contextlib.contextmanager
def learning_phase_scope(value):
    if value not in (0, 1):
        raise ValueError("Expected learning phase to be 0 or 1.")
    previous = _learning_phase[0]
    _learning_phase[0] = int(value)
    try:
        yield value
    finally:
        _learning_phase[0] = previous


@contextlib.contextmanager
def enter(training_flag):
    _stack.append(training_flag)
    try:
        yield
    finally:
        _stack.pop()


# Depth of the placeholder runs in progress (functional_call runs a layer on zeros to learn its output
# shapes). Layers with state outside their weights (a stateful RNN's carried states) check it and keep
# their state: in tf.keras that symbolic call is graph tracing and changes nothing.
_placeholder_depth = [0]


def in_placeholder_run():
    return _placeholder_depth[0] > 0


@contextlib.contextmanager
def placeholder_run():
    _placeholder_depth[0] += 1
    try:
        yield
    finally:
        _placeholder_depth[0] -= 1


# Names of the layers whose `build` is running, outermost first: the scope of the weights they create
# ("lstm/lstm_cell/kernel:0"). A functional call starts afresh (functional_call clears it meanwhile).
build_scopes = []
