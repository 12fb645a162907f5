"""Safe mode: loading never runs code stored in a file unless the caller asks for it.

A serialized `Lambda` holds Python bytecode; deserializing it would execute whatever the file's author
wrote. `load_model(..., safe_mode=True)` (the default) and every other config loader refuse it; a
layer that would run stored code calls `check_python_code_allowed` from its `from_config`.
Unlike Keras 3, safe mode is also on outside any loading call (no scope active), so `model_from_json`
and `Layer.from_config` are safe by default too.
"""
_scopes = []


class SafeModeScope:
    """``with SafeModeScope(False):`` allows stored Python code while the block runs."""

    def __init__(self, safe_mode=True):
        self.safe_mode = bool(safe_mode)

    def __enter__(self):
        _scopes.append(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _scopes.pop()
        return False


def in_safe_mode():
    """True unless the innermost active `SafeModeScope` says otherwise."""
    return _scopes[-1] if _scopes else True


def active_safe_mode():
    """The innermost active `SafeModeScope`'s setting, or None when no scope is active (a loading
    function's own `safe_mode` argument then decides)."""
    return _scopes[-1] if _scopes else None


def check_python_code_allowed(class_name, arg_name="function"):
    """Raises unless safe mode is off: called before deserializing stored bytecode."""
    if in_safe_mode():
        raise ValueError(
            f"Requested the deserialization of a `{class_name}` layer whose `{arg_name}` is Python "
            "bytecode. This carries a potential risk of arbitrary code execution and thus it is "
            "disallowed by default. If you trust the source of the saved model, you can pass "
            f"`safe_mode=False` to the loading function in order to allow `{class_name}` layer loading.")
