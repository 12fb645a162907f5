"""Layer and graph helpers under tf.keras's `keras.utils` names: `get_source_inputs` (the `Input` tensors a
symbolic tensor comes from) and `warmstart_embedding_matrix` (an embedding matrix carried over to a new
vocabulary)."""
import os

from kerasx import ops
from kerasx.autodiff.nest import flatten
from kerasx.autodiff.tensor import Tensor, as_tensor
from kerasx.saving.object_registration import serialization


def get_source_inputs(tensor, layer=None, node_index=None):
    """The `Input` tensors that symbolic `tensor` is computed from, in the order a depth-first walk
    over each layer's inputs reaches them, each once; a tensor that is not symbolic is returned as it
    is (tf.keras). `layer` and `node_index` start the walk at that layer's call instead."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return tensor
    if layer is None or node_index:  # tf.keras's condition: a node index other than 0 is re-read
        layer, node_index, _ = history
    if not layer._inbound_nodes:
        return [tensor]
    sources, seen, stack = [], set(), [layer._inbound_nodes[node_index]]
    while stack:  # iterative, and each node once: a deep or diamond-shaped graph costs its size
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.is_input:
            sources.extend(t for t in flatten(node.outputs) if all(t is not s for s in sources))
        else:
            stack.extend(reversed(node.parent_nodes))
    return sources


def _vocabulary(vocab, which):
    if isinstance(vocab, Tensor):
        terms = list(vocab.numpy())
    elif isinstance(vocab, (tuple, list)) or hasattr(vocab, "__array__"):
        terms = list(vocab)
    elif isinstance(vocab, (str, os.PathLike)):
        if not os.path.exists(vocab):
            raise ValueError(f"Vocabulary file {vocab} does not exist.")
        with open(vocab) as f:
            terms = f.read().splitlines()
    else:
        raise ValueError(f"`{which}` is expected to be either a NumPy array, list, 1D tensor or a vocabulary "
                         f"text file. Instead type {type(vocab)} was received.")
    if not terms:
        raise ValueError(f"`{which}` is expected to be either a NumPy array, list, 1D tensor or a vocabulary "
                         "text file with at least one token. Received 0 instead.")
    return terms


def warmstart_embedding_matrix(base_vocabulary, new_vocabulary, base_embeddings,
                               new_embeddings_initializer="uniform"):
    """The embedding matrix for `new_vocabulary`: each term found in `base_vocabulary` keeps its row of
    `base_embeddings`, the others take the rows `new_embeddings_initializer` draws (a `Constant` of a
    full matrix supplies them all). Vocabularies are lists, tuples, 1-D arrays or Tensors, or paths of
    text files with one term per line.

    Returns:
        A Tensor of shape `(len(new_vocabulary), base_embeddings.shape[1])`, in `base_embeddings`' dtype.
    """
    base_terms = _vocabulary(base_vocabulary, "base_vocabulary")
    new_terms = _vocabulary(new_vocabulary, "new_vocabulary")
    base = base_embeddings if isinstance(base_embeddings, Tensor) else as_tensor(base_embeddings)
    if base.ndim != 2 or base.shape[0] != len(base_terms):
        raise ValueError("`base_embeddings` must be a matrix with one row per term of `base_vocabulary` "
                         f"({len(base_terms)}); received shape {tuple(base.shape)}.")
    initializer = serialization("initializer").get(new_embeddings_initializer)
    fresh = initializer(shape=(len(new_terms), base.shape[1]), dtype=str(base.dtype))
    row_of = dict(zip(base_terms, range(len(base_terms))))  # a repeated base term keeps its last row
    # Rows of concatenate([base, fresh]): a base row where the term is known, else the fresh row.
    rows = [row_of.get(term, len(base_terms) + i) for i, term in enumerate(new_terms)]
    return ops.take(ops.concatenate([base, as_tensor(fresh, dtype=str(base.dtype))], axis=0),
                    as_tensor(rows, dtype="int64"), axis=0)
