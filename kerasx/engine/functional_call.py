"""Calling a layer on symbolic tensors: build it for the symbolic shapes, infer its output shapes (and
output masks) by running it on a tiny placeholder batch, and record a `Node`."""
from kerasx import ops
from kerasx.autodiff import tape as tape_module
from kerasx.autodiff.nest import flatten, map_structure
from kerasx.engine import call_context
from kerasx.engine.input_spec import assert_input_compatibility
from kerasx.engine.keras_tensor import KerasTensor, Node
from kerasx.engine.string_inputs import STRING, refuse_strings, string_placeholder


def symbolic_call(layer, inputs, extra_args, kwargs):
    _check_symbolic_arguments(layer, extra_args, kwargs)
    for t in flatten(inputs):
        if isinstance(t, KerasTensor) and t.dtype == STRING and not layer._accepts_string_inputs:
            raise refuse_strings(layer, f"{t!r}")
    shapes = [t.shape for t in flatten(inputs) if isinstance(t, KerasTensor)]
    assert_input_compatibility(layer.input_spec, shapes, layer)
    # A functional call is a fresh start: its weights are named after its own layer only, even when a
    # Sequential builds its graph from inside its own `build`.
    saved_scopes = list(call_context.build_scopes)
    call_context.build_scopes.clear()
    try:
        if not layer.built:
            layer._maybe_build(map_structure(lambda t: t.shape, inputs))
            assert_input_compatibility(layer.input_spec, shapes, layer)
        out_specs, mask_specs = _infer_specs(layer, inputs, extra_args, kwargs)
    finally:
        call_context.build_scopes[:] = saved_scopes
    outputs = map_structure(lambda spec: KerasTensor(spec.shape, spec.dtype), out_specs)
    for tensor, spec in zip(flatten(outputs), mask_specs):
        if spec is not None:
            tensor._keras_mask = KerasTensor(spec.shape, spec.dtype)
    Node(layer, (inputs,) + tuple(extra_args), dict(kwargs), outputs)
    return outputs


def _infer_specs(layer, inputs, extra_args, kwargs):
    """Output (and mask) specs from placeholder runs; where those fail because an unknown spatial size
    was probed with 1 or 2 (a 3x3 'valid' convolution of a (None, None, 3) image), from the layer's own
    `compute_output_shape`, which knows how to carry None through."""
    if layer._output_shape_from_compute:
        return _specs_from_compute_output_shape(layer, inputs)
    unknown_inner = any(d is None for t in flatten(inputs) if isinstance(t, KerasTensor) for d in t.shape[1:])
    try:
        specs = _run_on_placeholders(layer, inputs, extra_args, kwargs)
    except ValueError:
        if not (unknown_inner and _defines_output_shape(layer)):
            raise
        return _specs_from_compute_output_shape(layer, inputs)
    if unknown_inner and _defines_output_shape(layer):
        _keep_computed_unknowns(layer, inputs, specs[0])
    return specs


def _keep_computed_unknowns(layer, inputs, specs):
    """The probes 1 and 2 can agree on an output size that is not fixed: a stride-2 convolution gives 1
    for both, a 3x3/2 'valid' pooling 0 for both. Where the layer's own `compute_output_shape` says a
    size is unknown, it stays unknown (known sizes are the placeholder runs')."""
    try:
        computed = flatten(_shape_specs(layer.compute_output_shape(map_structure(lambda t: t.shape, inputs)),
                                        None))
    except (ValueError, TypeError):
        return  # a compute_output_shape that cannot take these shapes: the placeholder runs stand
    ran = flatten(specs)
    if len(computed) != len(ran):
        return
    for spec, shape in zip(ran, (c.shape for c in computed)):
        if len(shape) == len(spec.shape):
            spec.shape = tuple(None if c is None else r for r, c in zip(spec.shape, shape))


def _specs_from_compute_output_shape(layer, inputs):
    """Output (and mask) specs from the layer's own `compute_output_shape` (and `compute_output_dtype`,
    where a layer's outputs are not of its own dtype: a TextVectorization takes strings, gives ints)."""
    shapes = map_structure(lambda t: t.shape, inputs)
    out_shapes = layer.compute_output_shape(shapes)
    in_masks = [t._keras_mask for t in flatten(inputs) if isinstance(t, KerasTensor)]
    dtype = layer.compute_output_dtype() if hasattr(layer, "compute_output_dtype") else layer.dtype
    specs = _shape_specs(out_shapes, dtype)
    flat = flatten(specs)
    # A layer that passes masks through keeps the first input's mask when the output keeps its shape.
    masks = [None] * len(flat)
    if layer.supports_masking and in_masks and in_masks[0] is not None and len(flat) == 1:
        mask = in_masks[0]
        if tuple(mask.shape) == tuple(flat[0].shape[:len(mask.shape)]):
            masks = [_Spec(mask.shape, mask.dtype)]
    return specs, masks


def _defines_output_shape(layer):
    # `Layer.compute_output_shape` itself runs the placeholders (it is marked so): only an override counts.
    return not getattr(type(layer).compute_output_shape, "runs_placeholders", False)


def _shape_specs(shapes, dtype):
    if isinstance(shapes, (tuple, list)) and all(d is None or isinstance(d, int) for d in shapes):
        return _Spec(tuple(shapes), dtype)
    if isinstance(shapes, dict):
        return {k: _shape_specs(v, dtype) for k, v in shapes.items()}
    return [_shape_specs(s, dtype) for s in shapes]


def _check_symbolic_arguments(layer, extra_args, kwargs):
    # A symbolic mask (a KerasTensor's `_keras_mask`) has no producing layer, so the graph could not
    # replay it; in the functional API masks travel with their tensors instead.
    for t in flatten((list(extra_args), kwargs)):
        if isinstance(t, KerasTensor) and t._keras_history is None:
            raise ValueError(
                f'Layer "{layer.name}" was passed the symbolic tensor {t!r}, which is not the output of a '
                "layer or an `Input`. In the functional API masks travel with their tensors: call the "
                "layer on the masked tensor and it receives the mask itself.")


def infer_output_shapes(layer, input_shape):
    """Output shape(s) of `layer` for `input_shape` (a shape tuple or a list of them)."""
    def is_shape(s):
        return isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s)

    if is_shape(input_shape):
        inputs = KerasTensor(input_shape, layer.dtype)
    else:
        inputs = [KerasTensor(tuple(s), layer.dtype) for s in input_shape]
    specs, _ = _run_on_placeholders(layer, inputs, (), {})
    return map_structure(lambda spec: spec.shape, specs)


def _placeholder(t, fill):
    shape = tuple(fill if d is None else d for d in t.shape)
    if t.dtype == STRING:
        return string_placeholder(shape)  # strings stay on the host
    # Masks are all True, so that no placeholder step is masked out entirely.
    return ops.ones(shape, dtype="bool") if t.dtype == "bool" else ops.zeros(shape, dtype=t.dtype)


def _concrete(structure, fill):
    def make(t):
        if not isinstance(t, KerasTensor):
            return t
        value = _placeholder(t, fill)
        if t._keras_mask is not None:
            value._keras_mask = _placeholder(t._keras_mask, fill)
        return value
    return map_structure(make, structure)


class _Spec:
    """Shape and dtype of one output (a leaf for `map_structure`, unlike a plain tuple)."""
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype


def _mask_spec(t):
    mask = getattr(t, "_keras_mask", None)
    return None if mask is None else _Spec(mask.shape, mask.dtype)


def _run_on_placeholders(layer, inputs, extra_args, kwargs):
    """Runs `layer` in inference mode on zeros (masks: all True), once with unknown dims set to 1 and once
    to 2; output dims that differ between the runs are unknown (None). Returns the output structure of
    `_Spec`s and the flat list of output mask `_Spec`s (None where an output has no mask)."""
    has_unknown = any(d is None for t in flatten(inputs) if isinstance(t, KerasTensor) for d in t.shape)
    results = []
    saved_tapes = list(tape_module._active)
    tape_module._active.clear()  # placeholder runs must never land on a user's tape
    saved_losses = layer._call_losses
    try:
        for fill in ((1, 2) if has_unknown else (1,)):
            args = _concrete((inputs,) + tuple(extra_args), fill)
            kw = _concrete(dict(kwargs), fill)
            # Always inference mode, whatever the caller asked for: a placeholder run must not change
            # state (BatchNormalization would fold these zeros into its moving statistics).
            kw["training"] = False
            with call_context.enter(False), call_context.placeholder_run():
                out = layer.__call__(*args, **kw)
            specs = map_structure(lambda t: _Spec(t.shape, t.dtype), out)
            results.append((specs, [_mask_spec(t) for t in flatten(out)]))
    finally:
        tape_module._active.extend(saved_tapes)
        layer._clear_call_losses()
        layer._call_losses = saved_losses
    if len(results) == 2:
        (first, first_masks), (second, second_masks) = results
        pairs = list(zip(flatten(first), flatten(second)))
        pairs += [(a, b) for a, b in zip(first_masks, second_masks) if a is not None and b is not None]
        for a, b in pairs:
            a.shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
    return results[0]
