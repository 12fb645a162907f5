#!/usr/bin/env bash
# One command for the first GPU: the whole test suite with its CuPy cases, the CPU-vs-GPU benchmark
# tables and one report under OUT_DIR (benchmarks/gpu_check.py says what it runs and checks). Where no
# CUDA device can be used it says so in one line and exits 0.
#
#   bash benchmarks/gpu_check.sh OUT_DIR
#
# PYTHON picks the interpreter (default python3: on the GPU machines, the one that has CuPy and torch).
set -euo pipefail
exec "${PYTHON:-python3}" "$(dirname "$0")/gpu_check.py" "$@"
