"""Metrics whose state is the sum over every replica.

Before a distributed step each metric variable is snapshotted; after the replica has updated its
metrics with its own rows, the change (`after - before`) of every metric variable travels in the
step's allreduce, and every rank sets `before + (sum of the changes)`. So a metric's variables hold the
state of all the data seen by all the replicas, `result()` is the global value on every rank (also in
per-batch logs), and `reset_state` keeps working. This holds for every metric whose update adds to its
state (the means, sums, counts and confusion counts of the built-in metrics). A `PyMetric` keeps Python
state and stays per-replica.
"""
from kerasx import ops


def metric_variables(model):
    """The variables of every metric of the model, in `model.metrics` order, each once."""
    seen, out = set(), []
    for metric in model.metrics:
        for v in getattr(metric, "variables", []):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


def snapshot(model):
    """`{id(variable): copy of its value}` for the metric variables existing now."""
    return {id(v): v.read_value() for v in metric_variables(model)}


def changes(model, before):
    """`(variables, deltas)`: each metric variable and how much this replica's step changed it (a
    variable created during the step changed from zero)."""
    variables = metric_variables(model)
    deltas = []
    for v in variables:
        old = before.get(id(v))
        deltas.append(ops.subtract(v.value(), old) if old is not None else v.read_value())
    return variables, deltas


def apply_summed(variables, before, summed):
    """Sets each metric variable to its value before the step plus the summed changes of all ranks."""
    for v, total in zip(variables, summed):
        old = before.get(id(v))
        v.assign(ops.add(old, total) if old is not None else total)
