"""Calling a layer on symbolic tensors: build it for the symbolic shapes, infer its output shapes by
running it on a tiny placeholder batch, and record a `Node`."""
from kerasx import ops
from kerasx.autodiff import tape as tape_module
from kerasx.engine import call_context
from kerasx.engine.input_spec import assert_input_compatibility
from kerasx.engine.keras_tensor import KerasTensor, Node
from kerasx.engine.nest import flatten, map_structure


def symbolic_call(layer, inputs, extra_args, kwargs):
    shapes = [t.shape for t in flatten(inputs) if isinstance(t, KerasTensor)]
    assert_input_compatibility(layer.input_spec, shapes, layer)
    if not layer.built:
        layer._maybe_build(map_structure(lambda t: t.shape, inputs))
        assert_input_compatibility(layer.input_spec, shapes, layer)
    out_specs = _run_on_placeholders(layer, inputs, extra_args, kwargs)
    outputs = map_structure(lambda spec: KerasTensor(spec.shape, spec.dtype), out_specs)
    Node(layer, (inputs,) + tuple(extra_args), dict(kwargs), outputs)
    return outputs


def infer_output_shapes(layer, input_shape):
    """Output shape(s) of `layer` for `input_shape` (a shape tuple or a list of them)."""
    def is_shape(s):
        return isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s)

    if is_shape(input_shape):
        inputs = KerasTensor(input_shape, layer.dtype)
    else:
        inputs = [KerasTensor(tuple(s), layer.dtype) for s in input_shape]
    specs = _run_on_placeholders(layer, inputs, (), {})
    return map_structure(lambda spec: spec.shape, specs)


def _concrete(structure, fill):
    def make(t):
        if not isinstance(t, KerasTensor):
            return t
        shape = tuple(fill if d is None else d for d in t.shape)
        return ops.zeros(shape, dtype=t.dtype)
    return map_structure(make, structure)


class _Spec:
    """Shape and dtype of one output (a leaf for `map_structure`, unlike a plain tuple)."""
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype


def _run_on_placeholders(layer, inputs, extra_args, kwargs):
    """Runs `layer` in inference mode on zeros, once with unknown dims set to 1 and once to 2; output
    dims that differ between the runs are unknown (None). Returns the output structure of `_Spec`s."""
    has_unknown = any(d is None for t in flatten(inputs) if isinstance(t, KerasTensor) for d in t.shape)
    results = []
    saved_tapes = list(tape_module._active)
    tape_module._active.clear()  # placeholder runs must never land on a user's tape
    saved_losses = layer._call_losses
    try:
        for fill in ((1, 2) if has_unknown else (1,)):
            args = _concrete((inputs,) + tuple(extra_args), fill)
            kw = _concrete(dict(kwargs), fill)
            kw.setdefault("training", False)
            with call_context.enter(False):
                out = layer.__call__(*args, **kw)
            results.append(map_structure(lambda t: _Spec(t.shape, t.dtype), out))
    finally:
        tape_module._active.extend(saved_tapes)
        layer._clear_call_losses()
        layer._call_losses = saved_losses
    if len(results) == 2:
        for a, b in zip(flatten(results[0]), flatten(results[1])):
            a.shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
    return results[0]
