"""The start of distributed training: every rank must have built the same model, and then every rank
takes rank 0's weights (the model's, the optimizer's), so all replicas start from one point.

The check compares each weight's name, shape and dtype across the ranks (one allgather of a few
strings); a difference is the same ValueError on every rank, before any weight changes, instead of a
collective that would wait forever on mismatched buffers.
"""
from kerasx.distribute.reduction import writeable


def _signature(variables):
    return [(str(v.name), tuple(int(d) for d in v.shape), str(v.dtype)) for v in variables]


def optimizer_variables(model):
    optimizer = getattr(model, "optimizer", None)
    variables = getattr(optimizer, "variables", None)
    return list(variables()) if callable(variables) else []


def _describe(entry):
    name, shape, dtype = entry
    return f"{name!r} {shape} {dtype}"


def check_same_model(communicator, model_variables, optimizer_vars):
    """Raises ValueError on every rank unless every rank holds the same weights (names, shapes, dtypes)."""
    mine = (_signature(model_variables), _signature(optimizer_vars))
    everyone = communicator.allgather_object(mine)
    reference = everyone[0]
    for rank, theirs in enumerate(everyone[1:], start=1):
        for what, ref, other in (("model", reference[0], theirs[0]), ("optimizer", reference[1], theirs[1])):
            if ref == other:
                continue
            if len(ref) != len(other):
                detail = f"rank 0 has {len(ref)} {what} weights, rank {rank} has {len(other)}"
            else:
                i = next(i for i, (a, b) in enumerate(zip(ref, other)) if a != b)
                detail = (f"{what} weight {i}: rank 0 has {_describe(ref[i])}, rank {rank} has "
                          f"{_describe(other[i])}")
            raise ValueError(f"The ranks of this MultiWorkerMirroredStrategy job built different models ({detail}). "
                             "Every rank must run the same script and build the same model (same layers, "
                             "shapes and dtypes, in the same order) before training.")


def broadcast_weights(communicator, variables, root=0):
    """Assigns rank `root`'s value of each Variable on every other rank (one broadcast per variable)."""
    for v in variables:
        host = communicator.bcast_array_(writeable(v.numpy()), root=root)
        if communicator.rank != root:
            v.assign(host)


def sync_model(communicator, model):
    """Checks that every rank built the same model, then gives every rank rank 0's model and optimizer
    weights."""
    model_vars = list(model.weights)
    opt_vars = optimizer_variables(model)
    check_same_model(communicator, model_vars, opt_vars)
    broadcast_weights(communicator, model_vars + opt_vars)
