"""The `training` flag of the call in progress, so that nested layers inherit it as in tf.keras
(a Dropout inside a subclassed model follows `model(x, training=True)` without being told)."""
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
