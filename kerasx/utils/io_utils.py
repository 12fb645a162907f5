"""Where kerasx's messages go, as tf.keras's `io_utils`: with interactive logging on (the default) the
progress bars and callback messages are written to stdout; off, each message goes to the "kerasx" logger
(Python's `logging`, at INFO) instead, where tf.keras sends them to absl's. The switch is per thread, as
tf.keras's."""
import logging
import sys
import threading

_INTERACTIVE = threading.local()
_LOGGER = logging.getLogger("kerasx")


def enable_interactive_logging():
    """Messages and progress bars go to stdout (the default)."""
    _INTERACTIVE.enable = True


def disable_interactive_logging():
    """Messages and progress bars go to the "kerasx" logger, for jobs that are not watched live."""
    _INTERACTIVE.enable = False


def is_interactive_logging_enabled():
    """Whether messages go to stdout (set by `enable_interactive_logging`/`disable_interactive_logging`)."""
    return getattr(_INTERACTIVE, "enable", True)


def print_msg(message, line_break=True):
    """Writes `message` to stdout (with a newline if `line_break`) or, when interactive logging is off,
    logs it."""
    if is_interactive_logging_enabled():
        sys.stdout.write(message + "\n" if line_break else message)
        sys.stdout.flush()
    else:
        _LOGGER.info(message)
