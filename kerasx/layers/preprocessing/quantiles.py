"""The approximate-quantile summaries behind Discretization's `adapt`, on the host in NumPy as tf.keras
computes them (its `summarize`/`compress` run through tf.numpy_function): a summary is a (2, n) array of
sorted values and the weights (counts) they stand for."""
import numpy as np  # host-side: adapt's quantile summaries of user data, as tf.keras's numpy_function


def summarize(values, epsilon):
    """A summary of `values` (any shape, flattened) with about 1 / epsilon entries."""
    values = np.sort(np.asarray(values, dtype="float32").reshape(-1))
    increment = int(values.size / (1.0 / epsilon))
    step = max(increment, 1)
    boundaries = values[increment::step]
    return np.stack([boundaries, np.full(boundaries.shape, float(step), "float32")]).astype("float32")


def compress(summary, epsilon):
    """`summary` interpolated down to about 1 / epsilon entries (unchanged when it is smaller)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((np.asarray(prev_summary, "float32"), np.asarray(next_summary, "float32")), axis=1)
    merged = merged[:, np.argsort(merged[0], kind="stable")]
    return compress(merged, epsilon)


def bin_boundaries(summary, num_bins):
    """`num_bins - 1` boundaries (a list of floats) from a summary."""
    return [float(b) for b in compress(np.asarray(summary, "float32"), 1.0 / num_bins)[0, :-1]]
