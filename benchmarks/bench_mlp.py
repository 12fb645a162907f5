"""MLP 784-512-512-10 (relu, relu, softmax), Adam, batch 128: one training step and predict on 1,000 rows.

Frameworks run round-robin in one process (one repetition of each, then the next round), so drift in
clock speed or machine load spreads over all of them alike; the table reports medians.

Rows:
  kerasx-raw[<backend>]    kerasx.ops + GradientTape + the backend's adam_update kernel: the floor.
  kerasx-model[<backend>]  Sequential/Dense/compile/train_on_batch/predict: the floor plus frontend cost.
  torch[cpu|cuda]          the same network in PyTorch (CrossEntropy on log-softmax, Adam).

    python benchmarks/bench_mlp.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import backends  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH, PREDICT_ROWS = 128, 1000
LR, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    xp = rng.random((PREDICT_ROWS, SIZES[0]), dtype=np.float32)
    return x, y, xp


def _glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


class Case:
    """One row of the table: `step()` and `predict()` each finish their device work before returning."""

    def __init__(self, name, device, step, predict):
        self.name, self.device, self.step, self.predict = name, device, step, predict
        self.times = {"step": [], "predict": []}


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
def environment_lines(threads):
    lines = [f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
             f"thread limit {threads}"]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        lines.append(f"  {var}={os.environ.get(var, '(unset)')}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        lines.append("  threadpoolctl not installed: BLAS threading unknown (pip install kerasx[bench])")
    else:
        for pool in threadpool_info():
            lines.append("  {user_api}/{internal_api} {version} threads={num_threads} arch={arch} "
                         "layer={layer} ({lib})".format(
                             arch=pool.get("architecture", "?"), layer=pool.get("threading_layer", "?"),
                             lib=os.path.basename(pool.get("filepath", "?")), **pool))
    try:
        import cupy
        if cupy.is_available():
            props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
            lines.append(f"  GPU: {props['name'].decode()} (CuPy {cupy.__version__})")
    except ImportError:
        pass
    return lines


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


def run(cases, rounds, block, warmup, cooldown):
    """Rounds of round-robin: each round runs a block of timed calls of every case in turn, so slow drift
    of the machine spreads over all cases alike.

    Before each block the process sleeps `cooldown` seconds and makes one untimed call: OpenBLAS worker
    threads busy-wait for a while after their last call (and OpenMP's briefly), and on a machine with few
    cores that spinning would be charged to whichever framework runs next."""
    for case in cases:
        for _ in range(warmup):
            case.step()
            case.predict()
    for _ in range(rounds):
        for case in cases:
            for what in ("step", "predict"):
                fn = getattr(case, what)
                time.sleep(cooldown)
                fn()
                for _ in range(block):
                    t0 = time.perf_counter()
                    fn()
                    case.times[what].append(time.perf_counter() - t0)


def _quartiles_ms(times):
    q1, q2, q3 = statistics.quantiles(times, n=4) if len(times) > 1 else times * 3
    return q2 * 1e3, q1 * 1e3, q3 * 1e3


def table(cases):
    """Median (with the interquartile range) per row, and the ratio to torch on the same device."""
    stats = {c.name: {k: _quartiles_ms(v) for k, v in c.times.items()} for c in cases}
    reference = {}
    for c in cases:
        if c.name.startswith("torch"):
            reference.setdefault(c.device, c.name)
    header = f"{'row':22s} {'step ms (IQR)':>21s} {'ratio':>6s} {'predict ms (IQR)':>21s} {'ratio':>6s}"
    lines = [header, "-" * len(header)]
    for c in cases:
        ref = reference.get(c.device)
        cells = []
        for what in ("step", "predict"):
            med, q1, q3 = stats[c.name][what]
            ratio = "-"
            if ref and not c.name.startswith("torch"):
                ratio = f"{med / stats[ref][what][0]:.2f}x"
            cells.append(f"{med:7.2f} ({q1:5.2f}-{q3:5.2f}) {ratio:>6s}")
        lines.append(f"{c.name:22s} {cells[0]} {cells[1]}")
    lines.append("ratio: kerasx median / torch median on the same device (below 1: kerasx is faster)")
    return lines


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
    print(f"== MLP {'-'.join(map(str, SIZES))}, Adam, train batch {BATCH}, predict {PREDICT_ROWS} rows; "
          f"median of {args.rounds} round-robin rounds x {args.block} calls")
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
