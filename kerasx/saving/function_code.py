"""Python functions stored as bytecode (tf.keras's `generic_utils.func_dump` / `func_load`), the one
home of the format shared by `Lambda` configs and `serialize_keras_object`'s ``__lambda__`` entries.
Loading runs the stored code: callers check safe mode first (`kerasx.saving.safe_mode`)."""
import base64
import marshal
import types


def func_dump(func):
    """``(code, defaults, closure)`` of a Python function, the code as base64 text of its marshalled
    bytecode (Keras's `generic_utils.func_dump`)."""
    # A live code object marshals with reference flags that depend on refcounts; a freshly loaded copy
    # marshals the same way every time, so a config survives a save/load round trip byte for byte.
    raw = marshal.dumps(marshal.loads(marshal.dumps(func.__code__)))
    code = base64.encodebytes(raw).decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def _cell(value):
    def reader():
        return value
    return reader.__closure__[0]


def func_load(code, defaults=None, closure=None, globs=None):
    """The function `func_dump` described; `code` may be the whole ``(code, defaults, closure)``."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    if closure is not None:
        closure = tuple(_cell(v) for v in closure)
    raw = base64.decodebytes(code.encode("ascii"))
    code = marshal.loads(raw)
    return types.FunctionType(code, globs if globs is not None else globals(), name=code.co_name,
                              argdefs=defaults, closure=closure)
