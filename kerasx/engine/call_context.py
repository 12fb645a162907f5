"""State of the layer calls in progress: the `training` flag, so that nested layers inherit it as in
tf.keras (a Dropout inside a subclassed model follows `model(x, training=True)` without being told), the
build scopes that name weights, and whether a placeholder run is going on."""
import contextlib

_stack = []


def training():
    """The innermost explicit training flag, else False (inference)."""
    for value in reversed(_stack):
        if value is not None:
            return value
    return False


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
