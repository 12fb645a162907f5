"""The strategy in effect: the innermost `strategy.scope()`, else the default one-replica strategy
(tf.distribute's `get_strategy`/`has_strategy`). Strategies push themselves here; nothing else does."""

_stack = []
_default = {"strategy": None, "factory": None}


def push(strategy):
    _stack.append(strategy)


def pop(strategy):
    if not _stack or _stack[-1] is not strategy:
        raise RuntimeError("strategy scopes must be exited in the reverse order of entering them.")
    _stack.pop()


def set_default_factory(factory):
    """Registers how the default strategy is made (`strategy.py` does, where the class is defined)."""
    _default["factory"] = factory


def get_strategy():
    """The strategy of the innermost `strategy.scope()`, else the default strategy (one replica: this
    process alone, whatever the backend)."""
    if _stack:
        return _stack[-1]
    if _default["strategy"] is None:
        _default["strategy"] = _default["factory"]()
    return _default["strategy"]


def has_strategy():
    """True inside a `strategy.scope()`."""
    return bool(_stack)


def in_cross_replica_context():
    """True: kerasx runs one replica per process, so user code always sees the whole process."""
    return True
