"""MultiHeadAttention (tf.keras.layers.MultiHeadAttention), as tf.keras 2.x builds it: EinsumDense
projections named ``query``, ``key``, ``value`` and ``attention_output`` (weights in that order, each
``kernel`` then ``bias``), made from the first call's shapes (or the config's), and the scaled
dot-product core as one fused op (`ops.attention`) over the attention axes.

The projected query ``(B, T..., N, H)`` is moved to ``(batch..., T, H)`` (every axis that is neither an
attention axis nor the last one is a batch axis of the core, the heads among them; several attention
axes are flattened into one), so the core's softmax over the flattened key positions is tf.keras's
softmax over all the key attention axes. Masks combine as tf.keras's `_compute_attention_mask`: the
inputs' `_keras_mask`s (query ``[B, T, 1]`` & value ``[B, 1, S]`` & key ``[B, 1, S]``), the causal
mask, and `attention_mask`.
"""
import math

from kerasx import constraints, initializers, ops, regularizers
from kerasx.autodiff.tensor import as_tensor
from kerasx.engine import call_context
from kerasx.engine.base_layer import Layer
from kerasx.layers.einsum_dense import EinsumDense

_CHR_IDX = "abcdefghijklmnopqrstuvwxyz"


def build_proj_equation(free_dims, bound_dims, output_dims):
    """tf.keras's `_build_proj_equation`: ``(equation, bias_axes, output rank)``."""
    letters = iter(_CHR_IDX)
    free = "".join(next(letters) for _ in range(free_dims))
    bound = "".join(next(letters) for _ in range(bound_dims))
    out = "".join(next(letters) for _ in range(output_dims))
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def _output_shape(output_rank, known_last_dims):
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


def _shape_list(shape):
    return None if shape is None else [None if d is None else int(d) for d in shape]


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"MultiHeadAttention: `{name}` must be a positive integer, received {value!r}.")


class MultiHeadAttention(Layer):
    """Multi-head attention of a query over key/value sequences (tf.keras 2.x's layer)."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, softmax_robust_masking=False, **kwargs):
        _positive_int("num_heads", num_heads)
        _positive_int("key_dim", key_dim)
        if value_dim is not None:
            _positive_int("value_dim", value_dim)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention: `dropout` must be a number in [0, 1), received {dropout!r}.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._output_shape = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._softmax_robust_masking = softmax_robust_masking
        if attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            attention_axes = (attention_axes,)
        if attention_axes is not None and any(isinstance(a, bool) or not isinstance(a, int) for a in attention_axes):
            raise ValueError(f"MultiHeadAttention: `attention_axes` must be an int or a list of ints, received "
                             f"{attention_axes!r}.")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._built_from_signature = False
        self._query_shape, self._key_shape, self._value_shape = None, None, None

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim, "value_dim": self._value_dim,
            "dropout": self._dropout, "use_bias": self._use_bias, "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "query_shape": self._query_shape, "key_shape": self._key_shape, "value_shape": self._value_shape,
            "softmax_robust_masking": self._softmax_robust_masking,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        query_shape = config.pop("query_shape", None)
        key_shape = config.pop("key_shape", None)
        value_shape = config.pop("value_shape", None)
        layer = cls(**config)
        if None not in (query_shape, key_shape, value_shape):
            layer._build_from_signature(query_shape, value_shape, key_shape)
        return layer

    # ------------------------------------------------------------ building
    def build(self, input_shape):
        # The projections need the value's and key's shapes too: they are made at the first call.
        self.built = True

    def _check_shapes(self, query_shape, value_shape, key_shape):
        where = f'MultiHeadAttention "{self.name}"'
        if len(query_shape) < 3 or len(value_shape) < 3:
            raise ValueError(f"{where}: query and value must have rank >= 3 (batch, positions..., features); "
                             f"received shapes {tuple(query_shape)} and {tuple(value_shape)}.")
        if len(query_shape) != len(value_shape) or len(key_shape) != len(value_shape):
            raise ValueError(f"{where}: query, value and key must have the same rank; received shapes "
                             f"{tuple(query_shape)}, {tuple(value_shape)} and {tuple(key_shape)}.")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"{where}: all dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received {tuple(value_shape)} and {tuple(key_shape)}.")
        for shape in (query_shape, value_shape, key_shape):
            if shape[-1] is None:
                raise ValueError(f"{where}: the last dimension of query, value and key must be known; received "
                                 f"{tuple(shape)}.")

    def _normalized_axes(self, rank):
        """The attention axes of the projected tensors (rank = the inputs' rank + 1), as tf.keras: by
        default every axis between the batch and the features; negative axes count from the inputs' end."""
        if self._attention_axes is None:
            return tuple(range(1, rank - 2))
        axes = tuple(a + rank - 1 if a < 0 else a for a in self._attention_axes)
        if any(a <= 0 or a >= rank - 2 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f'MultiHeadAttention "{self.name}": `attention_axes` {self._attention_axes} must be '
                             f"distinct axes of the inputs between the batch axis and the last axis (inputs of "
                             f"rank {rank - 1}).")
        return tuple(sorted(axes))

    def _build_from_signature(self, query_shape, value_shape, key_shape=None):
        """Makes the four projections from the inputs' shapes (tf.keras's `_build_from_signature`)."""
        key_shape = value_shape if key_shape is None else key_shape
        self._check_shapes(query_shape, value_shape, key_shape)
        rank = len(query_shape) + 1
        axes = self._normalized_axes(rank)
        self._built_from_signature = True
        self._query_shape, self._value_shape = _shape_list(query_shape), _shape_list(value_shape)
        self._key_shape = _shape_list(key_shape)
        free_dims = len(query_shape) - 1
        denses, shapes = [], []
        for name, shape, dim in (("query", query_shape, self._key_dim), ("key", key_shape, self._key_dim),
                                 ("value", value_shape, self._value_dim)):
            equation, bias_axes, output_rank = build_proj_equation(len(shape) - 1, bound_dims=1, output_dims=2)
            denses.append(EinsumDense(equation, output_shape=_output_shape(output_rank - 1, [self._num_heads, dim]),
                                      bias_axes=bias_axes if self._use_bias else None, name=name,
                                      **self._common_kwargs()))
            shapes.append(tuple(shape))
        if self._output_shape:
            out_shape = (list(self._output_shape) if isinstance(self._output_shape, (list, tuple))
                         else [self._output_shape])
        else:
            out_shape = [query_shape[-1]]
        equation, bias_axes, output_rank = build_proj_equation(free_dims, bound_dims=2, output_dims=len(out_shape))
        denses.append(EinsumDense(equation, output_shape=_output_shape(output_rank - 1, out_shape),
                                  bias_axes=bias_axes if self._use_bias else None, name="attention_output",
                                  **self._common_kwargs()))
        shapes.append(tuple(query_shape[:-1]) + (self._num_heads, self._value_dim))
        self._query_dense, self._key_dense, self._value_dense, self._output_dense = denses
        self._attention_axes = axes
        for layer in denses:
            self._tracked_layers.append(layer)
        # Built inside this layer's name scope: "multi_head_attention/query/kernel:0", as tf.keras.
        call_context.build_scopes.append(self.name)
        try:
            for layer, shape in zip(denses, shapes):
                layer._maybe_build(shape)
        finally:
            call_context.build_scopes.pop()

    def _common_kwargs(self):
        # Fresh initializers per projection, as tf.keras (a seeded initializer would repeat its values).
        return dict(kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer, kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype,
                    kernel_initializer=type(self._kernel_initializer).from_config(
                        self._kernel_initializer.get_config()),
                    bias_initializer=type(self._bias_initializer).from_config(self._bias_initializer.get_config()))

    # ------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        # tf.keras's layers take their first `call` argument by its name too: mha(query=q, value=v).
        if not args and "query" in kwargs:
            args = (kwargs.pop("query"),)
        return super().__call__(*args, **kwargs)

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        masks = [getattr(t, "_keras_mask", None) for t in (query, value, key)]
        value = self._convert_inputs(value)
        key = value if key is None else self._convert_inputs(key)
        if not self._built_from_signature:
            shapes = [tuple(t.shape) for t in (query, value, key)]
            if call_context.in_placeholder_run():
                # A symbolic call: the batch is unknown, as in tf.keras's stored shapes.
                shapes = [(None,) + s[1:] for s in shapes]
            self._build_from_signature(*shapes)
        self._check_shapes(query.shape, value.shape, key.shape)
        mask = self._compute_attention_mask(query, value, masks, attention_mask, use_causal_mask)
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        out, scores = self._compute_attention(q, k, v, mask, training, return_attention_scores)
        out = self._output_dense(out)
        if return_attention_scores:
            return out, scores
        return out

    def _compute_attention_mask(self, query, value, masks, attention_mask, use_causal_mask):
        query_mask, value_mask, key_mask = masks
        auto = None
        if query_mask is not None:
            auto = ops.expand_dims(ops.cast(query_mask, dtype="bool"), -1)  # [B, T, 1]
        for m in (value_mask, key_mask):
            if m is not None:
                m = ops.expand_dims(ops.cast(m, dtype="bool"), 1)  # [B, 1, S]
                auto = m if auto is None else ops.logical_and(auto, m)
        if use_causal_mask:
            if len(self._attention_axes) != 1:
                raise ValueError(f'MultiHeadAttention "{self.name}": `use_causal_mask=True` needs one attention '
                                 f"axis, the layer attends over axes {self._attention_axes}.")
            causal = ops.expand_dims(ops.causal_mask(query.shape[1], value.shape[1]), 0)
            auto = causal if auto is None else ops.logical_and(auto, causal)
        if attention_mask is not None:
            attention_mask = ops.cast(as_tensor(attention_mask), dtype="bool")
            if auto is not None:
                attention_mask = ops.logical_and(attention_mask, auto)
        else:
            attention_mask = auto
        return attention_mask

    def _compute_attention(self, q, k, v, mask, training, return_scores):
        rank = len(q.shape)
        axes = self._attention_axes
        batch = tuple(i for i in range(rank - 1) if i not in axes)
        perm = batch + axes + (rank - 1,)
        batch_sizes = tuple(q.shape[i] for i in batch)
        t_sizes = tuple(q.shape[i] for i in axes)
        s_sizes = tuple(k.shape[i] for i in axes)
        t, s = math.prod(t_sizes), math.prod(s_sizes)
        qf = ops.reshape(ops.transpose(q, perm), batch_sizes + (t, q.shape[-1]))
        kf = ops.reshape(ops.transpose(k, perm), batch_sizes + (s, k.shape[-1]))
        vf = ops.reshape(ops.transpose(v, perm), batch_sizes + (s, v.shape[-1]))
        scores_shape = batch_sizes + t_sizes + s_sizes
        if mask is not None:
            mask = self._core_mask(mask, scores_shape, len(axes), t, s)
        dropout = None
        if training and self._dropout > 0:
            keep = 1.0 - float(self._dropout)
            dropout = ops.multiply(ops.random_bernoulli(batch_sizes + (t, s), p=keep, dtype=q.dtype), 1.0 / keep)
        scale = 1.0 / math.sqrt(float(self._key_dim))
        if return_scores:
            out, probs = ops.attention_with_scores(qf, kf, vf, mask, dropout, scale=scale,
                                                   robust_masking=self._softmax_robust_masking)
            probs = ops.reshape(probs, scores_shape)
        else:
            out = ops.attention(qf, kf, vf, mask, dropout, scale=scale, robust_masking=self._softmax_robust_masking)
            probs = None
        out = ops.reshape(out, batch_sizes + t_sizes + (v.shape[-1],))
        inverse = tuple(perm.index(i) for i in range(rank))
        return ops.transpose(out, inverse), probs

    def _core_mask(self, mask, scores_shape, n_axes, t, s):
        """The mask expanded as tf.keras's `_masked_softmax` (new axes before the attention axes), then
        with its query and key attention axes flattened, as the core sees the scores."""
        given = tuple(mask.shape)
        extra = len(scores_shape) - len(given)
        for _ in range(max(extra, 0)):
            mask = ops.expand_dims(mask, -2 * n_axes - 1)
        if extra < 0 or not all(m in (1, n) for m, n in zip(mask.shape, scores_shape)):
            raise ValueError(f'MultiHeadAttention "{self.name}": the attention mask of shape {given} does not '
                             f"broadcast to the attention scores of shape {scores_shape} (batch, heads..., query "
                             "positions..., key positions...).")
        lead = tuple(mask.shape[:-2 * n_axes])
        if n_axes > 1:
            mask = ops.broadcast_to(mask, lead + tuple(scores_shape[-2 * n_axes:]))
            mask = ops.reshape(mask, lead + (t, s))
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise ValueError(f'MultiHeadAttention "{self.name}": compute_output_shape needs `value_shape`.')
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = tuple(query_shape), tuple(value_shape), tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                             f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                             f"value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. Received "
                             f"{value_shape} and {key_shape}")
        if self._output_shape:
            extra = self._output_shape if isinstance(self._output_shape, (list, tuple)) else [self._output_shape]
            return query_shape[:-1] + tuple(extra)
        return query_shape

