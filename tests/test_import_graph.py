"""No import cycles inside `kerasx/` (STYLE.md §14: calls go down, never back up).

The graph is built from the source, not from a running interpreter, so an import that only works thanks
to the order in which `kerasx/__init__.py` happens to load things still counts:

- every `import` / `from ... import` is an edge, at module level or inside a function or class alike (a
  late import inside a function is a cycle in disguise), as is `importlib.import_module("kerasx...")`
  with a literal name;
- `from a.b import c` is an edge to the module `a.b.c` when there is one, else to the package `a.b`
  (its `__init__`, whose namespace the import reads);
- importing `a.b.c` runs `a/b/__init__.py` first, so it is also an edge to the package `a.b` (and to
  every package between), except (1) the packages that contain the importing module itself, which
  Python has already started before the module runs, and (2) the root package `kerasx`: its
  `__init__` is the roof that imports every package for ``import kerasx as keras``, so every module
  would reach it. Nothing below may lean on the roof: an explicit ``import kerasx`` or
  ``from kerasx import <a name that is not a module>`` is an edge to it like any other.

So a module that reads `kerasx.saving.object_registration` depends on everything
`kerasx/saving/__init__.py` imports: a package's `__init__` imports nothing above its lowest module.
"""
import ast
import glob
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "kerasx"


def module_files(root=ROOT, package=PACKAGE):
    """``{dotted module name: path}`` for every module under `package` (a package is its `__init__`)."""
    mods = {}
    for path in glob.glob(os.path.join(root, package, "**", "*.py"), recursive=True):
        name = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
        if name.endswith(".__init__"):
            name = name[:-len(".__init__")]
        mods[name] = path
    return mods


def _is_package(path):
    return os.path.basename(path) == "__init__.py"


def _imported_names(tree, name, path):
    """``(dotted target, line)`` for every import in the module `name`, with relative imports made
    absolute; a `from x import y` yields ``x.y`` (the caller decides whether that is a module)."""
    package = name if _is_package(path) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                yield base, alias.name, node.lineno
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            fn = node.func
            called = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.args[0].value, None, node.lineno


def _packages_above(module):
    """``a.b.c`` -> ``["a", "a.b"]``."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph(root=ROOT, package=PACKAGE):
    """``{module: {imported module: first line}}`` over the modules under `package`, by the rules in
    this file's docstring."""
    mods = module_files(root, package)
    graph = {m: {} for m in mods}

    def add(src, target, line):
        if target in mods and target != src:
            graph[src].setdefault(target, line)

    for name, path in mods.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=path)
        own = set(_packages_above(name)) | ({name} if _is_package(path) else set())
        for base, alias, line in _imported_names(tree, name, path):
            if alias is not None and f"{base}.{alias}" in mods:
                target = f"{base}.{alias}"  # `from a.b import c`, c a module
            else:
                target = base  # `import a.b`, or `from a.b import name`: a.b's namespace is read
                while target and target not in mods:
                    target = target.rpartition(".")[0]  # `import kerasx.x.Name`-style: the module
            if not target:
                continue  # outside `package`
            add(name, target, line)
            for pkg in _packages_above(target):
                if pkg != package and pkg not in own:
                    add(name, pkg, line)  # importing a.b.c runs a/b/__init__.py first
    return graph


def strongly_connected(graph):
    """The strongly connected components with more than one module (each a set of import cycles),
    sorted, each sorted. Iterative Tarjan: the graph is a few hundred modules deep at most, but
    recursion limits are not worth depending on."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        comps.append(sorted(comp))
    return sorted(comps)


def _shortest_cycle(graph, start, members):
    """The shortest import path from `start` back to itself inside `members`, as a list of modules."""
    parent = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return path[::-1]
            if w in members and w not in parent:
                parent[w] = v
                queue.append(w)
    raise AssertionError(f"no cycle through {start}: not in a strongly connected component")


def cycles(graph, component):
    """One shortest cycle through each module of `component`, without repeats, each as
    ``a:12 -> b:3 -> a`` (line 12 of `a` imports `b`, line 3 of `b` imports `a`): enough to see every
    import that has to change."""
    seen, out = set(), []
    for start in component:
        path = _shortest_cycle(graph, start, set(component))
        first = path.index(min(path))
        path = path[first:] + path[:first]  # the same cycle found from another module is a rotation
        if tuple(path) not in seen:
            seen.add(tuple(path))
            out.append(" -> ".join(f"{a}:{graph[a][b]}" for a, b in zip(path, path[1:] + path[:1]))
                       + f" -> {path[0]}")
    return out


def describe_cycles(graph):
    """One entry per strongly connected component: its modules, then its cycles."""
    return [f"{len(c)} modules {c}, cycles:\n    " + "\n    ".join(cycles(graph, c))
            for c in strongly_connected(graph)]


# ---------------------------------------------------------------- the rules
def test_no_import_cycles_in_kerasx():
    found = describe_cycles(import_graph())
    assert not found, (
        f"{len(found)} group(s) of modules import each other in kerasx/ (late imports inside functions "
        "count: STYLE.md §14). Move the code to the floor it belongs on, or have the class register "
        "itself where it is defined:\n  " + "\n  ".join(found))


def test_the_graph_sees_the_package():
    graph = import_graph()
    assert "kerasx.engine.base_layer" in graph and "kerasx.layers" in graph
    assert "kerasx.autodiff.primitive" in graph["kerasx.ops.elementwise"], "is the walker broken?"
    assert "kerasx.autodiff" in graph["kerasx.ops.elementwise"], "importing a.b.c runs a/b/__init__.py"


# The floors below the frontend, and what each may import inside kerasx (`backends`, with the settings
# in backends/config.py, is below them all). Above them the frontend packages (backend, engine, layers,
# losses, ...) import each other downwards, which the cycle rule keeps honest.
FLOORS = {
    "kerasx.autodiff": ("kerasx.autodiff",),
    "kerasx.ops": ("kerasx.autodiff", "kerasx.ops"),
}


def _in(module, packages):
    return any(module == p or module.startswith(p + ".") for p in packages)


def floor_violations(graph, floors=FLOORS):
    """``module imports target (line n)`` for each import that leaves a floor's allowed packages."""
    out = []
    for floor, allowed in floors.items():
        for module in sorted(m for m in graph if _in(m, (floor,))):
            for target, line in sorted(graph[module].items()):
                if not _in(target, allowed):
                    out.append(f"{module} imports {target} (line {line})")
    return out


def test_autodiff_and_ops_import_nothing_above_them():
    bad = floor_violations(import_graph())
    assert not bad, ("kerasx.autodiff may import only itself, kerasx.ops only itself and autodiff (the "
                     "settings they read are in backends.config, not kerasx.backend):\n  " + "\n  ".join(bad))


# ---------------------------------------------------------------- the checker can fail
def _plant(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return import_graph(str(tmp_path), "pkg")


def test_checker_catches_a_planted_late_import_cycle(tmp_path):
    graph = _plant(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/low.py": "def f():\n    from pkg.high import g\n    return g()\n",
        "pkg/high.py": "from pkg import low\n",
    })
    assert strongly_connected(graph) == [["pkg.high", "pkg.low"]]
    assert cycles(graph, ["pkg.high", "pkg.low"]) == [
        "pkg.high:1 -> pkg.low:2 -> pkg.high"]


def test_checker_catches_a_cycle_through_a_package_init(tmp_path):
    """`pkg.a.base` imports nothing of `pkg.b` by name, but importing `pkg.b.tool` runs
    `pkg/b/__init__.py`, which imports a module that imports `pkg.a.base`."""
    graph = _plant(tmp_path, {
        "pkg/__init__.py": "from pkg.a import base\nfrom pkg.b import top\n",
        "pkg/a/__init__.py": "",
        "pkg/a/base.py": "from pkg.b.tool import helper\n",
        "pkg/b/__init__.py": "from pkg.b.top import Thing\n",
        "pkg/b/tool.py": "def helper():\n    pass\n",
        "pkg/b/top.py": "from pkg.a.base import helper\n",
    })
    assert strongly_connected(graph) == [["pkg.a.base", "pkg.b", "pkg.b.top"]]


def test_checker_ignores_the_roof_and_own_packages(tmp_path):
    """The root `__init__` importing everything, and a package `__init__` importing its own modules,
    are not cycles; reading a name from the root is."""
    files = {
        "pkg/__init__.py": "from pkg.sub import mod\nVERSION = 1\n",
        "pkg/sub/__init__.py": "from pkg.sub.mod import x\n",
        "pkg/sub/mod.py": "from pkg.sub.other import y\nx = y\n",
        "pkg/sub/other.py": "y = 1\n",
    }
    assert strongly_connected(_plant(tmp_path, files)) == []
    files["pkg/sub/other.py"] = "def y():\n    import pkg\n    return pkg.VERSION\n"
    assert strongly_connected(_plant(tmp_path, files)) == [["pkg", "pkg.sub", "pkg.sub.mod", "pkg.sub.other"]]


def test_floor_rule_catches_an_upward_import(tmp_path):
    graph = _plant(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/autodiff/__init__.py": "",
        "pkg/autodiff/tensor.py": "def f():\n    from pkg.backend import floatx\n    return floatx()\n",
        "pkg/backend/__init__.py": "def floatx():\n    return 'float32'\n",
    })
    assert floor_violations(graph, {"pkg.autodiff": ("pkg.autodiff",)}) == [
        "pkg.autodiff.tensor imports pkg.backend (line 2)"]
