"""The collective watchdog (kerasx/distribute/watchdog.py) and its timeout setting."""
import threading

import pytest

from kerasx.distribute.watchdog import CollectiveWatchdog, collective_timeout


def test_the_timeout_comes_from_the_environment_or_defaults_to_300_seconds():
    assert collective_timeout({}) == 300.0
    assert collective_timeout({"KERASX_COLLECTIVE_TIMEOUT": "2.5"}) == 2.5
    for bad in ("soon", "0", "-1", "inf", "nan"):
        with pytest.raises(ValueError, match=f"KERASX_COLLECTIVE_TIMEOUT must be a positive number of seconds; "
                                             f"received '{bad}'"):
            collective_timeout({"KERASX_COLLECTIVE_TIMEOUT": bad})


def test_a_collective_past_the_timeout_is_reported_with_its_name_and_step(capsys):
    fired = threading.Event()
    messages = []

    def on_timeout(message):
        messages.append(message)
        fired.set()
    watchdog = CollectiveWatchdog(0.2, rank=3, on_timeout=on_timeout)
    watchdog.where = "fit epoch 2 step 7"
    watchdog.begin("allreduce")
    assert fired.wait(5), "the watchdog did not fire"
    assert messages[0].startswith("[kerasx rank 3] collective 'allreduce' (fit epoch 2 step 7) has waited")
    assert "KERASX_COLLECTIVE_TIMEOUT=0.2 s" in messages[0]
    assert messages[0] in capsys.readouterr().err


def test_collectives_that_complete_in_time_are_not_reported():
    messages = []
    watchdog = CollectiveWatchdog(0.3, rank=0, on_timeout=messages.append)
    for _ in range(5):
        watchdog.begin("barrier")
        watchdog.end()
    threading.Event().wait(0.8)
    assert messages == []


def test_a_stuck_barrier_reminds_that_every_rank_must_save(capsys):
    fired = threading.Event()
    messages = []
    watchdog = CollectiveWatchdog(0.2, rank=0, on_timeout=lambda m: (messages.append(m), fired.set()))
    watchdog.begin("barrier")
    assert fired.wait(5)
    assert "model.save / save_weights end with a barrier: under a multi-process strategy call them on every rank" \
        in messages[0]
