"""EinsumDense (tf.keras.layers.EinsumDense): ``activation(einsum(equation, inputs, kernel) + bias)``,
the kernel's and bias's shapes worked out from the equation as tf.keras's `_analyze_einsum_string`
does, so weights move between the two."""
import re

from kerasx import activations, ops
from kerasx.engine.base_layer import Layer
from kerasx.layers.weight_arguments import add_configured_weight, serialize_arguments, store_weight_arguments

_CONFIG = ("output_shape", "equation", "activation", "bias_axes", "kernel_initializer", "bias_initializer",
           "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
           "bias_constraint")


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """``(kernel_shape, bias_shape or None, full_output_shape)`` for an EinsumDense equation, as
    tf.keras: ``[X],[Y]->[Z]``, ``...[X],[Y]->...[Z]`` or ``[X]...,[Y]->[Z]...``."""
    dot_replaced = re.sub(r"\.\.\.", "0", equation)
    for pattern, left_elided in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                                 ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                                 ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False)):
        split = re.match(pattern, dot_replaced)
        if split:
            return _analyze_split_string(split, bias_axes, input_shape, output_shape, left_elided)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split_string(split, bias_axes, input_shape, output_shape, left_elided):
    input_spec, weight_spec, output_spec = split.group(1), split.group(2), split.group(3)
    elided = len(input_shape) - len(input_spec)
    has_ellipsis = "0" in split.string
    if elided < 0 or (elided and not has_ellipsis):
        raise ValueError(f"EinsumDense: the equation's input spec '{input_spec}' names {len(input_spec)} axes but "
                         f"the input has rank {len(input_shape)} (shape {input_shape}).")
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    if len(output_shape) != len(output_spec) + (elided if elided > 0 else 0):
        raise ValueError(f"EinsumDense: `output_shape` {output_shape[1:]} must give one size per output axis of "
                         f"the equation after the batch axis ('{output_spec}' for an input of rank "
                         f"{len(input_shape)}).")
    for dim in input_spec:
        input_size = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            output_size = output_shape[output_dim_map[dim]]
            if output_size is not None and output_size != input_size:
                raise ValueError(f"Input shape and output shape do not match at shared dimension '{dim}'. "
                                 f"Input shape is {input_size}, and output shape is {output_size}.")
            # A size left None is the input's (tf.keras leaves it None in the output shape it reports).
            output_shape[output_dim_map[dim]] = input_size
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(f"Dimension '{dim}' was specified in the output '{output_spec}' but has no "
                             f"corresponding dim in the input spec '{input_spec}' or weight spec "
                             f"'{output_spec}'")
    weight_shape = []
    for dim in weight_spec:
        if dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
        elif dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
        else:
            raise ValueError(f"Weight dimension '{dim}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight "
                             "must be fully specified.")
    if any(d is None for d in weight_shape):
        raise ValueError(f"EinsumDense: the kernel's shape {weight_shape} (axes '{weight_spec}') must be fully "
                         f"known; give the sizes in `output_shape` or the input shape ({input_shape}).")
    bias_shape = None
    if bias_axes is not None:
        num_left_elided = elided if left_elided else 0
        idx_map = {char: output_shape[i + num_left_elided] for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"Bias dimension '{char}' was requested, but is not part of the output spec "
                                 f"'{output_spec}'")
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [idx_map[char] if char in bias_axes else 1 for char in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    return weight_shape, bias_shape, output_shape


class EinsumDense(Layer):
    """A Dense layer of any dimensionality, its contraction given by an einsum equation."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: `equation` must be a string, received {equation!r}.")
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise TypeError(f"EinsumDense: `bias_axes` must be a string of output axes or None, received "
                            f"{bias_axes!r}.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = [output_shape]
        else:
            self.partial_output_shape = list(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        store_weight_arguments(self, "kernel", kernel_initializer, kernel_regularizer, kernel_constraint)
        store_weight_arguments(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.full_output_shape = None

    def build(self, input_shape):
        input_shape = tuple(None if d is None else int(d) for d in input_shape)
        kernel_shape, bias_shape, self.full_output_shape = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.kernel = add_configured_weight(self, "kernel", tuple(kernel_shape))
        self.bias = None if bias_shape is None else add_configured_weight(self, "bias", tuple(bias_shape))
        self.built = True

    def call(self, inputs):
        out = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            out = ops.add(out, self.bias)
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return tuple(analyze_einsum_string(self.equation, self.bias_axes, input_shape,
                                           self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, _CONFIG[1:]))
        # `output_shape` first, as tf.keras writes it (Layer.output_shape is the node's, so not read off).
        config = {**{k: v for k, v in config.items() if k not in _CONFIG}, "output_shape": self.partial_output_shape,
                  **{k: config[k] for k in _CONFIG[1:]}}
        return config
