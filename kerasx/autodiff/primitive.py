"""The registry of differentiable primitives.

A primitive is defined in one place (``kerasx/ops/<family>.py``) by:

- ``forward(b, *arrays, **params) -> (out, residuals)``: backend arrays in, backend array(s) out, plus
  the tuple of arrays its VJP needs (and nothing more: the tape holds them until the VJP has run);
- ``vjp(b, g, residuals, needs, **params) -> tuple``: one gradient per positional input, computed only
  where ``needs[i]`` is true (``None`` elsewhere); gradients may keep a broadcast shape, the tape sums
  them back to each input's shape;
- ``samples(rng) -> [(args, params), ...]``: float64 NumPy inputs, away from kinks, from which the
  finite-difference tests are generated;
- optionally ``diff_vjp(g, inputs, outputs, needs, **params) -> tuple``: the same VJP written with
  primitives on Tensors (``inputs`` hold Tensors, and Python numbers for constants), which the tape runs
  instead of ``vjp`` when another tape is recording the gradient computation, so that it can be
  differentiated again (a gradient penalty, a Hessian-vector product). ``vjp`` stays the fast path: the
  tape uses it whenever no outer tape records.

Positional arguments are tensors (or tensor-likes: NumPy arrays, lists, Python numbers, the latter
passed through as constants); keyword arguments are static parameters (axis, shape, ...). A primitive
registered with ``static=("axis", "keepdims")`` also takes those positionally after its tensor inputs,
as tf's functions do (``sum(x, 1)``, ``cast(x, "float32")``); they are keywords from then on, so the VJP
sees them too.
"""
import inspect

import backends
from kerasx.autodiff.tape import active_tapes
from kerasx.autodiff.tensor import Tensor, as_tensor, is_float_dtype

REGISTRY = {}


class Primitive:
    __slots__ = ("name", "forward", "vjp", "samples", "n_outputs", "static", "n_inputs", "diff_vjp", "__doc__")

    def __init__(self, name, forward, vjp=None, samples=None, n_outputs=1, doc=None, static=(), diff_vjp=None):
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.diff_vjp = diff_vjp
        self.samples = samples
        self.n_outputs = n_outputs
        self.static = tuple(static)
        self.n_inputs = _count_inputs(forward, self.static) if self.static else None
        self.__doc__ = doc or forward.__doc__

    @property
    def differentiable(self):
        return self.vjp is not None

    def __call__(self, *args, **params):
        if self.static and len(args) > self.n_inputs:
            args, params = self._static_from_positions(args, params)
        b = backends.get()
        inputs, arrays = _convert_args(self.name, b, args)
        out, residuals = self.forward(b, *arrays, **params)
        if self.n_outputs == 1:
            outputs = (Tensor(out),)
        else:
            outputs = tuple(Tensor(o) for o in out)
        tapes = active_tapes()
        if tapes and self.vjp is not None:
            for tape in tapes:
                tape.record(self, inputs, outputs, residuals, params, arrays)
        return outputs[0] if self.n_outputs == 1 else outputs

    def _static_from_positions(self, args, params):
        extra = args[self.n_inputs:]
        if len(extra) > len(self.static):
            raise TypeError(
                f"{self.name}() takes {self.n_inputs} tensor argument(s) and at most {len(self.static)} "
                f"static one(s) ({', '.join(self.static)}), received {len(args)} positional arguments.")
        params = dict(params)
        for name, value in zip(self.static, extra):
            if name in params:
                raise TypeError(f"{self.name}() got multiple values for argument {name!r}.")
            params[name] = value
        return args[:self.n_inputs], params

    def __repr__(self):
        return f"<primitive {self.name}>"


def _count_inputs(forward, static):
    """How many tensor inputs `forward(b, *tensors, **static)` takes: its parameters after ``b`` that are
    not static."""
    names = list(inspect.signature(forward).parameters)[1:]
    return len([n for n in names if n not in static])


def _convert_args(name, b, args):
    """Tensors pass through; Python numbers stay constants; other tensor-likes become Tensors.

    A float array constant takes the dtype of the first float Tensor argument, so that
    `float32_tensor * numpy_float64_array` stays float32 instead of silently becoming float64."""
    hint = None
    for a in args:
        if isinstance(a, Tensor) and is_float_dtype(a.dtype):
            hint = a.dtype
            break
    inputs, arrays = [], []
    for a in args:
        if isinstance(a, Tensor):
            inputs.append(a)
            arrays.append(a.data)
        elif isinstance(a, (bool, int, float)):
            inputs.append(None)
            arrays.append(a)
        elif isinstance(a, str) or a is None:
            raise TypeError(
                f"{name}() takes tensors positionally, received {a!r}: pass static parameters (axis, "
                "dtype, shape, ...) by keyword.")
        else:
            t = as_tensor(a)
            if hint is not None and is_float_dtype(t.dtype) and t.dtype != hint:
                t = Tensor(b.cast(t.data, hint))
            inputs.append(None)  # a constant: nothing upstream of it can be watched
            arrays.append(t.data)
    return inputs, arrays


def primitive(name, forward, vjp=None, samples=None, n_outputs=1, doc=None, static=(), diff_vjp=None):
    """Registers a primitive and returns the callable that applies it to tensors; `static` names the
    parameters it also takes positionally after its tensors, `diff_vjp` its VJP in primitives, for
    higher-order gradients (module docstring)."""
    if name in REGISTRY:
        raise ValueError(f"A primitive named {name!r} is already registered.")
    if vjp is not None and samples is None:
        raise ValueError(f"Differentiable primitive {name!r} needs samples for its gradient check.")
    if diff_vjp is not None and vjp is None:
        raise ValueError(f"Primitive {name!r} has a diff_vjp but no vjp.")
    p = Primitive(name, forward, vjp, samples, n_outputs, doc, static, diff_vjp)
    REGISTRY[name] = p
    return p
