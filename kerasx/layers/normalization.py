"""Normalization layers: BatchNormalization and LayerNormalization (tf.keras.layers)."""
import warnings

from kerasx import initializers, ops
from kerasx.engine.base_layer import Layer
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.batch_norm_variants import RENORM_CLIPPING_KEYS, BatchNormVariants
from kerasx.layers.weight_arguments import add_configured_weight, serialize_arguments, store_weight_arguments

# fused_batch_norm silently raises epsilon to this (a cuDNN requirement); tf.keras's fused path keeps it.
_FUSED_MIN_EPSILON = 1.001e-5
_FUSED_DTYPES = ("float16", "bfloat16", "float32")


def _check_axis_type(axis):
    if isinstance(axis, (list, tuple)):
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', but "
                            f"received: {axis!r}")
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', but received: "
                    f"{axis!r}")


def validate_axis(layer, axis, input_shape):
    """`axis` (int or list) as a list of non-negative axes of `input_shape`, as tf_utils.validate_axis,
    with the layer named in each message."""
    rank = len(input_shape)
    where = f'layer "{layer.name}" ({type(layer).__name__})'
    if not rank:
        raise ValueError(f"Input of {where} has undefined rank. Received: input_shape={tuple(input_shape)}")
    axes = [axis] if isinstance(axis, int) else list(axis)
    resolved = [a + rank if a < 0 else a for a in axes]
    if any(not 0 <= a < rank for a in resolved):
        raise ValueError(f"Invalid value for `axis` argument of {where}. Expected 0 <= axis < inputs.rank "
                         f"(with inputs.rank={rank}). Received: axis={tuple(axes)}")
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"Duplicate axis in {where}: {tuple(axes)}")
    undefined = [a for a in resolved if input_shape[a] is None]
    if undefined:
        raise ValueError(f"Input of {where} has undefined `axis` dimension. Received input with shape "
                         f"{tuple(input_shape)} and axis={tuple(resolved)}")
    return resolved


class _Normalization(Layer):
    """What both normalizations share: the axis, the gamma/beta weights and their config."""

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        axis = _check_axis_type(axis)
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        store_weight_arguments(self, "beta", beta_initializer, beta_regularizer, beta_constraint)
        store_weight_arguments(self, "gamma", gamma_initializer, gamma_regularizer, gamma_constraint)
        self.supports_masking = True

    def _add_scale_and_offset(self, param_shape):
        # tf.keras creates gamma before beta: their order in `weights` and in .h5 files.
        self.gamma = add_configured_weight(self, "gamma", param_shape) if self.scale else None
        self.beta = add_configured_weight(self, "beta", param_shape) if self.center else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(serialize_arguments(self, (
            "axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "beta_regularizer",
            "gamma_regularizer", "beta_constraint", "gamma_constraint")))
        return config


class BatchNormalization(BatchNormVariants, _Normalization):
    """Normalizes with the batch's statistics in training and with moving averages of them at
    inference, as tf.keras 2.x's BatchNormalization.

    A layer with ``trainable = False`` always runs in inference mode, even inside ``fit`` (tf.keras 2.x:
    freezing a BN layer for fine-tuning freezes its statistics too). The moving statistics are updated
    in place during each training call and never enter a gradient tape."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, virtual_batch_size=None, adjustment=None, synchronized=False,
                 **kwargs):
        renorm_clipping = dict(renorm_clipping or {})
        if set(renorm_clipping) - set(RENORM_CLIPPING_KEYS):
            raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {renorm_clipping}. "
                             f"Supported values: {list(RENORM_CLIPPING_KEYS)}.")
        if synchronized and fused:
            raise ValueError("Passing `fused=True` is not supported when `synchronized=True`.")
        if synchronized and (renorm or virtual_batch_size is not None or adjustment is not None):
            raise ValueError("`synchronized=True` cannot be combined with `renorm`, `virtual_batch_size` or "
                             "`adjustment`.")
        if fused:
            _check_fusable_axis(axis)
            if renorm:
                raise ValueError("Passing both `fused=True` and `renorm=True` is not supported")
            if virtual_batch_size is not None:
                raise ValueError("Passing `fused=True` is not supported when `virtual_batch_size` is specified.")
            if adjustment is not None:
                raise ValueError("Passing `fused=True` is not supported when `adjustment` is specified.")
        if virtual_batch_size is not None and (isinstance(virtual_batch_size, bool) or
                                               not isinstance(virtual_batch_size, int) or virtual_batch_size <= 0):
            raise ValueError("`virtual_batch_size` must be a positive integer that divides the true batch size of "
                             f"the input tensor. Received: virtual_batch_size={virtual_batch_size}")
        if virtual_batch_size is not None and adjustment is not None:
            raise ValueError("When using `virtual_batch_size`, adjustment cannot be specified")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.momentum = momentum
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = bool(renorm)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.fused = fused
        self.virtual_batch_size = virtual_batch_size
        self.adjustment = adjustment
        # Batch statistics over every replica's rows of the global batch (kerasx/distribute's steps);
        # alone, the statistics of this batch, as without it.
        self.synchronized = bool(synchronized)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axis = validate_axis(self, self.axis, input_shape)
        rank = len(input_shape)
        if self.fused and rank not in (4, 5):
            raise ValueError("Batch normalization layers with `fused=True` only support 4D or 5D input "
                             f'tensors (layer "{self.name}"). Received tensor with shape: {input_shape}')
        if self.virtual_batch_size is not None and 0 in axis:
            raise ValueError("When using `virtual_batch_size`, the batch dimension must be 0 and thus axis cannot "
                             f'include 0 (layer "{self.name}"). Received axis={tuple(axis)}')
        self.axis = axis
        axis_to_dim = {a: input_shape[a] for a in axis}
        self.input_spec = InputSpec(ndim=rank, axes=axis_to_dim)
        # As tf.keras: one axis gives (C,) weights; several keep the input's rank with 1 elsewhere, and
        # ghost batches add a 1 for their own axis after the batch's.
        if len(axis) == 1 and self.virtual_batch_size is None:
            param_shape = (input_shape[axis[0]],)
        else:
            param_shape = tuple(axis_to_dim.get(i, 1) for i in range(rank))
            if self.virtual_batch_size is not None:
                param_shape = param_shape[:1] + (1,) + param_shape[1:]
        self._add_scale_and_offset(param_shape)
        self.moving_mean = self.add_weight("moving_mean", shape=param_shape,
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape=param_shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        if self.renorm:
            self._add_renorm_weights(param_shape)
        self.built = True

    def _fused_path(self, rank):
        """Whether tf.keras 2.x would run this input through fused_batch_norm, whose numbers differ:
        its moving variance takes the unbiased (Bessel-corrected) batch variance and its epsilon is at
        least 1.001e-5; the non-fused path (other ranks and axes, float64) uses the biased one."""
        if (self.fused is False or self.synchronized or rank not in (4, 5) or len(self.axis) != 1
                or self._uses_variant()):
            return False
        return self.axis[0] in (1, rank - 1) and self.dtype in _FUSED_DTYPES

    def call(self, inputs, training=None, mask=None):
        axes = tuple(sorted(self.axis))
        fused = self._fused_path(inputs.ndim)
        epsilon = max(self.epsilon, _FUSED_MIN_EPSILON) if fused else self.epsilon
        if not (training and self.trainable):
            return ops.batch_norm_infer(inputs, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                                        axes=axes, epsilon=epsilon)
        if self._uses_variant():
            return self._train_variant(inputs, mask, axes, epsilon)
        if mask is not None and fused:
            warnings.warn("Masking is not supported with `fused=True`. You should either turn off fusing "
                          "(`fused=False`) or you should not pass a `mask` argument when calling the layer. "
                          "For the moment `mask` will be ignored for the normalization.", stacklevel=2)
        if self.synchronized and mask is None:
            outputs, mean, variance = self._synchronized_batch_norm(inputs, axes, epsilon)
        elif mask is not None and not fused:
            outputs, mean, variance = self._masked_batch_norm(inputs, mask, axes, epsilon)
        else:
            outputs, mean, variance = ops.batch_norm_train(inputs, self.gamma, self.beta, axes=axes,
                                                           epsilon=epsilon)
        count = inputs.size // max(mean.size, 1)
        bessel = count / max(count - 1, 1) if fused else 1.0
        ops.assign_moving_average(self.moving_mean, mean, self.momentum)
        ops.assign_moving_average(self.moving_variance, variance, self.momentum, value_scale=bessel)
        return outputs

    def _synchronized_batch_norm(self, inputs, axes, epsilon):
        """The batch statistics over the rows of every replica: each replica's sum, sum of squares and
        count, summed over the replicas in one `cross_replica_sum` (whose gradient sums the replicas'
        gradients back), then ``mean = sum / n`` and ``variance = sum of squares / n - mean**2``."""
        reduce = tuple(i for i in range(inputs.ndim) if i not in axes)
        local_sum = ops.sum(inputs, axis=reduce, keepdims=True)
        local_squares = ops.sum(ops.square(inputs), axis=reduce, keepdims=True)
        count = ops.fill((1,), float(inputs.size // max(local_sum.size, 1)), inputs.dtype)
        size = int(local_sum.size)
        totals = ops.cross_replica_sum(ops.concatenate(
            [ops.reshape(local_sum, (-1,)), ops.reshape(local_squares, (-1,)), count], axis=0))
        n = ops.getitem(totals, slice(2 * size, 2 * size + 1))
        mean = ops.reshape(ops.divide(ops.getitem(totals, slice(0, size)), n), local_sum.shape)
        mean_of_squares = ops.reshape(ops.divide(ops.getitem(totals, slice(size, 2 * size)), n), local_sum.shape)
        variance = ops.maximum(ops.subtract(mean_of_squares, ops.square(mean)), 0.0)
        outputs = ops.batch_norm_infer(inputs, mean, variance, self.gamma, self.beta, axes=axes, epsilon=epsilon)
        return outputs, mean, variance

    def _masked_batch_norm(self, inputs, mask, axes, epsilon, scaled=True):
        """Statistics over the unmasked positions only (tf.nn.weighted_moments with the mask as
        frequency weights, as tf.keras's non-fused path). Composed: the inference primitive is
        differentiable in the mean and variance, so gradients flow through the statistics."""
        if tuple(mask.shape) != tuple(inputs.shape[:-1]):
            raise ValueError(f'Layer "{self.name}" (BatchNormalization) expects a mask of shape '
                             f"{tuple(inputs.shape[:-1])} (the input's shape without its last axis), "
                             f"received a mask of shape {tuple(mask.shape)}.")
        weights = ops.expand_dims(ops.cast(mask, dtype=inputs.dtype), axis=-1)
        reduce = tuple(i for i in range(inputs.ndim) if i not in axes)

        def weighted_sum(t):
            return ops.sum(ops.multiply(weights, t), axis=reduce, keepdims=True)

        # The weights broadcast over the channels: each channel counts its own unmasked positions. A
        # fully masked batch gives 0 / max(0, 1) = 0, as div_no_nan does.
        count = ops.maximum(ops.sum(ops.add(weights, ops.zeros_like(inputs)), axis=reduce, keepdims=True),
                            1.0)
        mean = ops.divide(weighted_sum(inputs), count)
        variance = ops.divide(weighted_sum(ops.square(ops.subtract(inputs, mean))), count)
        gamma, beta = (self.gamma, self.beta) if scaled else (None, None)
        outputs = ops.batch_norm_infer(inputs, mean, variance, gamma, beta, axes=axes, epsilon=epsilon)
        return outputs, mean, variance

    def get_config(self):
        config = super().get_config()
        config.update({
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        })
        # As tf.keras: its own extensions only when set, so that configs stay readable by other Kerases.
        if self.renorm:
            config.update(renorm=True, renorm_clipping=dict(self.renorm_clipping),
                          renorm_momentum=self.renorm_momentum)
        if self.virtual_batch_size is not None:
            config["virtual_batch_size"] = self.virtual_batch_size
        if self.synchronized:
            config["synchronized"] = True
        if self.adjustment is not None:
            warnings.warn(f'The `adjustment` function of BatchNormalization layer "{self.name}" cannot be '
                          "serialized and has been omitted from the layer config. It will not be included when "
                          "re-creating the layer from the saved config.", stacklevel=2)
        return config


def _check_fusable_axis(axis):
    axes = [axis] if isinstance(axis, int) else list(axis)
    if len(axes) > 1 or axes[0] not in (-4, -3, -1, 1, 3, 4):
        raise ValueError("Passing `fused=True` is only supported when axis is 1 or 3 for input rank = 4 or "
                         f"1 or 4 for input rank = 5. Got axis {tuple(axes)}")


class LayerNormalization(_Normalization):
    """Normalizes each example over `axis` (the last one by default) with its own mean and variance,
    in training and inference alike; gamma and beta have the shape of the input along `axis`."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axis = validate_axis(self, self.axis, input_shape)
        self.axis = axis
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: input_shape[a] for a in axis})
        self._add_scale_and_offset(tuple(input_shape[a] for a in axis))
        self.built = True

    def call(self, inputs):
        return ops.layer_norm(inputs, self.gamma, self.beta, axes=tuple(sorted(self.axis)),
                              epsilon=self.epsilon)
