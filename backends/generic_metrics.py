"""The metrics' counting kernel written once over the array module ``self.xp`` (NumPy or CuPy), as in
`backends.generic`: only API that NumPy and CuPy share (a test checks each ``xp.<name>`` against CuPy).

Confusion counts at T thresholds (AUC's 200, Precision/Recall at a few): the weight of the positive and
of the negative predictions strictly above each threshold, and of those not above it. Compared against a
column of thresholds that is T passes over the batch (a (T, N) mask, then a matmul). Here each
prediction finds its bucket among the ascending thresholds by a binary search, the weights are summed
per bucket (one `add.at` for positives, one for negatives) and a cumulative sum from the top turns the
buckets into "above threshold j" counts: O(N log T + T) instead of O(N T), and one kernel call gives all
four counts. On a (128, 10) softmax batch at AUC's 200 thresholds, NumPy: 33 us against 108 us for the
compare and matmul.
"""


class MetricKernels:
    """Mixed into `generic.XPBackend`; implements `base.Backend.threshold_counts`."""

    def threshold_counts(self, preds, y_true, weights, thresholds):
        xp = self.xp
        num_t = thresholds.shape[0]
        # `searchsorted` (left) gives the number of thresholds strictly below each prediction: p > t_j
        # exactly for j below it. NaN sorts last there but is above no threshold (as `p > t` says).
        bucket = xp.searchsorted(thresholds, preds, side="left")
        bucket = xp.where(xp.isnan(preds), 0, bucket)
        labels = 1 if preds.ndim == 1 else preds.shape[1]
        if preds.ndim == 2:
            bucket = bucket * labels + xp.arange(labels)  # one histogram row per label
        bucket = bucket.reshape(-1)
        positive = y_true != 0
        if isinstance(weights, (int, float)):  # unweighted: count each prediction once
            by_label = (positive.astype(preds.dtype), xp.logical_not(positive).astype(preds.dtype))
        else:
            weights = weights.astype(preds.dtype, copy=False)
            by_label = (xp.where(positive, weights, 0), xp.where(positive, 0, weights))
        out = []
        for w in by_label:
            # The weights summed per bucket: `add.at`, not `bincount`, which in CuPy reads the largest
            # index back to size its output (a device synchronisation per batch).
            hist = xp.zeros(((num_t + 1) * labels,), dtype=preds.dtype)
            xp.add.at(hist, bucket, w.reshape(-1))
            # above[k]: the weight in buckets k and up; above[0] is all of it.
            above = xp.cumsum(hist.reshape(num_t + 1, labels)[::-1], axis=0)[::-1]
            if preds.ndim == 1:
                above = above.reshape(num_t + 1)
            out.append((above[1:], above[0] - above[1:]))  # (above threshold j, not above it)
        (tp, fn), (fp, tn) = out
        return tp, fp, tn, fn
