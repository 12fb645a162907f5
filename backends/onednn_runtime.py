"""oneDNN's engine and stream, and `Plan`: one cached operation (its primitives, the memory objects they
run on, and the reorders between the caller's NumPy layouts and the layouts the primitive chose).

A plan is built once per (shape, dtype, layout, attributes) key (`onednn_cache`) and run many times: the
memory objects for the caller's arrays are created without a buffer and re-pointed at the NumPy arrays
of each call (``dnnl_memory_set_data_handle``: no copy); the primitive's own layouts, where they differ,
live in buffers oneDNN allocated once for the plan. `Plan.close` destroys every handle the plan created,
in reverse order of creation.
"""
import ctypes

from backends import onednn_capi as capi
from backends.onednn_library import OneDNNError


class Unsupported(Exception):
    """oneDNN has no implementation for this case: the caller runs the NumPy kernel instead."""


class Runtime:
    """The CPU engine and one in-order stream over a loaded `OneDNNLibrary`."""

    def __init__(self, library):
        self.library = library
        self.lib = library.cdll
        engine, stream = ctypes.c_void_p(), ctypes.c_void_p()
        self.check(self.lib.dnnl_engine_create(ctypes.byref(engine), capi.ENGINE_CPU, 0), "dnnl_engine_create")
        self.engine = engine
        self.check(self.lib.dnnl_stream_create(ctypes.byref(stream), engine, capi.STREAM_DEFAULT_FLAGS),
                   "dnnl_stream_create")
        self.stream = stream

    @staticmethod
    def check(status, what):
        if status != capi.SUCCESS:
            name = capi.STATUS_NAMES.get(status, str(status))
            if status == capi.UNIMPLEMENTED:
                raise Unsupported(f"{what}: {name}")
            raise OneDNNError(f"{what} failed: dnnl_{name}")

    def close(self):
        if self.stream is not None:
            self.lib.dnnl_stream_destroy(self.stream)
            self.lib.dnnl_engine_destroy(self.engine)
            self.stream = self.engine = None


class Plan:
    """The primitives of one operation and their memory objects; see the module docstring."""

    def __init__(self, runtime):
        self.rt = runtime
        self.lib = runtime.lib
        self._owned = []      # (destroy function, handle), in creation order
        self._user = {}       # name -> memory object re-pointed at the caller's array on each run
        self._pre, self._main, self._post = [], [], []   # (primitive, ExecArg array)
        self.impl = []        # implementation names oneDNN chose for the main primitives
        self.reorders = []    # and for the reorders around them

    # ---------------------------------------------------------------- creation
    def _own(self, destroy, handle):
        self._owned.append((destroy, handle))
        return handle

    def md(self, dims, strides=None):
        """A float32 memory descriptor: plain with these element `strides`, or the primitive's choice."""
        out = ctypes.c_void_p()
        if strides is None:
            status = self.lib.dnnl_memory_desc_create_with_tag(ctypes.byref(out), len(dims), capi.dims(dims),
                                                               capi.F32, capi.FORMAT_ANY)
        else:
            status = self.lib.dnnl_memory_desc_create_with_strides(ctypes.byref(out), len(dims), capi.dims(dims),
                                                                   capi.F32, capi.dims(strides))
        self.rt.check(status, "dnnl_memory_desc_create")
        return self._own(self.lib.dnnl_memory_desc_destroy, out)

    def post_ops_relu(self):
        """A primitive attribute that applies ReLU to the output."""
        ops, attr = ctypes.c_void_p(), ctypes.c_void_p()
        self.rt.check(self.lib.dnnl_post_ops_create(ctypes.byref(ops)), "dnnl_post_ops_create")
        self._own(self.lib.dnnl_post_ops_destroy, ops)
        self.rt.check(self.lib.dnnl_post_ops_append_eltwise(ops, capi.ELTWISE_RELU, 0.0, 0.0),
                      "dnnl_post_ops_append_eltwise")
        self.rt.check(self.lib.dnnl_primitive_attr_create(ctypes.byref(attr)), "dnnl_primitive_attr_create")
        self._own(self.lib.dnnl_primitive_attr_destroy, attr)
        self.rt.check(self.lib.dnnl_primitive_attr_set_post_ops(attr, ops), "dnnl_primitive_attr_set_post_ops")
        return attr

    def pd(self, create, *args):
        """A primitive descriptor from ``dnnl_<create>_primitive_desc_create(pd*, engine, *args)``."""
        out = ctypes.c_void_p()
        name = f"dnnl_{create}_primitive_desc_create"
        self.rt.check(getattr(self.lib, name)(ctypes.byref(out), self.rt.engine, *args), name)
        return self._own(self.lib.dnnl_primitive_desc_destroy, out)

    def query_md(self, pd, what, index=0):
        """The memory descriptor `pd` uses for its `index`-th `what` (owned by `pd`)."""
        md = self.lib.dnnl_primitive_desc_query_md(pd, what, index)
        if not md:
            raise OneDNNError(f"dnnl_primitive_desc_query_md({what}) returned no descriptor")
        return ctypes.c_void_p(md)

    def md_bytes(self, md):
        return self.lib.dnnl_memory_desc_get_size(md)

    def impl_name(self, pd):
        out = ctypes.c_char_p()
        self.rt.check(self.lib.dnnl_primitive_desc_query(pd, capi.QUERY_IMPL_INFO_STR, 0, ctypes.byref(out)),
                      "dnnl_primitive_desc_query(impl_info_str)")
        return out.value.decode()

    def _memory(self, md, handle):
        out = ctypes.c_void_p()
        self.rt.check(self.lib.dnnl_memory_create(ctypes.byref(out), md, self.rt.engine, handle),
                      "dnnl_memory_create")
        return self._own(self.lib.dnnl_memory_destroy, out)

    def _primitive(self, pd):
        out = ctypes.c_void_p()
        self.rt.check(self.lib.dnnl_primitive_create(ctypes.byref(out), pd), "dnnl_primitive_create")
        return self._own(self.lib.dnnl_primitive_destroy, out)

    def user(self, name, md):
        """The memory object for the caller's array `name` (plain layout `md`), re-pointed on each run."""
        mem = self._memory(md, capi.MEMORY_NONE)
        self._user[name] = mem
        return mem

    def scratch(self, md):
        """A memory object with a buffer of its own (a workspace, or a layout the caller does not hold)."""
        return self._memory(md, capi.MEMORY_ALLOCATE)

    def _reorder(self, src_md, dst_md, src, dst, into):
        pd = ctypes.c_void_p()
        self.rt.check(self.lib.dnnl_reorder_primitive_desc_create(ctypes.byref(pd), src_md, self.rt.engine,
                                                                  dst_md, self.rt.engine, None),
                      "dnnl_reorder_primitive_desc_create")
        self._own(self.lib.dnnl_primitive_desc_destroy, pd)
        into.append((self._primitive(pd), _args({capi.ARG_FROM: src, capi.ARG_TO: dst})))
        self.reorders.append(self.impl_name(pd))

    def input(self, name, user_md, pd_md):
        """The memory the primitive reads for the caller's array `name`: the array itself when the layouts
        agree, else a buffer that a reorder fills from it before the primitive runs."""
        mem = self.user(name, user_md)
        if self.lib.dnnl_memory_desc_equal(user_md, pd_md):
            return mem
        inner = self.scratch(pd_md)
        self._reorder(user_md, pd_md, mem, inner, self._pre)
        return inner

    def output(self, name, user_md, pd_md):
        """As `input`, for an array the primitive writes: a reorder copies it out after the primitive."""
        mem = self.user(name, user_md)
        if self.lib.dnnl_memory_desc_equal(user_md, pd_md):
            return mem
        inner = self.scratch(pd_md)
        self._reorder(pd_md, user_md, inner, mem, self._post)
        return inner

    def add(self, pd, args):
        """Creates the primitive of `pd`, run with `args` ({DNNL_ARG_*: memory}) between the reorders."""
        self._main.append((self._primitive(pd), _args(args)))
        self.impl.append(self.impl_name(pd))

    # ---------------------------------------------------------------- use
    def run(self, **arrays):
        """Points the user memories at `arrays` (C-contiguous float32 NumPy arrays) and runs the plan."""
        lib = self.lib
        for name, array in arrays.items():
            lib.dnnl_memory_set_data_handle(self._user[name], array.ctypes.data)
        stream = self.rt.stream
        for prim, args in self._pre + self._main + self._post:
            self.rt.check(lib.dnnl_primitive_execute(prim, stream, len(args), args), "dnnl_primitive_execute")
        self.rt.check(lib.dnnl_stream_wait(stream), "dnnl_stream_wait")

    def close(self):
        """Destroys every handle the plan created (primitives, descriptors, memories, attributes)."""
        owned, self._owned = self._owned, []
        for destroy, handle in reversed(owned):
            destroy(handle)
        self._user.clear()
        self._pre, self._main, self._post = [], [], []


def _args(mapping):
    arr = (capi.ExecArg * len(mapping))()
    for i, (arg, mem) in enumerate(mapping.items()):
        arr[i].arg = arg
        arr[i].memory = mem
    return arr
