"""The classic MNIST CNN, one training step (Adam, batch 64), kerasx against PyTorch:

    28x28x1 -> Conv2D 32 3x3 relu -> Conv2D 64 3x3 relu -> MaxPool 2x2 -> Flatten -> Dense 128 relu
            -> Dense 10 softmax

Frameworks run round-robin in one process (benchmarks/harness.py); the table reports medians.

Rows, in two groups (each ratio is against the torch row of its own group and device):
  conv part: the two Conv2D+relu layers alone, loss mean(y**2), Adam on their four weights
    kerasx-conv-raw[<backend>]  kerasx.ops.conv + GradientTape + the backend's adam_update kernel
    torch-conv[cpu|cuda]        the same in PyTorch
  full model:
    kerasx-model[<backend>]     Sequential/Conv2D/MaxPooling2D/Dense/compile/train_on_batch; listed as
                                unavailable, with the reason, while a layer it needs is missing
    torch[cpu|cuda]             the same network (cross-entropy on log-softmax, Adam)

    python benchmarks/bench_cnn.py [--rounds 10] [--block 5] [--threads 2] [--backends numpy cupy]
"""
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import backends  # noqa: E402
import harness  # noqa: E402  (same directory: the shared harness)

BATCH, SIDE, CLASSES = 64, 28, 10
from harness import BETA_1, BETA_2, EPSILON, LR  # noqa: E402
CONV = ((1, 32), (32, 64))  # (in, out) channels of the two 3x3 convolutions


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((BATCH, SIDE, SIDE, 1), dtype=np.float32), rng.integers(0, CLASSES, BATCH)


def _glorot(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


class Case:
    """One row: `step()` finishes its device work before returning."""

    def __init__(self, name, group, device, step):
        self.name, self.group, self.device, self.step = name, group, device, step
        self.times = []


# ---------------------------------------------------------------- kerasx
def kerasx_conv_raw(backend_name):
    from kerasx import GradientTape, Variable, ops
    from kerasx.autodiff import as_tensor

    b = backends.set_backend(backend_name)
    rng = np.random.default_rng(0)
    params = []
    for c_in, c_out in CONV:
        params += [Variable(_glorot(rng, (3, 3, c_in, c_out), 9 * c_in, 9 * c_out)),
                   Variable(np.zeros(c_out, np.float32))]
    slots = [(b.zeros(p.shape, "float32"), b.zeros(p.shape, "float32")) for p in params]
    x = as_tensor(_data()[0])
    state = {"t": 0}

    def step():
        backends.set_backend(b)
        with GradientTape() as tape:
            h = x
            for i in range(0, len(params), 2):
                h = ops.conv(h, params[i], bias=params[i + 1], relu=True)
            loss = ops.mean(ops.square(h))
        grads = tape.gradient(loss, params)
        harness.adam_step(b, params, grads, slots, state)
        b.synchronize()

    return Case(f"kerasx-conv-raw[{backend_name}]", "conv part", _device(backend_name), step)


def kerasx_model(backend_name):
    """The full-model row, or a string saying why it cannot run yet."""
    b = backends.set_backend(backend_name)
    try:
        import kerasx as keras
        from kerasx import layers
        if not hasattr(layers, "MaxPooling2D"):
            raise NotImplementedError("kerasx.layers.MaxPooling2D does not exist yet")
        keras.utils.set_random_seed(0)
        model = keras.Sequential([
            layers.Conv2D(32, 3, activation="relu", input_shape=(SIDE, SIDE, 1)),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(CLASSES, activation="softmax"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(LR), loss="sparse_categorical_crossentropy")
        x, y = _data()
        model.train_on_batch(x, y)
    except Exception as e:  # report, don't stop the other rows
        return f"kerasx-model[{backend_name}] unavailable: {type(e).__name__}: {e}"

    def step():
        backends.set_backend(b)
        model.train_on_batch(x, y)
        b.synchronize()

    return Case(f"kerasx-model[{backend_name}]", "full model", _device(backend_name), step)


def _device(backend_name):
    return "gpu" if backend_name == "cupy" else "cpu"


# ---------------------------------------------------------------- PyTorch
def torch_cases(device):
    import torch
    from torch import nn

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    x_host, y_host = _data()
    x = torch.from_numpy(x_host.transpose(0, 3, 1, 2).copy()).to(device)  # NCHW, torch's default layout
    y = torch.from_numpy(y_host).to(device)

    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU()).to(device)
    conv_opt = torch.optim.Adam(conv.parameters(), lr=LR, betas=(BETA_1, BETA_2), eps=EPSILON)

    def conv_step():
        conv_opt.zero_grad(set_to_none=True)
        conv(x).square().mean().backward()
        conv_opt.step()
        sync()

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(12 * 12 * 64, 128), nn.ReLU(), nn.Linear(128, CLASSES)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA_1, BETA_2), eps=EPSILON)

    def step():
        opt.zero_grad(set_to_none=True)
        nn.functional.nll_loss(nn.functional.log_softmax(model(x), dim=-1), y).backward()
        opt.step()
        sync()

    dev = "gpu" if device == "cuda" else "cpu"
    return [Case(f"torch-conv[{device}]", "conv part", dev, conv_step),
            Case(f"torch[{device}]", "full model", dev, step)]


# ---------------------------------------------------------------- running and reporting
def run(cases, rounds, block, warmup, cooldown, deadline=None):
    """Round-robin blocks, each after a sleep and one untimed call, no round starting after `deadline`
    (see harness.run for why); returns how many rounds ran."""
    for case in cases:
        for _ in range(warmup):
            case.step()
    done = 0
    while done < rounds and (done == 0 or deadline is None or time.perf_counter() < deadline):
        for case in cases:
            time.sleep(cooldown)
            case.step()
            for _ in range(block):
                t0 = harness.timer()
                case.step()
                case.times.append(harness.timer() - t0)
        done += 1
    return done


def _quartiles_ms(times):
    q1, q2, q3 = statistics.quantiles(times, n=4) if len(times) > 1 else times * 3
    return q2 * 1e3, q1 * 1e3, q3 * 1e3


def table(cases):
    """Median step time (interquartile range) per row, and the ratio to torch in the same group and
    on the same device."""
    stats = {c.name: _quartiles_ms(c.times) for c in cases}
    reference = {}
    for c in cases:
        if c.name.startswith("torch"):
            reference.setdefault((c.group, c.device), c.name)
    header = f"{'row':24s} {'group':10s} {'step ms (IQR)':>21s} {'ratio':>6s}"
    lines = [header, "-" * len(header)]
    for c in cases:
        med, q1, q3 = stats[c.name]
        ref = reference.get((c.group, c.device))
        ratio = f"{med / stats[ref][0]:.2f}x" if ref and not c.name.startswith("torch") else "-"
        lines.append(f"{c.name:24s} {c.group:10s} {med:7.2f} ({q1:5.2f}-{q3:5.2f}) {ratio:>6s}")
    lines.append("ratio: kerasx median / torch median, same group and device (below 1: kerasx is faster)")
    return lines


def main(argv=None):
    harness.main(
        __doc__, argv,
        title=lambda args: (f"== MNIST CNN (conv 32, conv 64, maxpool, dense 128, dense 10), Adam, batch "
                            f"{BATCH}; median of {args.rounds} round-robin rounds x {args.block} steps"),
        kerasx_rows=[kerasx_conv_raw, kerasx_model], torch_rows=torch_cases, run_fn=run, table_fn=table)


if __name__ == "__main__":
    main()
