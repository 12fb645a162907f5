"""oneDNN's v3 C API as ctypes sees it: the enum values, the two structs and the function signatures kerasx
uses, written down once.

Source: oneDNN v3.2 headers, ``include/oneapi/dnnl/dnnl_common_types.h``, ``dnnl_types.h``, ``dnnl.h``
and ``dnnl_common.h`` at tag ``v3.2`` of github.com/oneapi-src/oneDNN, the release inside the
``onednn-cpu-gomp==2023.2.0`` wheel (``libdnnl.so.3.2``). v3 keeps memory descriptors opaque (created and
destroyed through the API), so no descriptor layout is mirrored here; `HEADER_VERSION` is what the loader
checks ``dnnl_version()`` against (same major, minor at least this one: enum values only grow in a v3
minor release).

Nothing here loads the library: `bind(lib)` sets the signatures on a loaded ``ctypes.CDLL``.
"""
import ctypes

HEADER_VERSION = (3, 2)

# dnnl_status_t (dnnl_common_types.h)
STATUS_NAMES = {
    0: "success", 1: "out_of_memory", 2: "invalid_arguments", 3: "unimplemented", 4: "last_impl_reached",
    5: "runtime_error", 6: "not_required", 7: "invalid_graph", 8: "invalid_graph_op", 9: "invalid_shape",
    10: "invalid_data_type",
}
SUCCESS = 0
UNIMPLEMENTED = 3

# dnnl_data_type_t (dnnl_common_types.h)
F32 = 3
# dnnl_engine_kind_t (dnnl_common_types.h)
ENGINE_CPU = 1
# dnnl_stream_flags_t (dnnl_common_types.h): dnnl_stream_default_flags = dnnl_stream_in_order
STREAM_DEFAULT_FLAGS = 0x1
# dnnl_format_tag_t (dnnl_types.h): the primitive chooses the layout
FORMAT_ANY = 1

# dnnl_prop_kind_t (dnnl_types.h)
FORWARD_TRAINING = 64
FORWARD_INFERENCE = 96
BACKWARD = 128
BACKWARD_DATA = 160
BACKWARD_WEIGHTS = 192

# dnnl_alg_kind_t (dnnl_types.h)
CONVOLUTION_DIRECT = 0x1
ELTWISE_RELU = 0x20
ELTWISE_RELU_USE_DST_FOR_BWD = 0x100
POOLING_MAX = 0x1FF
POOLING_AVG_EXCLUDE_PADDING = 0x3FF

# dnnl_normalization_flags_t (dnnl_types.h)
USE_SCALE = 0x2
USE_SHIFT = 0x4

# dnnl_rnn_direction_t and dnnl_rnn_flags_t (dnnl_types.h)
RNN_LEFT2RIGHT = 1
RNN_DIFF_WEIGHTS_OVERWRITE = 0x1

# dnnl_query_t (dnnl_types.h)
QUERY_IMPL_INFO_STR = 8
QUERY_SRC_MD = 129
QUERY_DIFF_SRC_MD = 130
QUERY_WEIGHTS_MD = 131
QUERY_DIFF_WEIGHTS_MD = 132
QUERY_DST_MD = 133
QUERY_DIFF_DST_MD = 134
QUERY_WORKSPACE_MD = 135

# DNNL_ARG_* (dnnl_types.h)
ARG_SRC = 1
ARG_FROM = 1
ARG_DST = 17
ARG_TO = 17
ARG_WEIGHTS = 33
ARG_BIAS = 41
ARG_MEAN = 49
ARG_VARIANCE = 50
ARG_SCALE = 51
ARG_SHIFT = 52
ARG_WORKSPACE = 64
ARG_DIFF_SRC = 129
ARG_DIFF_DST = 145
ARG_DIFF_WEIGHTS = 161
ARG_DIFF_BIAS = 169
ARG_DIFF_SCALE = 255
ARG_DIFF_SHIFT = 256

# the RNN primitives' DNNL_ARG_* (dnnl_types.h)
ARG_SRC_LAYER, ARG_SRC_ITER, ARG_SRC_ITER_C = 1, 2, 3
ARG_DST_LAYER, ARG_DST_ITER, ARG_DST_ITER_C = 17, 18, 19
ARG_WEIGHTS_LAYER, ARG_WEIGHTS_ITER = 33, 34
ARG_DIFF_SRC_LAYER, ARG_DIFF_SRC_ITER, ARG_DIFF_SRC_ITER_C = 129, 130, 131
ARG_DIFF_DST_LAYER, ARG_DIFF_DST_ITER, ARG_DIFF_DST_ITER_C = 145, 146, 147
ARG_DIFF_WEIGHTS_LAYER, ARG_DIFF_WEIGHTS_ITER = 161, 162

# DNNL_MEMORY_NONE / DNNL_MEMORY_ALLOCATE (dnnl_types.h)
MEMORY_NONE = None
MEMORY_ALLOCATE = ctypes.c_void_p(ctypes.c_size_t(-1).value)

MAX_NDIMS = 12  # DNNL_MAX_NDIMS (dnnl_common_types.h)
Dims = ctypes.c_int64 * MAX_NDIMS  # dnnl_dims_t


class Version(ctypes.Structure):
    """dnnl_version_t (dnnl_common_types.h)."""
    _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int),
                ("hash", ctypes.c_char_p), ("cpu_runtime", ctypes.c_uint), ("gpu_runtime", ctypes.c_uint)]


class ExecArg(ctypes.Structure):
    """dnnl_exec_arg_t (dnnl_types.h)."""
    _fields_ = [("arg", ctypes.c_int), ("memory", ctypes.c_void_p)]


_P = ctypes.c_void_p           # every handle: engine, stream, memory (desc), primitive (desc), attr, post-ops
_PP = ctypes.POINTER(ctypes.c_void_p)
_I, _F, _S = ctypes.c_int, ctypes.c_float, ctypes.c_size_t
_D = ctypes.POINTER(ctypes.c_int64)  # const dnnl_dims_t

# name: (restype, argtypes); restype None means dnnl_status_t (checked by the caller).
SIGNATURES = {
    "dnnl_version": (ctypes.POINTER(Version), []),
    "dnnl_engine_create": (None, [_PP, _I, _S]),
    "dnnl_engine_destroy": (None, [_P]),
    "dnnl_stream_create": (None, [_PP, _P, ctypes.c_uint]),
    "dnnl_stream_wait": (None, [_P]),
    "dnnl_stream_destroy": (None, [_P]),
    "dnnl_memory_desc_create_with_strides": (None, [_PP, _I, _D, _I, _D]),
    "dnnl_memory_desc_create_with_tag": (None, [_PP, _I, _D, _I, _I]),
    "dnnl_memory_desc_destroy": (None, [_P]),
    "dnnl_memory_desc_equal": (_I, [_P, _P]),
    "dnnl_memory_desc_get_size": (_S, [_P]),
    "dnnl_memory_create": (None, [_PP, _P, _P, _P]),
    "dnnl_memory_set_data_handle": (None, [_P, _P]),
    "dnnl_memory_destroy": (None, [_P]),
    "dnnl_primitive_attr_create": (None, [_PP]),
    "dnnl_primitive_attr_destroy": (None, [_P]),
    "dnnl_primitive_attr_set_post_ops": (None, [_P, _P]),
    "dnnl_post_ops_create": (None, [_PP]),
    "dnnl_post_ops_destroy": (None, [_P]),
    "dnnl_post_ops_append_eltwise": (None, [_P, _I, _F, _F]),
    "dnnl_primitive_desc_query": (None, [_P, _I, _I, _P]),
    "dnnl_primitive_desc_query_md": (_P, [_P, _I, _I]),
    "dnnl_primitive_desc_destroy": (None, [_P]),
    "dnnl_primitive_create": (None, [_PP, _P]),
    "dnnl_primitive_execute": (None, [_P, _P, _I, ctypes.POINTER(ExecArg)]),
    "dnnl_primitive_destroy": (None, [_P]),
    "dnnl_reorder_primitive_desc_create": (None, [_PP, _P, _P, _P, _P, _P]),
    # (pd*, engine, prop, alg, src, weights, bias, dst, strides, dilates, padding_l, padding_r, attr)
    "dnnl_convolution_forward_primitive_desc_create": (None, [_PP, _P, _I, _I, _P, _P, _P, _P, _D, _D, _D, _D,
                                                              _P]),
    # (pd*, engine, alg, diff_src, weights, diff_dst, strides, dilates, padding_l, padding_r, hint, attr)
    "dnnl_convolution_backward_data_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _P, _D, _D, _D, _D,
                                                                    _P, _P]),
    # (pd*, engine, alg, src, diff_weights, diff_bias, diff_dst, strides, dilates, pad_l, pad_r, hint, attr)
    "dnnl_convolution_backward_weights_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _P, _P, _D, _D,
                                                                       _D, _D, _P, _P]),
    # (pd*, engine, prop, src, dst, epsilon, flags, attr)
    "dnnl_batch_normalization_forward_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _F, ctypes.c_uint, _P]),
    # (pd*, engine, prop, diff_src, diff_dst, src, epsilon, flags, hint, attr)
    "dnnl_batch_normalization_backward_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _P, _F,
                                                                       ctypes.c_uint, _P, _P]),
    # (pd*, engine, prop, src, dst, stat, epsilon, flags, attr)
    "dnnl_layer_normalization_forward_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _P, _F, ctypes.c_uint,
                                                                      _P]),
    # (pd*, engine, prop, diff_src, diff_dst, src, stat, epsilon, flags, hint, attr)
    "dnnl_layer_normalization_backward_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _P, _P, _F,
                                                                       ctypes.c_uint, _P, _P]),
    # (pd*, engine, prop, direction, src_layer, src_iter, src_iter_c, weights_layer, weights_iter,
    #  weights_peephole, weights_projection, bias, dst_layer, dst_iter, dst_iter_c, flags, attr)
    "dnnl_lstm_forward_primitive_desc_create": (None, [_PP, _P, _I, _I] + [_P] * 11 + [ctypes.c_uint, _P]),
    # (pd*, engine, prop, direction, the forward's 11 descriptors, then diff_src_layer, diff_src_iter,
    #  diff_src_iter_c, diff_weights_layer, diff_weights_iter, diff_weights_peephole,
    #  diff_weights_projection, diff_bias, diff_dst_layer, diff_dst_iter, diff_dst_iter_c, flags, hint, attr)
    "dnnl_lstm_backward_primitive_desc_create": (None, [_PP, _P, _I, _I] + [_P] * 22 + [ctypes.c_uint, _P, _P]),
    # (pd*, engine, prop, direction, src_layer, src_iter, weights_layer, weights_iter, bias, dst_layer,
    #  dst_iter, flags, attr): dnnl_gru_forward and dnnl_lbr_gru_forward alike
    "dnnl_gru_forward_primitive_desc_create": (None, [_PP, _P, _I, _I] + [_P] * 7 + [ctypes.c_uint, _P]),
    "dnnl_lbr_gru_forward_primitive_desc_create": (None, [_PP, _P, _I, _I] + [_P] * 7 + [ctypes.c_uint, _P]),
    # (pd*, engine, prop, direction, the forward's 7 descriptors, then diff_src_layer, diff_src_iter,
    #  diff_weights_layer, diff_weights_iter, diff_bias, diff_dst_layer, diff_dst_iter, flags, hint, attr)
    "dnnl_gru_backward_primitive_desc_create": (None, [_PP, _P, _I, _I] + [_P] * 14 + [ctypes.c_uint, _P, _P]),
    "dnnl_lbr_gru_backward_primitive_desc_create": (None, [_PP, _P, _I, _I] + [_P] * 14
                                                    + [ctypes.c_uint, _P, _P]),
    # (pd*, engine, prop, alg, src, dst, alpha, beta, attr)
    "dnnl_eltwise_forward_primitive_desc_create": (None, [_PP, _P, _I, _I, _P, _P, _F, _F, _P]),
    # (pd*, engine, alg, diff_src, diff_dst, data (src or, for *_use_dst_for_bwd, dst), alpha, beta, hint, attr)
    "dnnl_eltwise_backward_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _P, _F, _F, _P, _P]),
    # (pd*, engine, src, weights, bias, dst, attr)
    "dnnl_matmul_primitive_desc_create": (None, [_PP, _P, _P, _P, _P, _P, _P]),
    # (pd*, engine, prop, alg, src, dst, strides, kernel, dilation, padding_l, padding_r, attr)
    "dnnl_pooling_forward_primitive_desc_create": (None, [_PP, _P, _I, _I, _P, _P, _D, _D, _D, _D, _D, _P]),
    # (pd*, engine, alg, diff_src, diff_dst, strides, kernel, dilation, padding_l, padding_r, hint, attr)
    "dnnl_pooling_backward_primitive_desc_create": (None, [_PP, _P, _I, _P, _P, _D, _D, _D, _D, _D, _P, _P]),
}


def bind(lib):
    """Sets every signature above on the loaded library; an AttributeError names a missing symbol."""
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = ctypes.c_int if restype is None else restype
        fn.argtypes = argtypes
    return lib


def dims(values):
    """A dnnl_dims_t holding `values` (unused entries zero)."""
    out = Dims()
    for i, v in enumerate(values):
        out[i] = int(v)
    return out
