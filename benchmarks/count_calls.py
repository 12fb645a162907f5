"""Python-level work per training step, counted rather than timed: the number of Python function calls
(and calls into C) that one `train_on_batch` makes, for an MLP, a CNN and an LSTM model.

A count does not depend on the machine's load, so it shows a change in the frontend's per-step work
on a shared machine where step times swing by 2x; it says nothing about the kernels' own speed (the
timed benchmarks do). Run it in two trees to compare them:

    python benchmarks/count_calls.py
    PYTHONPATH=/tmp/base python /tmp/base/benchmarks/count_calls.py     # a checkout of the base
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import kerasx as keras  # noqa: E402
from kerasx import layers  # noqa: E402


def _models():
    rng = np.random.default_rng(0)
    mlp = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                            layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    cnn = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
                            layers.Flatten(), layers.Dense(128, activation="relu"),
                            layers.Dense(10, activation="softmax")])
    lstm = keras.Sequential([keras.Input((50, 32)), layers.LSTM(128), layers.Dense(10, activation="softmax")])
    return [("mlp", mlp, rng.random((128, 784), dtype=np.float32)),
            ("cnn", cnn, rng.random((64, 28, 28, 1), dtype=np.float32)),
            ("lstm", lstm, rng.random((64, 50, 32), dtype=np.float32))]


def count_calls(fn):
    calls = [0]

    def profiler(frame, event, arg):
        if event in ("call", "c_call"):
            calls[0] += 1

    sys.setprofile(profiler)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls[0]


def main():
    print(f"tree: {ROOT}")
    print(f"{'model':6} {'calls per train_on_batch':>26}")
    for name, model, x in _models():
        y = np.random.default_rng(1).integers(0, 10, x.shape[0])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        for _ in range(3):  # warm up: building, the optimizer's slots, first-call caches
            model.train_on_batch(x, y)
        print(f"{name:6} {count_calls(lambda: model.train_on_batch(x, y)):26d}")


if __name__ == "__main__":
    main()
