"""Runs every benchmark (benchmarks/bench_*.py) on every available backend, CPU and GPU rows side by side.

    python benchmarks/run_all.py                      # the environment as it is
    python benchmarks/run_all.py --openblas-env both  # as it is, then with OPENBLAS_CORETYPE and
                                                      # OPENBLAS_L2_SIZE removed, to see what they change
Arguments after `--` go to each benchmark, e.g. `python benchmarks/run_all.py -- --rounds 20`.

Each benchmark runs in its own process: OpenBLAS reads its environment once, when NumPy loads it.
"""
import argparse
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _environments(choice):
    as_is = dict(os.environ)
    unset = {k: v for k, v in as_is.items() if k not in OPENBLAS_VARS}
    return {"as-is": [("as-is", as_is)], "unset": [("OPENBLAS_* unset", unset)],
            "both": [("as-is", as_is), ("OPENBLAS_* unset", unset)]}[choice]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--openblas-env", choices=("as-is", "unset", "both"), default="as-is")
    args = parser.parse_args(argv)

    failed = []
    for script in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        for label, env in _environments(args.openblas_env):
            print(f"\n#### {os.path.basename(script)} [{label}]", flush=True)
            if subprocess.run([sys.executable, script, *extra], env=env).returncode != 0:
                failed.append(f"{os.path.basename(script)} [{label}]")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
