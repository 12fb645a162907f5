"""LSTM(128) over 50 steps of 32 features -> Dense(10, softmax), Adam, batch 64: one training step and
predict on 256 sequences, against torch.nn.LSTM + nn.Linear.

Same harness as bench_mlp.py (round-robin rounds of blocks, cool-down before each block, medians with the
interquartile range, the thread limit for BLAS and torch alike).

Rows:
  kerasx-raw[<backend>]    kerasx.ops.lstm + dense + GradientTape + the backend's adam_update: the floor.
  kerasx-model[<backend>]  Sequential/LSTM/Dense/compile/train_on_batch/predict.
  torch[cpu|cuda]          nn.LSTM(batch_first=True) + nn.Linear, cross-entropy on log-softmax, Adam.

    python benchmarks/bench_lstm.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_mlp  # noqa: E402  (adds the repository root to sys.path, and holds the shared harness)
from bench_mlp import BETA_1, BETA_2, EPSILON, LR, Case, environment_lines, run, table  # noqa: E402

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
        state["t"] += 1
        t = state["t"]
        lr_t = LR * (1 - BETA_2 ** t) ** 0.5 / (1 - BETA_1 ** t)
        for p, g, (m, v) in zip(params, grads, slots):
            b.adam_update(p.data, g.data, m, v, lr_t, BETA_1, BETA_2, EPSILON)
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


def build_cases(backend_names, with_torch, threads):
    cases, notes = [], []
    for name in backend_names:
        cases.append(kerasx_raw(name))
        model = kerasx_model(name)
        (notes if isinstance(model, str) else cases).append(model)
    if with_torch:
        try:
            import torch
        except ImportError:
            notes.append("torch not importable: no PyTorch rows")
        else:
            torch.set_num_threads(threads)
            notes.append(f"torch {torch.__version__}, torch.get_num_threads()={torch.get_num_threads()}")
            cases.append(torch_case("cpu"))
            if "cupy" in backend_names and torch.cuda.is_available():
                cases.append(torch_case("cuda"))
    return cases, notes


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="round-robin rounds (default 10)")
    parser.add_argument("--block", type=int, default=5, help="timed calls per case per round (default 5)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cooldown", type=float, default=0.3,
                        help="seconds of sleep before each block, so idle BLAS threads stop spinning")
    parser.add_argument("--threads", type=int, default=2, help="BLAS and torch threads (default 2)")
    parser.add_argument("--backends", nargs="*", default=None, help="default: every available backend")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)

    names = args.backends if args.backends is not None else backends.available()
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=args.threads)
    except ImportError:
        limiter = None
    print(f"== LSTM({UNITS}) over {STEPS} steps x {FEATURES} features -> Dense({CLASSES}) softmax, Adam, "
          f"train batch {BATCH}, predict {PREDICT_ROWS} sequences; median of {args.rounds} round-robin "
          f"rounds x {args.block} calls")
    print("\n".join(environment_lines(args.threads)))
    cases, notes = build_cases(names, not args.no_torch, args.threads)
    for note in notes:
        print("  " + note)
    run(cases, args.rounds, args.block, args.warmup, args.cooldown)
    print("\n".join(table(cases)))
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()
