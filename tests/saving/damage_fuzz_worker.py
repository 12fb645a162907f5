"""Loads many damaged copies of one saved model, in a process of its own (see test_damaged_files.py).

    python -m tests.saving.damage_fuzz_worker WORKDIR

WORKDIR holds `model.h5` (the intact file), `x.npy` and `want.npy` (inputs and the intact model's
predictions) and `mutations.json` (a list of ["truncate", offset] or ["flip", bit]). For each mutation the
worker writes the damaged copy, loads it one way (by turns `load_model`, `load_weights` topologically,
`load_weights(by_name=True)`), and prints one line `start <i>` before and one JSON result after, flushed,
so that if HDF5 kills the process the parent knows which mutation did it. A result's outcome is "same"
(loaded, identical predictions), "damaged" (a `DamagedFileError`, and for `load_weights` the model's
weights unchanged), or anything else, described, which the test reports as a failure.
"""
import json
import os
import sys

import numpy as np

import kerasx as keras
from kerasx.saving import DamagedFileError

LOADERS = ("load_model", "load_weights", "load_weights_by_name")


def _damaged_copy(data, mutation, path):
    kind, n = mutation
    if kind == "truncate":
        damaged = data[:n]
    else:
        damaged = bytearray(data)
        damaged[n // 8] ^= 1 << (n % 8)
    with open(path, "wb") as f:
        f.write(damaged)


def _load(loader, path, blank):
    if loader == "load_model":
        return keras.models.load_model(path)
    blank.load_weights(path, by_name=loader == "load_weights_by_name")
    return blank


def _outcome(loader, path, blank, x, want):
    before = [w.copy() for w in blank.get_weights()]
    try:
        model = _load(loader, path, blank)
    except DamagedFileError as e:
        if not str(e).startswith(f"The file {path} is damaged"):
            return f"a DamagedFileError with an unexpected message: {e}"
        changed = [not np.array_equal(a, b) for a, b in zip(before, blank.get_weights())]
        if loader != "load_model" and any(changed):
            return f"a DamagedFileError after changing the model's weights: {e}"
        return "damaged"
    except BaseException as e:  # everything else is what the test is looking for
        return f"{type(e).__name__}: {str(e)[:300]}"
    got = model.predict(x, verbose=0)
    return "same" if np.array_equal(got, want) else "loaded with different predictions"


def main(workdir):
    with open(os.path.join(workdir, "model.h5"), "rb") as f:
        data = f.read()
    with open(os.path.join(workdir, "mutations.json")) as f:
        mutations = json.load(f)
    x = np.load(os.path.join(workdir, "x.npy"))
    want = np.load(os.path.join(workdir, "want.npy"))
    # The models load_weights fills: built from the intact file's config, with other initial weights.
    blank = keras.models.load_model(os.path.join(workdir, "model.h5"), compile=False)
    blank.set_weights([w + 1 for w in blank.get_weights()])
    fresh = [w.copy() for w in blank.get_weights()]
    path = os.path.join(workdir, "damaged.h5")
    for i, mutation in enumerate(mutations):
        print(f"start {i}", flush=True)
        _damaged_copy(data, mutation, path)
        loader = LOADERS[i % len(LOADERS)]
        outcome = _outcome(loader, path, blank, x, want)
        blank.set_weights(fresh)
        print(json.dumps({"i": i, "mutation": mutation, "loader": loader, "outcome": outcome}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
