"""Interactive logging: messages and progress bars on stdout, or to the "kerasx" logger when off."""
import logging
import threading

import numpy as np
import pytest

import kerasx
from kerasx.utils import io_utils


@pytest.fixture
def quiet():
    kerasx.utils.disable_interactive_logging()
    yield
    kerasx.utils.enable_interactive_logging()


def test_default_is_stdout(capsys):
    assert kerasx.utils.is_interactive_logging_enabled()
    io_utils.print_msg("hello")
    io_utils.print_msg("no break", line_break=False)
    assert capsys.readouterr().out == "hello\nno break"


def test_disabled_messages_go_to_the_logger(quiet, capsys, caplog):
    assert not kerasx.utils.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="kerasx"):
        io_utils.print_msg("to the log")
        model = kerasx.Sequential([kerasx.layers.Dense(1, input_shape=(2,))])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=1)
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "kerasx"]
    assert messages[0] == "to the log"
    assert "Epoch 2/2" in messages and any("loss:" in m for m in messages)


def test_the_switch_is_per_thread(quiet):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(kerasx.utils.is_interactive_logging_enabled()))
    thread.start()
    thread.join()
    assert seen == [True] and not kerasx.utils.is_interactive_logging_enabled()
