"""`InputSpec`: what a layer accepts (rank, dtype, fixed axis sizes), checked before `build`/`call` with
Keras's messages; and the check of the shape arguments that declare a model's input (`Input(shape=...)`,
`input_shape=` on a first layer)."""
import numbers


class InputSpec:
    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    def __repr__(self):
        fields = {k: v for k, v in self.get_config().items() if v}
        return "InputSpec(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def assert_input_compatibility(specs, shapes, layer):
    """Raises ValueError in Keras's words when an input shape does not fit the layer's spec."""
    if specs is None:
        return
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    if len(shapes) != len(specs):
        raise ValueError(
            f'Layer "{layer.name}" expects {len(specs)} input(s), but it received {len(shapes)} input '
            "tensors.")
    where = f'layer "{layer.name}" ({type(layer).__name__})'
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is None:
            continue
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(
                f"Input {i} of {where} is incompatible: expected ndim={spec.ndim}, found ndim={rank}. "
                f"Full shape received: {tuple(shape)}")
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"Input {i} of {where} is incompatible: expected max_ndim={spec.max_ndim}, found "
                f"ndim={rank}. Full shape received: {tuple(shape)}")
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"Input {i} of {where} is incompatible: expected min_ndim={spec.min_ndim}, found "
                f"ndim={rank}. Full shape received: {tuple(shape)}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            idx = axis if axis >= 0 else rank + axis
            if not 0 <= idx < rank or shape[idx] not in (value, None):
                axis_name = "last dimension" if axis == -1 else f"axis {axis}"
                raise ValueError(
                    f"Input {i} of {where} is incompatible: expected {axis_name} {value}, received "
                    f"input with shape {tuple(shape)}.")
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(
                        f"Input {i} of {where} is incompatible: expected shape={spec.shape}, found "
                        f"shape={tuple(shape)}")


def check_shape_argument(owner, argument, shape):
    """`shape` (a tuple, a list or one int) as a tuple, each dimension a positive int or None (unknown);
    anything else is refused, naming `argument` of `owner`. A dimension of 0 is refused too: tf.keras
    accepts it, but it makes an input with no features (a Dense on it gives only its bias), which is
    always a mistake in the shape, found here rather than as odd results later."""
    scalar = shape is None or isinstance(shape, numbers.Integral)
    dims = (shape,) if scalar else shape
    expected = ("a positive integer or None" if scalar
                else "a tuple of positive integers or None (unknown sizes)")
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"{owner}: `{argument}` must be {expected}; received {argument}={shape!r} of type "
                        f"{type(shape).__name__}.")
    for d in dims:
        if d is None:
            continue
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d <= 0:
            where = "" if scalar else f" (the dimension {d!r} is not a positive integer)"
            raise ValueError(f"{owner}: `{argument}` must be {expected}; received {argument}={shape!r}"
                             f"{where}.")
    return tuple(None if d is None else int(d) for d in dims)
