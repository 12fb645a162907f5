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
