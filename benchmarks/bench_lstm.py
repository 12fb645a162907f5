"""LSTM(128) over 50 steps of 32 features -> Dense(10, softmax), Adam, batch 64: one training step and
predict on 256 sequences, against torch.nn.LSTM + nn.Linear.

The harness of benchmarks/harness.py (round-robin rounds of blocks, cool-down before each block, medians with the
interquartile range, the thread limit for BLAS and torch alike).

Rows:
  kerasx-raw[<backend>]    kerasx.ops.lstm + dense + GradientTape + the backend's adam_update: the floor.
  kerasx-model[<backend>]  Sequential/LSTM/Dense/compile/train_on_batch/predict.
  torch[cpu|cuda]          nn.LSTM(batch_first=True) + nn.Linear, cross-entropy on log-softmax, Adam.

    python benchmarks/bench_lstm.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402  (adds the repository root to sys.path)
from harness import BETA_1, BETA_2, EPSILON, LR  # noqa: E402
from harness import Case  # noqa: E402

import backends  # noqa: E402

BATCH, STEPS, FEATURES, UNITS, CLASSES = 64, 50, 32, 128, 10
PREDICT_ROWS = 256


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    xp = rng.standard_normal((PREDICT_ROWS, STEPS, FEATURES)).astype(np.float32)
    return x, y, xp


def _weights(seed=0):
    """Keras layouts: kernel (F, 4U), recurrent (U, 4U), bias (4U,) with the forget bias at 1."""
    rng = np.random.default_rng(seed)
    limit = np.sqrt(6.0 / (FEATURES + 4 * UNITS))
    kernel = rng.uniform(-limit, limit, (FEATURES, 4 * UNITS)).astype(np.float32)
    q, _ = np.linalg.qr(rng.standard_normal((4 * UNITS, UNITS)))
    recurrent = q.T.astype(np.float32)
    bias = np.zeros(4 * UNITS, np.float32)
    bias[UNITS:2 * UNITS] = 1.0
    limit = np.sqrt(6.0 / (UNITS + CLASSES))
    dense = rng.uniform(-limit, limit, (UNITS, CLASSES)).astype(np.float32)
    return [kernel, recurrent, bias, dense, np.zeros(CLASSES, np.float32)]


# ---------------------------------------------------------------- kerasx, raw ops
def kerasx_raw(backend_name):
    from kerasx import GradientTape, Variable, ops
    from kerasx.autodiff import as_tensor

    b = backends.set_backend(backend_name)
    params = [Variable(w) for w in _weights()]
    slots = [(b.zeros(p.shape, "float32"), b.zeros(p.shape, "float32")) for p in params]
    x, y, xp = (as_tensor(a) for a in _data())
    state = {"t": 0}

    def logits(inputs):
        n = inputs.shape[0]
        zeros = ops.zeros((n, UNITS), dtype="float32")
        _, h, _ = ops.lstm(inputs, params[0], params[1], params[2], zeros, zeros)
        return ops.dense(h, params[3], params[4])

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
    """The Keras-API row, or a string saying why it cannot run."""
    b = backends.set_backend(backend_name)
    try:
        import kerasx as keras
        from kerasx import layers
        model = keras.Sequential([layers.LSTM(UNITS, input_shape=(STEPS, FEATURES)),
                                  layers.Dense(CLASSES, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.set_weights(_weights())
        x, y, xp = _data()
        model.train_on_batch(x, y)
        model.predict(xp, batch_size=PREDICT_ROWS, verbose=0)
    except Exception as e:  # report, don't stop the other rows
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

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(FEATURES, UNITS, batch_first=True)
            self.head = nn.Linear(UNITS, CLASSES)

        def forward(self, inputs):
            _, (h, _) = self.lstm(inputs)
            return self.head(h[0])

    model = Net().to(device)
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


def main(argv=None):
    harness.main(
        __doc__, argv,
        title=lambda args: (f"== LSTM({UNITS}) over {STEPS} steps x {FEATURES} features -> Dense({CLASSES}) "
                            f"softmax, Adam, train batch {BATCH}, predict {PREDICT_ROWS} sequences; median of "
                            f"{args.rounds} round-robin rounds x {args.block} calls"),
        kerasx_rows=[kerasx_raw, kerasx_model], torch_rows=torch_case)


if __name__ == "__main__":
    main()
