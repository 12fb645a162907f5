"""Symbolic tensors of the functional API and the nodes that connect layers.

A `KerasTensor` has a shape (None for unknown dims) and a dtype, and remembers which layer call made it
(`_keras_history = (layer, node_index, tensor_index)`). A `Node` is one call of a layer on symbolic
inputs."""
from kerasx.autodiff.nest import flatten, map_structure


class KerasTensor:
    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self._keras_history = None
        self._keras_mask = None

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        return (f"<KerasTensor: shape={self.shape} dtype={self.dtype}"
                + (f" (created by layer '{layer}')>" if layer else ">"))

    def __len__(self):
        raise TypeError("Keras symbolic inputs/outputs do not implement `__len__`: their batch size is "
                        "unknown until data flows through the model.")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"You are passing {self!r}, an intermediate Keras symbolic input/output, to a function that "
            "needs concrete values (such as NumPy). Only call layers on symbolic tensors; apply other "
            "functions to real data after building the model.")

    __hash__ = object.__hash__


class Node:
    """One call of `layer` on symbolic `call_args`/`call_kwargs`, producing `outputs`."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.is_input = not flatten(call_args)
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(flatten(outputs)):
            t._keras_history = (layer, self.index, i)
        for parent in self.parent_nodes:
            parent.layer._outbound_nodes.append(self)

    @property
    def keras_inputs(self):
        return [t for t in flatten((self.call_args, self.call_kwargs)) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self):
        return [t.node for t in self.keras_inputs]

    @property
    def input_tensors(self):
        inputs = self.call_args[0] if self.call_args else None
        return inputs

    @property
    def output_tensors(self):
        return self.outputs

    @property
    def input_shapes(self):
        return map_structure(lambda t: t.shape, self.input_tensors)

    @property
    def output_shapes(self):
        return map_structure(lambda t: t.shape, self.outputs)

    def inbound_history(self):
        """(layer name, node index, tensor index) of each symbolic input, for configs and summaries."""
        out = []
        for t in self.keras_inputs:
            layer, node_index, tensor_index = t._keras_history
            out.append((layer.name, node_index, tensor_index))
        return out
