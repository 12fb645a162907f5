"""Differentiable operations on Tensors: the registered primitives and what is composed from them.

``kerasx.autodiff.primitive.REGISTRY`` lists every primitive; each lives with its VJP in one of the
family modules imported here. The in-place state updates (`updates`: the optimizers' steps and their
gradient clipping; `norm.assign_moving_average`) are ops on Variables too, but not differentiable: no
tape records them.
"""
from kerasx.ops.attention import attention, attention_with_scores, causal_mask
from kerasx.ops.collective import (cross_replica_sum, device_allreduce_, device_copy, nccl_reducer,
                                   nccl_unique_id, replica_communicator, use_device)
from kerasx.ops.conv import conv, conv_transpose, depthwise_conv, separable_conv
from kerasx.ops.creation import (SeedGenerator, fill, ones, ones_like, random_bernoulli, random_normal,
                                 random_uniform, zeros, zeros_like)
from kerasx.ops.elementwise import (abs, add, cast, clip_by_value, cos, divide, equal, erf, exp,
                                    floor_divide, greater, greater_equal, less, less_equal, log, logical_and,
                                    logical_not, logical_or, maximum, minimum, mod, multiply, negative,
                                    not_equal, power, relu, sigmoid, sign, sin, sqrt, square, stop_gradient,
                                    subtract, tanh, where)
from kerasx.ops.einsum import einsum
from kerasx.ops.linalg import dense, matmul
from kerasx.ops.nn import (elu, gelu, hard_sigmoid, log_softmax, logsumexp, one_hot, relu_variant, selu,
                           sigmoid_cross_entropy_with_logits, softmax, softmax_cross_entropy_with_logits,
                           softplus, softsign, sparse_softmax_cross_entropy_with_logits, swish)
from kerasx.ops.norm import assign_moving_average, batch_norm_infer, batch_norm_train, layer_norm
from kerasx.ops.pool import avg_pool, max_pool
from kerasx.ops.rnn import gru, lstm, simple_rnn
from kerasx.ops.reduction import argmax, argmin, max, mean, min, normalize_axes, sum, threshold_counts
from kerasx.ops.shape import (broadcast_to, concatenate, expand_dims, flatten_batch, getitem, pad, reshape,
                              squeeze, stack, take, transpose)
from kerasx.ops.updates import (adadelta_update, adafactor_update, adagrad_update, adam_update, adamax_update,
                                clip_gradients, ftrl_update, lion_update, nadam_update, rmsprop_update,
                                sgd_update, weight_decay_update)
# Imported for what it does: gives Tensor its Python operators (`x + y`, `x[i]`, ...).
from kerasx.ops import operators  # noqa: F401
