"""Live round trips with real Keras 3 (and tf.keras for `.h5`), run where their pythons exist: Keras 3's
from `KERASX_KERAS3_PYTHON`, else /work/k3ref/bin/python (Keras 3 on torch); tf.keras's from
`KERASX_TF_KERAS_PYTHON`, else /work/tfref/bin/python. Skipped with the reason elsewhere.

kerasx writes each model of fixtures/keras3_models.py as `.keras`, `.weights.h5` and `.h5`; one Keras 3
process loads them all and predicts, then writes the same models itself, which kerasx loads; one tf.keras
process does the same with the `.h5` files (tf.keras 2.x reads no Keras 3 archive) and writes all three
formats. Predictions must agree to 1e-5."""
import os
import subprocess

import numpy as np
import pytest

import kerasx as keras
from kerasx.utils import set_random_seed
from tests.saving.fixtures import keras3_models as models

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
WORKER = os.path.join(FIXTURES, "keras_worker.py")


def _python(variable, default):
    path = os.environ.get(variable) or default
    return path if os.path.exists(path) else None


KERAS3_PYTHON = _python("KERASX_KERAS3_PYTHON", "/work/k3ref/bin/python")
TF_KERAS_PYTHON = _python("KERASX_TF_KERAS_PYTHON", "/work/tfref/bin/python")


def _run(python, *args, timeout=120):
    env = dict(os.environ, KERAS_BACKEND="torch", CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("PYTHONPATH", None)  # the other python must not see kerasx (nor this repository's modules)
    done = subprocess.run([python, *args], capture_output=True, text=True, timeout=timeout, env=env)
    if done.returncode != 0:
        if "No module named" in done.stderr:
            pytest.skip(f"{python} cannot import what the worker needs: {done.stderr.strip().splitlines()[-1]}")
        raise AssertionError(f"{python} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done


def _write_kerasx_models(directory):
    predictions = {}
    for name in models.NAMES:
        set_random_seed(0)
        model = models.build(keras, name)
        x = models.as_model_input(models.inputs(np, name))
        if name == models.COMPILED:
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy",
                          metrics=["accuracy"])
            model.fit(x, models.targets(np), epochs=2, verbose=0)
        models.vary_moving_statistics(np, model)
        for suffix in models.suffixes(name, (".keras", ".weights.h5", ".h5")):
            path = os.path.join(directory, name + suffix)
            (model.save_weights if suffix == ".weights.h5" else model.save)(path)
        predictions[name] = models.first_output(model.predict(x, verbose=0))
    return predictions


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    if KERAS3_PYTHON is None:
        pytest.skip("no Keras 3 python: set KERASX_KERAS3_PYTHON to a python with keras>=3 (and torch)")
    kerasx_dir = tmp_path_factory.mktemp("written_by_kerasx")
    keras3_dir = tmp_path_factory.mktemp("written_by_keras3")
    predictions = _write_kerasx_models(str(kerasx_dir))
    _run(KERAS3_PYTHON, WORKER, "both", str(kerasx_dir), str(keras3_dir))
    with np.load(kerasx_dir / "keras3_read.npz") as f:
        read_by_keras3 = {k: f[k] for k in f.files}
    with np.load(keras3_dir / "expected.npz") as f:
        written_by_keras3 = {k: f[k] for k in f.files}
    return {"kerasx_dir": kerasx_dir, "keras3_dir": keras3_dir, "predictions": predictions,
            "read_by_keras3": read_by_keras3, "written_by_keras3": written_by_keras3}


@pytest.mark.parametrize("name, suffix", [(n, s) for n in models.NAMES
                                          for s in models.suffixes(n, (".keras", ".weights.h5", ".h5"))
                                          if (n, s) not in models.KERAS3_CANNOT_READ])
def test_keras3_loads_what_kerasx_writes(live, name, suffix):
    np.testing.assert_allclose(live["read_by_keras3"][name + suffix], live["predictions"][name], atol=1e-5)


def test_keras3_restores_the_optimizer_state_kerasx_writes(live):
    assert str(live["read_by_keras3"]["func_optimizer"]) == "Adam"
    assert int(live["read_by_keras3"]["func_iterations"]) == 2


@pytest.mark.parametrize("name, suffix", [(n, s) for n in models.NAMES
                                          for s in models.suffixes(n, (".keras", ".weights.h5", ".h5"))])
def test_kerasx_loads_what_keras3_writes(live, name, suffix):
    path = str(live["keras3_dir"] / (name + suffix))
    if suffix == ".weights.h5":
        set_random_seed(1)
        model = models.build(keras, name)
        model.load_weights(path)
    else:
        model = keras.models.load_model(path)
    x = models.as_model_input(models.inputs(np, name))
    np.testing.assert_allclose(models.first_output(model.predict(x, verbose=0)), live["written_by_keras3"][f"{name}_prediction"],
                               atol=1e-5)
    if name == models.COMPILED and suffix == ".keras":
        assert int(model.optimizer.iterations.numpy()) == int(live["written_by_keras3"]["func_iterations"])


@pytest.fixture(scope="module")
def live_tf(live, tmp_path_factory):
    if TF_KERAS_PYTHON is None:
        pytest.skip("no tf.keras python: set KERASX_TF_KERAS_PYTHON to a python with tf_keras 2.x")
    tf_dir = tmp_path_factory.mktemp("written_by_tf_keras")
    _run(TF_KERAS_PYTHON, WORKER, "--tf-keras", "both", str(live["kerasx_dir"]), str(tf_dir), timeout=240)
    with np.load(live["kerasx_dir"] / "tf_keras_read.npz") as f:
        read_by_tf = {k: f[k] for k in f.files}
    with np.load(tf_dir / "expected.npz") as f:
        written_by_tf = {k: f[k] for k in f.files}
    return {"tf_dir": tf_dir, "read_by_tf": read_by_tf, "written_by_tf": written_by_tf}


@pytest.mark.parametrize("name", [n for n in models.NAMES if n not in models.ARCHIVE_ONLY])
def test_tf_keras_loads_the_h5_files_kerasx_writes(live, live_tf, name):
    np.testing.assert_allclose(live_tf["read_by_tf"][name + ".h5"], live["predictions"][name], atol=1e-5)
    if name == models.COMPILED:  # tf.keras's legacy order: every m, then every v
        assert int(live_tf["read_by_tf"][f"{name}_iterations"]) == 2


@pytest.mark.parametrize("name, suffix", [(n, s) for n in models.NAMES
                                          for s in models.suffixes(n, (".keras", ".weights.h5", ".h5"))])
def test_kerasx_loads_what_tf_keras_writes(live_tf, name, suffix):
    path = str(live_tf["tf_dir"] / (name + suffix))
    if suffix == ".weights.h5":
        set_random_seed(1)
        model = models.build(keras, name)
        model.load_weights(path)
    else:
        model = keras.models.load_model(path)
    x = models.as_model_input(models.inputs(np, name))
    np.testing.assert_allclose(models.first_output(model.predict(x, verbose=0)), live_tf["written_by_tf"][f"{name}_prediction"],
                               atol=1e-5)
    if name == models.COMPILED and suffix != ".weights.h5":
        assert int(model.optimizer.iterations.numpy()) == int(live_tf["written_by_tf"]["func_iterations"])
