"""Dot-product and additive attention over [query, value(, key)] (tf.keras 2.x's `dense_attention`:
`Attention`, `AdditiveAttention` and their `BaseDenseAttention`).

Scores are ``(batch..., T, S)``; the value's mask hides keys, `use_causal_mask` hides later positions,
both through tf.keras's ``scores - 1e9 * (1 - mask)``; the softmax runs over the keys, dropout (in
training) over the resulting weights, and the query's mask zeroes the output rows it hides. The dot
score runs as one fused op (`ops.attention`, the query scaled first when `use_scale`); the concat and
additive scores are composed from ops, then the same masking and softmax.
"""
import warnings

from kerasx import ops
from kerasx.engine.base_layer import Layer

_NEG = 1e9


class BaseDenseAttention(Layer):
    """What `Attention` and `AdditiveAttention` share: the inputs, masks, dropout and the softmax."""

    def __init__(self, dropout=0.0, **kwargs):
        if "causal" in kwargs:
            warnings.warn("`causal` argument is deprecated. Please use `use_causal_mask` in call() method to "
                          "specify causal masking.", stacklevel=2)
        self.causal = kwargs.pop("causal", False)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be a number in [0, 1), received {dropout!r}.")
        super().__init__(**kwargs)
        self.dropout = dropout
        self.supports_masking = True

    def _calculate_scores(self, query, key):
        raise NotImplementedError("abstract method: subclasses compute the (batch..., T, S) scores")

    def _validate_call_args(self, inputs, mask):
        class_name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{class_name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: {inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{class_name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask:
            if not isinstance(mask, list):
                raise ValueError(f"{class_name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: {mask}.")
            if len(mask) < 2 or len(mask) > len(inputs):
                raise ValueError(f"{class_name} layer mask must be a list of length 2, namely [query_mask, "
                                 f"value_mask]. Received length: {len(mask)}.")

    def _check_shapes(self, q, v, k):
        where = f'{type(self).__name__} "{self.name}"'
        if len(q.shape) < 3 or len(q.shape) != len(v.shape) or len(k.shape) != len(v.shape):
            raise ValueError(f"{where}: query, value and key must have the same rank, at least 3 (batch, positions, "
                             f"features); received shapes {tuple(q.shape)}, {tuple(v.shape)} and {tuple(k.shape)}.")
        if tuple(q.shape[:-2]) != tuple(v.shape[:-2]) or tuple(k.shape[:-1]) != tuple(v.shape[:-1]):
            raise ValueError(f"{where}: expected query (batch, T, dim), value (batch, S, dim_v) and key (batch, S, "
                             f"dim); received shapes {tuple(q.shape)}, {tuple(v.shape)} and {tuple(k.shape)}.")
        if q.shape[-1] != k.shape[-1]:
            raise ValueError(f"{where}: the query's and the key's last dimensions must be equal; received shapes "
                             f"{tuple(q.shape)} and {tuple(k.shape)}.")

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        self._validate_call_args(inputs=inputs, mask=mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        self._check_shapes(q, v, k)
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores_mask = None
        if v_mask is not None:
            scores_mask = ops.expand_dims(ops.cast(v_mask, dtype="bool"), -2)
        if self.causal or use_causal_mask:
            causal = ops.causal_mask(q.shape[-2], k.shape[-2])
            causal = ops.reshape(causal, (1,) * (len(q.shape) - 2) + tuple(causal.shape))
            scores_mask = causal if scores_mask is None else ops.logical_and(scores_mask, causal)
        dropout = None
        if training and self.dropout > 0:
            keep = 1.0 - float(self.dropout)
            shape = tuple(q.shape[:-1]) + (k.shape[-2],)
            dropout = ops.multiply(ops.random_bernoulli(shape, p=keep, dtype=q.dtype), 1.0 / keep)
        result, weights = self._attend(q, k, v, scores_mask, dropout, return_attention_scores)
        if q_mask is not None:
            result = ops.multiply(result, ops.cast(ops.expand_dims(q_mask, -1), dtype=result.dtype))
        if return_attention_scores:
            return result, weights
        return result

    def _attend(self, q, k, v, scores_mask, dropout, return_scores):
        """``(result, weights)``: the weighted values and the (dropped-out) weights, as tf.keras's
        `_apply_scores`; composed from ops, `Attention`'s dot score overrides it with the fused op."""
        scores = self._calculate_scores(query=q, key=k)
        if scores_mask is not None:
            padding = ops.cast(ops.logical_not(scores_mask), dtype=scores.dtype)
            scores = ops.subtract(scores, ops.multiply(padding, _NEG))
        weights = ops.softmax(scores, axis=-1)
        if dropout is not None:
            weights = ops.multiply(weights, dropout)
        return ops.matmul(weights, v), weights

    def compute_mask(self, inputs, mask=None):
        self._validate_call_args(inputs=inputs, mask=mask)
        if mask:
            return mask[0]
        return None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config["dropout"] = self.dropout
        return config


class Attention(BaseDenseAttention):
    """Dot-product (Luong-style) attention: scores ``query @ keyᵀ`` (times a learnt `scale` with
    `use_scale`), or with ``score_mode="concat"`` ``concat_score_weight * sum(tanh(scale * (q + k)))``."""

    def __init__(self, use_scale=False, score_mode="dot", **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError(f'Received: score_mode={score_mode}. Acceptable values are: ["dot", "concat"]')

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") if self.use_scale else None
        self.concat_score_weight = (self.add_weight(name="concat_score_weight", shape=(), initializer="ones")
                                    if self.score_mode == "concat" else None)
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.transpose(key, _swapped(len(key.shape))))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        summed = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def _attend(self, q, k, v, scores_mask, dropout, return_scores):
        if self.score_mode != "dot":
            return super()._attend(q, k, v, scores_mask, dropout, return_scores)
        # q @ kᵀ * scale is (q * scale) @ kᵀ: the fused op takes the learnt scale through the query.
        if self.scale is not None:
            q = ops.multiply(q, self.scale)
        if not return_scores:
            return ops.attention(q, k, v, scores_mask, dropout), None
        result, weights = ops.attention_with_scores(q, k, v, scores_mask, dropout)
        # tf.keras returns the weights after dropout.
        return result, (weights if dropout is None else ops.multiply(weights, dropout))

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode})
        return config


class AdditiveAttention(BaseDenseAttention):
    """Additive (Bahdanau-style) attention: scores ``sum(scale * tanh(query + key))`` over the features,
    `scale` a learnt vector with `use_scale` (the default)."""

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale

    def build(self, input_shape):
        dim = tuple(input_shape[1])[-1]
        if self.use_scale and dim is None:
            raise ValueError(f'AdditiveAttention "{self.name}": the value\'s last dimension must be known to make '
                             f"the scale; received shape {tuple(input_shape[1])}.")
        self.scale = (self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")
                      if self.use_scale else None)
        self.built = True

    def _calculate_scores(self, query, key):
        summed = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.use_scale:
            summed = ops.multiply(self.scale, summed)
        return ops.sum(summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        config["use_scale"] = self.use_scale
        return config


def _swapped(ndim):
    axes = list(range(ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return tuple(axes)
