"""BatchNormalization's training variants, as tf.keras 2.x runs them on its non-fused path: batch
renormalization (`renorm`), ghost batches (`virtual_batch_size`) and a training-time `adjustment`.

All three start from the batch-statistics primitive with no scale or offset, ``x_hat``, then apply one
composed scale and offset:

- `adjustment(input_shape) -> (a, b)` turns ``gamma, beta`` into ``a * gamma, b * gamma + beta``;
- renorm's corrections ``r = clip(sigma_B / sigma_renorm)``, ``d = clip((mu_B - mu_renorm) / sigma_renorm)``
  (Ioffe 2017; constants for the gradient, from the renorm averages before this step's update) turn
  them into ``r * gamma, d * gamma + beta``;
- ghost batches reshape ``(B, ...)`` to ``(virtual_batch_size, B // virtual_batch_size, ...)``, as tf does,
  so that ghost batch ``j`` holds rows ``j, j + n, j + 2n, ...`` (``n = B // virtual_batch_size``); each is
  normalized with its own statistics and the moving averages take their mean.

With renorm the layer keeps tf.keras's extra non-trainable weights ``moving_stddev``, ``renorm_mean`` and
``renorm_stddev`` (in that order, after ``moving_variance``), and ``moving_variance`` follows
``moving_stddev ** 2 - epsilon``.
"""
from kerasx import ops
from kerasx.autodiff.tensor import as_tensor

RENORM_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


def _compose(scale, offset, then_scale, then_offset):
    """``(scale, offset)`` followed by ``(then_scale, then_offset)`` as one scale and offset, as
    tf.keras's `_compose_transforms` (None is the identity)."""
    if then_scale is not None:
        scale = ops.multiply(scale, then_scale)
        offset = ops.multiply(offset, then_scale)
    if then_offset is not None:
        offset = ops.add(offset, then_offset)
    return scale, offset


class BatchNormVariants:
    """Mixed into `BatchNormalization`: `_train_variant` and its renorm weights."""

    def _uses_variant(self):
        return bool(self.renorm) or self.virtual_batch_size is not None or self.adjustment is not None

    def _add_renorm_weights(self, param_shape):
        def stddev_initializer(shape, dtype=None):
            return ops.sqrt(as_tensor(self.moving_variance_initializer(shape, dtype=dtype)))

        self.moving_stddev = self.add_weight("moving_stddev", shape=param_shape, initializer=stddev_initializer,
                                             trainable=False)
        self.renorm_mean = self.add_weight("renorm_mean", shape=param_shape,
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.renorm_stddev = self.add_weight("renorm_stddev", shape=param_shape, initializer=stddev_initializer,
                                             trainable=False)

    def _check_batch(self, inputs, mask):
        """Raises before any update when ghost batches cannot cut this batch."""
        vbs = self.virtual_batch_size
        if vbs is None:
            return
        if inputs.shape[0] % vbs:
            raise ValueError(f'Layer "{self.name}" (BatchNormalization): `virtual_batch_size`={vbs} must divide '
                             f"the batch size, but it received a batch of {inputs.shape[0]}.")
        if mask is not None:
            raise ValueError(f'Layer "{self.name}" (BatchNormalization) does not support masks together with '
                             "`virtual_batch_size`: its ghost batches would mix masked and unmasked rows.")

    def _train_variant(self, inputs, mask, axes, epsilon):
        self._check_batch(inputs, mask)
        vbs = self.virtual_batch_size
        x, channels = inputs, axes
        if vbs is not None:
            x = ops.reshape(inputs, (vbs, inputs.shape[0] // vbs) + tuple(inputs.shape[1:]))
            channels = tuple(a + 1 for a in axes)
        kept = ((1,) if vbs is not None else ()) + channels
        if mask is not None:
            x_hat, mean, variance = self._masked_batch_norm(x, mask, kept, epsilon, scaled=False)
        else:
            x_hat, mean, variance = ops.batch_norm_train(x, None, None, axes=kept, epsilon=epsilon)
        if vbs is not None:
            # One moving update from the ghost batches' mean statistics, as tf.keras does.
            mean = ops.mean(mean, axis=1, keepdims=True)
            variance = ops.mean(variance, axis=1, keepdims=True)
        shape = tuple(x.shape[i] if i in channels else 1 for i in range(x.ndim))
        scale = None if self.gamma is None else ops.reshape(self.gamma, shape)
        offset = None if self.beta is None else ops.reshape(self.beta, shape)
        if self.adjustment is not None:
            adj_scale, adj_bias = self.adjustment(tuple(inputs.shape))
            scale, offset = _compose(as_tensor(adj_scale), as_tensor(adj_bias), scale, offset)
        stats = (ops.stop_gradient(mean), ops.stop_gradient(variance))
        if self.renorm:
            r, d = self._renorm_correction(*stats, epsilon)
            scale, offset = _compose(r, d, scale, offset)
        y = x_hat
        if scale is not None:
            y = ops.multiply(y, scale)
        if offset is not None:
            y = ops.add(y, offset)
        self._update_moving_statistics(*stats, epsilon)
        return ops.reshape(y, inputs.shape) if vbs is not None else y

    def _renorm_correction(self, mean, variance, epsilon):
        """``(r, d)`` from this batch's statistics and the renorm averages before this step."""
        stddev = ops.sqrt(ops.add(variance, epsilon))
        renorm_stddev = ops.maximum(ops.reshape(self.renorm_stddev, mean.shape), epsilon ** 0.5)
        r = ops.divide(stddev, renorm_stddev)
        d = ops.divide(ops.subtract(mean, ops.reshape(self.renorm_mean, mean.shape)), renorm_stddev)
        clip = self.renorm_clipping
        if clip.get("rmin") is not None:
            r = ops.maximum(r, clip["rmin"])
        if clip.get("rmax") is not None:
            r = ops.minimum(r, clip["rmax"])
        if clip.get("dmax") is not None:
            d = ops.minimum(ops.maximum(d, -clip["dmax"]), clip["dmax"])
        return r, d

    def _update_moving_statistics(self, mean, variance, epsilon):
        ops.assign_moving_average(self.moving_mean, mean, self.momentum)
        if not self.renorm:
            ops.assign_moving_average(self.moving_variance, variance, self.momentum)
            return
        stddev = ops.sqrt(ops.add(variance, epsilon))
        ops.assign_moving_average(self.renorm_mean, mean, self.renorm_momentum)
        ops.assign_moving_average(self.renorm_stddev, stddev, self.renorm_momentum)
        ops.assign_moving_average(self.moving_stddev, stddev, self.momentum)
        # relu: rounding must not make the variance negative.
        self.moving_variance.assign(ops.relu(ops.subtract(ops.square(self.moving_stddev), epsilon)))
