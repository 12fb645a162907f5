"""The NCCL path (backends/cupy_nccl.py) checked statically against the installed `cupy.cuda.nccl`: every
name it reads exists, every call passes as many arguments as the Cython signature (from the compiled
module's docstrings) takes, and the stream methods it uses exist. It runs where CuPy and the NCCL library
(nvidia-nccl-cu13) are installed, GPU or not; a device run needs several GPUs, which CI does not have."""
import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(ROOT, "backends", "cupy_nccl.py")


@pytest.fixture(scope="module")
def nccl():
    pytest.importorskip("cupy", reason="CuPy not installed: the static NCCL check needs it")
    from cupy.cuda import nccl
    if not nccl.available:
        pytest.skip("the NCCL library is not installed (pip install 'nvidia-nccl-cu13>=2.27.7,<3')")
    return nccl


def _tree():
    with open(SOURCE, encoding="utf-8") as f:
        return ast.parse(f.read())


def _signature(fn, name):
    """``(required, total)`` positional parameters of a Cython function, from its embedded signature."""
    first = (fn.__doc__ or "").strip().splitlines()[0]
    match = re.match(rf"(?:\w+\.)?{name}\((.*)\)", first)
    assert match, f"no embedded signature for {name}: {first!r}"
    params = [p.strip() for p in match.group(1).split(",") if p.strip() and p.strip() != "self"]
    return sum("=" not in p for p in params), len(params)


def _calls(tree, owner):
    """``[(method, number of positional arguments)]`` of calls ``<...>.owner.method(...)`` or
    ``owner.method(...)``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            value = node.func.value
            name = value.id if isinstance(value, ast.Name) else getattr(value, "attr", None)
            if name == owner:
                out.append((node.func.attr, len(node.args)))
    return out


def test_every_nccl_name_exists(nccl):
    tree = _tree()
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id == "nccl"}
    assert {"groupStart", "groupEnd", "NcclCommunicator", "get_unique_id", "NCCL_SUM", "available"} <= used
    assert not [n for n in used if not hasattr(nccl, n)], "names cupy.cuda.nccl lacks"
    dtype_names = next(ast.literal_eval(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign)
                       and getattr(n.targets[0], "id", None) == "_NCCL_DTYPE_NAMES")
    assert not [v for v in dtype_names.values() if not hasattr(nccl, v)]


def test_module_functions_and_communicator_calls_match_their_signatures(nccl):
    tree = _tree()
    for name, n_args in _calls(tree, "nccl"):
        if name == "NcclCommunicator":
            required, total = _signature(nccl.NcclCommunicator, "NcclCommunicator")
        else:
            required, total = _signature(getattr(nccl, name), name)
        assert required <= n_args <= total, f"nccl.{name} called with {n_args} arguments, takes {required}..{total}"
    calls = _calls(tree, "comm")
    assert ("allReduce", 6) in calls
    for method, n_args in calls:
        required, total = _signature(getattr(nccl.NcclCommunicator, method), method)
        assert required <= n_args <= total, f"NcclCommunicator.{method}: {n_args} arguments, takes {required}..{total}"


def test_the_stream_methods_exist(nccl):
    import cupy
    for owner in ("stream", "compute"):
        for method, _ in _calls(_tree(), owner):
            assert hasattr(cupy.cuda.Stream, method), f"cupy.cuda.Stream has no {method}"
    # `ptr` is set per instance (a raw handle): the class documents it.
    assert "~Stream.ptr (intptr_t)" in cupy.cuda.Stream.__doc__ and hasattr(cupy.cuda.Event, "record")


def test_the_walker_sees_the_calls():
    tree = _tree()
    assert ("groupStart", 0) in _calls(tree, "nccl") and ("wait_event", 1) in _calls(tree, "stream")
