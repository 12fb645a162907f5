"""What every benchmark shares: the table row (`Case`), the environment report, round-robin timing with a
cool-down, the median/IQR table with ratios to torch, and `main` (arguments, thread limits, output).

Frameworks run round-robin in one process (one block of each, then the next round), so drift in clock
speed or machine load spreads over all of them alike; the tables report medians."""
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


class Case:
    """One row of the table: `step()` and `predict()` each finish their device work before returning."""

    def __init__(self, name, device, step, predict):
        self.name, self.device, self.step, self.predict = name, device, step, predict
        self.times = {"step": [], "predict": []}


def limit_threads(threads):
    """BLAS's (and a loaded OpenMP's) thread pools limited to `threads` through threadpoolctl, when
    installed: the limiter, to `restore_original_limits()` at the end, or None."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads)


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


LR, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7  # Adam's defaults, for every framework's rows


def adam_step(b, params, grads, slots, state):
    """One Adam update of the raw rows through the backend's fused `adam_update` kernel (`slots`: one
    ``(m, v)`` pair per parameter; `state["t"]`: the step count)."""
    state["t"] += 1
    t = state["t"]
    lr_t = LR * (1 - BETA_2 ** t) ** 0.5 / (1 - BETA_1 ** t)
    for p, g, (m, v) in zip(params, grads, slots):
        b.adam_update(p.data, g.data, m, v, lr_t, BETA_1, BETA_2, EPSILON)


def build_cases(backend_names, kerasx_rows, torch_rows, with_torch, threads):
    """Rows for each backend (each factory returns a `Case`, or a string saying why it cannot run), then
    torch's (a `Case` or a list of them per device) when PyTorch is importable."""
    cases, notes = [], []
    for name in backend_names:
        for factory in kerasx_rows:
            row = factory(name)
            (notes if isinstance(row, str) else cases).append(row)
    if with_torch:
        try:
            import torch
        except ImportError:
            notes.append("torch not importable: no PyTorch rows")
        else:
            torch.set_num_threads(threads)
            notes.append(f"torch {torch.__version__}, torch.get_num_threads()={torch.get_num_threads()}")
            devices = ["cpu"] + (["cuda"] if "cupy" in backend_names and torch.cuda.is_available() else [])
            for device in devices:
                rows = torch_rows(device)
                cases += rows if isinstance(rows, list) else [rows]
    return cases, notes


# What the timed calls are measured with: the wall clock, or (`--clock cpu`) the process's CPU time, all
# its threads (`time.process_time`): on a machine whose cores other jobs share, the time a call waits for
# a core then counts for nobody. CPU rows only (a GPU's work is not the process's CPU time), and best
# with `--threads 1`, since idle BLAS threads that spin would count too.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
timer = time.perf_counter


def run(cases, rounds, block, warmup, cooldown, deadline=None):
    """Rounds of round-robin: each round runs a block of timed calls of every case in turn, so slow drift
    of the machine spreads over all cases alike; returns how many rounds ran.

    Before each block the process sleeps `cooldown` seconds and makes one untimed call: OpenBLAS worker
    threads busy-wait for a while after their last call (and OpenMP's briefly), and on a machine with few
    cores that spinning would be charged to whichever framework runs next. No round starts after
    `deadline` (a `time.perf_counter()` value), so a budgeted run ends early with fewer, whole rounds."""
    for case in cases:
        for _ in range(warmup):
            case.step()
            case.predict()
    done = 0
    while done < rounds and (done == 0 or deadline is None or time.perf_counter() < deadline):
        for case in cases:
            for what in ("step", "predict"):
                fn = getattr(case, what)
                time.sleep(cooldown)
                fn()
                for _ in range(block):
                    t0 = timer()
                    fn()
                    case.times[what].append(timer() - t0)
        done += 1
    return done


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


def main(doc, argv, title, kerasx_rows, torch_rows, run_fn=None, table_fn=None):
    """Parses the common arguments, limits BLAS and torch threads alike, builds the rows, runs them and
    prints the environment, the notes and the table."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="round-robin rounds (default 10)")
    parser.add_argument("--block", type=int, default=5, help="timed calls per case per round (default 5)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cooldown", type=float, default=0.3,
                        help="seconds of sleep before each block, so idle BLAS threads stop spinning")
    parser.add_argument("--threads", type=int, default=2, help="BLAS and torch threads (default 2)")
    parser.add_argument("--backends", nargs="*", default=None,
                        help="default: every available backend but the test-only 'strict'")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall (default) or cpu: the process's CPU time (see harness.CLOCKS)")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="no round starts after this many seconds of timing (default: no limit)")
    args = parser.parse_args(argv)
    global timer
    timer = CLOCKS[args.clock]

    # `strict` computes what `numpy` does, slower by its checks: a test backend, not one to time.
    names = args.backends if args.backends is not None else [n for n in backends.available() if n != "strict"]
    limiter = limit_threads(args.threads)
    print(title(args))
    print("\n".join(environment_lines(args.threads)))
    print(f"  clock: {args.clock}")
    cases, notes = build_cases(names, kerasx_rows, torch_rows, not args.no_torch, args.threads)
    for note in notes:
        print("  " + note)
    deadline = None if args.max_seconds is None else time.perf_counter() + args.max_seconds
    done = (run_fn or run)(cases, args.rounds, args.block, args.warmup, args.cooldown, deadline)
    if done < args.rounds:
        print(f"  --max-seconds {args.max_seconds:g}: stopped after {done} of {args.rounds} rounds")
    print("\n".join((table_fn or table)(cases)))
    if limiter is not None:
        limiter.restore_original_limits()
