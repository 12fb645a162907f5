"""MLP 784-512-512-10 (relu, relu, softmax), Adam, batch 128: one training step and predict on 1,000 rows.

Frameworks run round-robin in one process (benchmarks/harness.py); the table reports medians.

Rows:
  kerasx-raw[<backend>]    kerasx.ops + GradientTape + the backend's adam_update kernel: the floor.
  kerasx-model[<backend>]  Sequential/Dense/compile/train_on_batch/predict: the floor plus frontend cost.
  torch[cpu|cuda]          the same network in PyTorch (CrossEntropy on log-softmax, Adam).

    python benchmarks/bench_mlp.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402  (adds the repository root to sys.path)
from harness import Case  # noqa: E402

import backends  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH, PREDICT_ROWS = 128, 1000
from harness import BETA_1, BETA_2, EPSILON, LR  # noqa: E402


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    xp = rng.random((PREDICT_ROWS, SIZES[0]), dtype=np.float32)
    return x, y, xp


def _glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


# ---------------------------------------------------------------- kerasx, raw ops
def kerasx_raw(backend_name):
    from kerasx import GradientTape, Variable, ops
    from kerasx.autodiff import as_tensor

    b = backends.set_backend(backend_name)
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params += [Variable(_glorot(rng, fan_in, fan_out)), Variable(np.zeros(fan_out, np.float32))]
    slots = [(b.zeros(p.shape, "float32"), b.zeros(p.shape, "float32")) for p in params]
    x, y, xp = _data()
    x, y, xp = as_tensor(x), as_tensor(y), as_tensor(xp)
    state = {"t": 0}

    def logits(inputs):
        h = inputs
        for i in range(0, len(params), 2):
            h = ops.add(ops.matmul(h, params[i]), params[i + 1])
            if i + 2 < len(params):
                h = ops.relu(h)
        return h

    def step():
        backends.set_backend(b)
        with GradientTape() as tape:
            loss = ops.mean(ops.sparse_softmax_cross_entropy_with_logits(logits(x), y))
        grads = tape.gradient(loss, params)
        harness.adam_step(b, params, grads, slots, state)
        b.synchronize()

    def predict():
        backends.set_backend(b)
        return ops.softmax(logits(xp)).numpy()

    return Case(f"kerasx-raw[{backend_name}]", "gpu" if backend_name == "cupy" else "cpu", step, predict)


# ---------------------------------------------------------------- kerasx, the Keras API
def kerasx_model(backend_name):
    """The Keras-API row, or a string saying why it cannot run yet."""
    b = backends.set_backend(backend_name)
    try:
        import kerasx as keras
        from kerasx import layers
        model = keras.Sequential([
            layers.Dense(SIZES[1], activation="relu", input_shape=(SIZES[0],)),
            layers.Dense(SIZES[2], activation="relu"),
            layers.Dense(SIZES[3], activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        x, y, xp = _data()
        model.train_on_batch(x, y)
        model.predict(xp, batch_size=PREDICT_ROWS, verbose=0)
    except Exception as e:  # the frontend is still being written: report, don't stop the other rows
        return f"kerasx-model[{backend_name}] unavailable: {type(e).__name__}: {e}"

    def step():
        backends.set_backend(b)
        model.train_on_batch(x, y)
        b.synchronize()

    def predict():
        backends.set_backend(b)
        return model.predict(xp, batch_size=PREDICT_ROWS, verbose=0)

    return Case(f"kerasx-model[{backend_name}]", "gpu" if backend_name == "cupy" else "cpu", step, predict)


# ---------------------------------------------------------------- PyTorch
def torch_case(device):
    import torch
    from torch import nn

    torch.manual_seed(0)
    layers_ = []
    for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers_.append(nn.Linear(fan_in, fan_out))
        if i + 2 < len(SIZES):
            layers_.append(nn.ReLU())
    model = nn.Sequential(*layers_).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA_1, BETA_2), eps=EPSILON)
    x, y, xp = (torch.from_numpy(a).to(device) for a in _data())
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.nll_loss(nn.functional.log_softmax(model(x), dim=-1), y)
        loss.backward()
        opt.step()
        sync()

    def predict():
        with torch.inference_mode():
            return torch.softmax(model(xp), dim=-1).cpu().numpy()

    return Case(f"torch[{device}]", "gpu" if device == "cuda" else "cpu", step, predict)


# ---------------------------------------------------------------- running and reporting
def main(argv=None):
    harness.main(
        __doc__, argv,
        title=lambda args: (f"== MLP {'-'.join(map(str, SIZES))}, Adam, train batch {BATCH}, predict "
                            f"{PREDICT_ROWS} rows; median of {args.rounds} round-robin rounds x {args.block} "
                            "calls"),
        kerasx_rows=[kerasx_raw, kerasx_model], torch_rows=torch_case)


if __name__ == "__main__":
    main()
