"""Compares the kerasx step times of two source trees (say, main before and after a change), alternating
runs of the same benchmark so that both see the same machine load.

    git worktree add /tmp/base <old-commit>
    python benchmarks/compare_trees.py --base /tmp/base --runs 6 -- --rounds 3 --no-torch --backends numpy

Each run is a fresh process of ``<tree>/benchmarks/<bench>.py`` (with that tree's code on sys.path);
the runs go base, this tree, base, this tree, ... For every table row whose name starts with
``kerasx`` the script prints the median over runs of each run's step median, and the ratio of this
tree to the base (below 1: this tree is faster).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# "kerasx-model[numpy]      13.88 (10.71-33.55) ...": a row name, a group name in some tables, then the
# step median in ms.
ROW = re.compile(r"^(kerasx[\w\-\[\]]*)\s+(?:[a-z][a-z ]*?\s+)?([0-9.]+) \(")


def step_medians(tree, bench, args):
    """{row name: step ms} from one run of `bench` in `tree`."""
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run([sys.executable, os.path.join(tree, "benchmarks", bench)] + args, env=env,
                         capture_output=True, text=True, check=True, cwd=tree).stdout
    rows = {}
    for line in out.splitlines():
        m = ROW.match(line)
        if m and m.group(1) not in rows:  # the first table's rows: the training step
            rows[m.group(1)] = float(m.group(2))
    if not rows:
        raise RuntimeError(f"no kerasx rows in the output of {bench} in {tree}:\n{out}")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the other source tree (a checkout of the base)")
    parser.add_argument("--benches", nargs="*", default=["bench_mlp.py", "bench_cnn.py", "bench_lstm.py"])
    parser.add_argument("--runs", type=int, default=6, help="runs per tree, alternating (default 6)")
    args, rest = parser.parse_known_args()
    rest = [a for a in rest if a != "--"]
    base = os.path.abspath(args.base)
    print(f"base: {base}\nthis: {ROOT}\nruns per tree: {args.runs}, benchmark arguments: {' '.join(rest)}")
    print(f"{'benchmark':16} {'row':24} {'base ms':>9} {'this ms':>9} {'ratio':>6}")
    for bench in args.benches:
        runs = {"base": [], "this": []}
        for _ in range(args.runs):
            runs["base"].append(step_medians(base, bench, rest))
            runs["this"].append(step_medians(ROOT, bench, rest))
        for row in runs["this"][0]:
            a = statistics.median(r[row] for r in runs["base"] if row in r)
            b = statistics.median(r[row] for r in runs["this"])
            print(f"{bench:16} {row:24} {a:9.2f} {b:9.2f} {b / a:6.3f}")


if __name__ == "__main__":
    main()
