"""The README's main job, run as the README runs it (in-process, to a temporary file)."""
import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load():
    spec = importlib.util.spec_from_file_location(
        "train_digits", os.path.join(ROOT, "examples", "train_digits.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_main_job_reaches_its_accuracy_and_reloads(tmp_path, capsys):
    pytest.importorskip("sklearn", reason="the digits ship with scikit-learn (the examples/test extras)")
    out = tmp_path / "digits.h5"
    assert _load().main(["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy: 0.9" in printed
    assert "reloaded model gives the same predictions: True" in printed
    assert out.exists()
