"""Merge layers: elementwise Add, Subtract, Multiply, Average, Maximum, Minimum (with broadcasting as
tf.keras allows), Concatenate and Dot; plus their functional forms (`add([a, b])`, ...)."""
import math

from kerasx import ops
from kerasx.engine.base_layer import Layer


def _is_shape_list(input_shape):
    return (isinstance(input_shape, (list, tuple)) and len(input_shape) > 0
            and all(s is None or isinstance(s, (list, tuple)) for s in input_shape))


class _Merge(Layer):
    """Base of the elementwise merges: checks the shapes in `build`, then calls `_merge_function` on
    the inputs, first expanding lower-rank inputs at axis 1 so that they broadcast."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    def _merge_function(self, inputs):
        raise NotImplementedError("abstract: each merge layer defines how it combines its inputs")

    def _compute_elemwise_op_output_shape(self, shape1, shape2):
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return self._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        output_shape = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1:
                output_shape.append(j)
            elif j == 1:
                output_shape.append(i)
            else:
                if i != j:
                    raise ValueError("Inputs have incompatible shapes. "
                                     f"Received shapes {tuple(shape1)} and {tuple(shape2)}")
                output_shape.append(i)
        return tuple(output_shape)

    def _check_shapes(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: input_shape={input_shape} (not a list of shapes)")
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError("Cannot merge tensors with different batch sizes. "
                             f"Got tensors with shapes {list(input_shape)}")
        output_shape = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = self._compute_elemwise_op_output_shape(
                output_shape, None if shape is None else tuple(shape[1:]))
        return output_shape, batch_sizes

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self._reshape_required = (None in input_shape or len({len(s) for s in input_shape}) != 1)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: inputs={inputs} (not a list of tensors)")
        if self._reshape_required:
            max_ndim = max(x.ndim for x in inputs)
            expanded = []
            for x in inputs:
                for _ in range(max_ndim - x.ndim):
                    x = ops.expand_dims(x, 1)
                expanded.append(x)
            inputs = expanded
        return self._merge_function(list(inputs))

    def compute_output_shape(self, input_shape):
        output_shape, batch_sizes = self._check_shapes(input_shape)
        if output_shape is None:
            return None
        batch = next(iter(batch_sizes)) if len(batch_sizes) == 1 else None
        return (batch,) + output_shape

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (tuple, list)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")
        if not isinstance(inputs, (tuple, list)):
            raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
        if len(mask) != len(inputs):
            raise ValueError("The lists `inputs` and `mask` should have the same length. "
                             f"Received: inputs={inputs} of length {len(inputs)}, and mask={mask} of "
                             f"length {len(mask)}")
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = ops.logical_and(out, m)
        return out


class Add(_Merge):
    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output


class Subtract(_Merge):
    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        super().build(input_shape)

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs}")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.multiply(output, x)
        return output


class Average(_Merge):
    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return ops.divide(output, float(len(inputs)))


class Maximum(_Merge):
    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.maximum(output, x)
        return output


class Minimum(_Merge):
    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.minimum(output, x)
        return output


class Concatenate(_Merge):
    """Joins the inputs along `axis`; all other dimensions must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 input. "
                             f"Received: input_shape={input_shape}")
        if all(s is None for s in input_shape):
            self.built = True
            return
        reduced = set()
        for shape in input_shape:
            shape = list(shape)
            del shape[self.axis]
            reduced.add(tuple(shape))
        if len(reduced) != 1:
            err = ("A `Concatenate` layer requires inputs with matching shapes except for the "
                   f"concatenation axis. Received: input_shape={list(input_shape)}")
            ranks = {len(s) for s in reduced}
            if len(ranks) != 1:
                raise ValueError(err)
            for axis in range(next(iter(ranks))):
                if len({s[axis] for s in reduced if s[axis] is not None}) > 1:
                    raise ValueError(err)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer should be called on a list of inputs. "
                             f"Received: inputs={inputs} (not a list of tensors)")
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs. "
                             f"Received: input_shape={input_shape}")
        output_shape = list(input_shape[0])
        for shape in input_shape[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (tuple, list)):
            raise ValueError(f"`mask` should be a list. Received mask={mask}")
        if not isinstance(inputs, (tuple, list)):
            raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
        if len(mask) != len(inputs):
            raise ValueError("The lists `inputs` and `mask` should have the same length. "
                             f"Received: inputs={inputs} of length {len(inputs)}, and mask={mask} of "
                             f"length {len(mask)}")
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(ops.ones(x.shape, dtype="float32"))
            else:
                m = ops.cast(m, dtype="float32")
                masks.append(ops.expand_dims(m, -1) if m.ndim < x.ndim else m)
        joined = ops.concatenate(masks, axis=self.axis)
        return ops.greater(ops.min(joined, axis=-1), 0.5)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot product of two samples-wise tensors along `axes` (an int, or one axis per input), as
    `K.batch_dot`; with `normalize=True` the inputs are L2-normalised first, giving cosine similarity."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError("Invalid type for argument `axes`: it should be a list or an int. "
                                f"Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError("Invalid format for argument `axes`: it should contain two elements. "
                                 f"Received: axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError("Invalid format for argument `axes`: list elements should be integers. "
                                 f"Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True
        self._reshape_required = False

    def _pair(self, rank1, rank2):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        return axes[0] % rank1 if axes[0] < 0 else axes[0], axes[1] % rank2 if axes[1] < 0 else axes[1]

    def _check(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(f'A `Dot` layer should be called on a list of 2 inputs (layer "{self.name}"). '
                             f"Received: input_shape={input_shape}")
        shape1, shape2 = (tuple(s) for s in input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(f'Layer "{self.name}" (Dot): Cannot do batch_dot on inputs with rank < 2. '
                             f"Received inputs with shapes {shape1} and {shape2}.")
        axes = self._pair(len(shape1), len(shape2))
        if 0 in axes:
            raise ValueError(f'Layer "{self.name}" (Dot): Cannot perform batch_dot over axis 0 (the batch '
                             f"axis). Received: axes={self.axes}")
        if shape1[axes[0]] is not None and shape2[axes[1]] is not None and shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError(f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis "
                             f"{axes[0]}) != {shape2[axes[1]]} (at axis {axes[1]}). Full input shapes: "
                             f'{shape1}, {shape2} (layer "{self.name}")')
        return shape1, shape2, axes

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        x1, x2 = inputs
        axes = self._pair(x1.ndim, x2.ndim)
        if self.normalize:
            x1, x2 = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
        return _batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        shape1, shape2, axes = self._check(input_shape)
        shape1, shape2 = list(shape1), list(shape2)
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _l2_normalize(x, axis):
    # As tf.math.l2_normalize: the squared norm is floored at 1e-12, so a zero vector stays zero.
    squared = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(squared, 1e-12)))


def _batch_dot(x, y, axes):
    """`K.batch_dot`: for each sample, contracts x's axis axes[0] with y's axis axes[1]. The output is
    x's other axes, then y's other non-batch axes; (batch, 1) when both inputs are 2-D. Runs as one
    batched matmul (batch, m, k) @ (batch, k, n) after moving the contracted axes into place."""
    a0, a1 = axes
    x_rest = [d for i, d in enumerate(x.shape) if i not in (0, a0)]
    y_rest = [d for i, d in enumerate(y.shape) if i not in (0, a1)]
    batch, k = x.shape[0], x.shape[a0]
    xt = ops.transpose(x, axes=[0] + [i for i in range(1, x.ndim) if i != a0] + [a0])
    yt = ops.transpose(y, axes=[0, a1] + [i for i in range(1, y.ndim) if i != a1])
    out = ops.matmul(ops.reshape(xt, shape=(batch, math.prod(x_rest), k)),
                     ops.reshape(yt, shape=(batch, k, math.prod(y_rest))))
    rest = x_rest + y_rest
    return ops.reshape(out, shape=(batch,) + tuple(rest if rest else [1]))


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
