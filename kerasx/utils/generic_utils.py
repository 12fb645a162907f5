"""`Progbar`: the progress bar `fit`, `evaluate` and `predict` print, in tf.keras 2.x's format.

Values may be device Tensors: they are read back (a device sync) only when a line is actually written,
so a bar that is not due for a refresh costs no synchronisation.
"""
import math
import os
import sys
import time

from kerasx.autodiff.tensor import Tensor
from kerasx.utils.io_utils import print_msg


def _is_dynamic_display():
    """True where carriage returns redraw one line (a terminal or a notebook); elsewhere (a pipe, a CI
    log) tf.keras 2.x wrote one line per refresh, which floods logs, so kerasx writes each bar once."""
    stdout = sys.stdout
    return ((hasattr(stdout, "isatty") and stdout.isatty()) or "ipykernel" in sys.modules
            or "PYCHARM_HOSTED" in os.environ)


def _scalar(v):
    """A Python float (or the value itself when it is not numeric) for display.

    An array-valued metric (`Precision(thresholds=[0.3, 0.7])`) shows as the mean of its entries, as
    tf.keras's bar prints `np.mean` of every value; History and CSVLogger keep the array."""
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, Tensor):
        v = v.numpy()  # read back only here, when a line is written
    if getattr(v, "ndim", 0) and getattr(v, "size", 0):
        v = v.mean()  # a host array's own method: display formatting at the edge, no array library
    try:
        return float(v)
    except (TypeError, ValueError):
        return v


class Progbar:
    """Displays a progress bar.

    Args:
        target: Total number of steps expected, None if unknown.
        width: Progress bar width on screen.
        verbose: Verbosity mode, 0 (silent), 1 (progress bar) or 2 (one line at the end).
        interval: Minimum visual progress update interval (in seconds).
        stateful_metrics: Names of metrics that are displayed as-is rather than averaged over time.
        unit_name: Display name for step counts (usually "step" or "sample").
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = _is_dynamic_display()
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None
        self._time_after_first_step = None

    def will_render(self, finalize=False):
        """Whether `update` would write a line now (callers skip preparing values otherwise)."""
        if self.verbose == 1:
            if finalize:
                return True
            return self._dynamic_display and time.time() - self._last_update >= self.interval
        return self.verbose == 2 and finalize

    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: Index of current step.
            values: List of tuples `(name, value_for_last_step)`. Names in `stateful_metrics` are shown
                as-is; others are averaged over the steps seen.
            finalize: Whether this is the last update for the progress bar. If `None`, uses
                `current >= self.target`.
        """
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for k, v in values or []:
            if k not in self._values_order:
                self._values_order.append(k)
            if k not in self.stateful_metrics:
                # At least 1, so that a value given twice for the same step still counts.
                value_base = max(current - self._seen_so_far, 1)
                if k not in self._values:
                    self._values[k] = [v * value_base, value_base]
                else:
                    self._values[k][0] += v * value_base
                    self._values[k][1] += value_base
            else:
                self._values[k] = [v, 1]
        self._seen_so_far = current

        now = time.time()
        if current == self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            if not finalize and (now - self._last_update < self.interval or not self._dynamic_display):
                return
            print_msg(self._bar_line(current, now, finalize), line_break=False)
        elif self.verbose == 2 and finalize:
            print_msg(self._epoch_line(current, now), line_break=False)
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    # ------------------------------------------------------------ formatting
    def _bar_line(self, current, now, finalize):
        prev_total_width = self._total_width
        message = "\b" * prev_total_width + "\r" if self._dynamic_display else ""
        if self.target is not None:
            numdigits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
            bar = ("%" + str(numdigits) + "d/%d [") % (current, self.target)
            prog = float(current) / self.target if self.target else 1.0
            prog_width = int(self.width * prog)
            if prog_width > 0:
                bar += "=" * (prog_width - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - prog_width)
            bar += "]"
        else:
            bar = "%7d/Unknown" % current
        self._total_width = len(bar)
        message += bar

        time_per_unit = self._estimate_step_duration(current, now)
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s" + self._format_time(time_per_unit, self.unit_name)
        else:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_format = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                eta_format = "%d:%02d" % (eta // 60, eta % 60)
            else:
                eta_format = "%ds" % eta
            info = f" - ETA: {eta_format}"

        for k in self._values_order:
            info += f" - {k}:"
            avg = self._average(k)
            if isinstance(avg, float):
                info += f" {avg:.4f}" if abs(avg) > 1e-3 else f" {avg:.4e}"
            else:
                info += f" {avg}"

        self._total_width += len(info)
        if prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        return message + info

    def _epoch_line(self, current, now):
        target = self.target if self.target else current
        numdigits = int(math.log10(target)) + 1 if target > 0 else 1
        info = ("%" + str(numdigits) + "d/%d") % (current, target) + f" - {now - self._start:.0f}s"
        for k in self._values_order:
            info += f" - {k}:"
            avg = self._average(k)
            # tf.keras's verbose=2 line tests `avg > 1e-3`, not the absolute value; kept as is.
            if isinstance(avg, float):
                info += f" {avg:.4f}" if avg > 1e-3 else f" {avg:.4e}"
            else:
                info += f" {avg}"
        if self._time_at_epoch_end is None:
            self._time_at_epoch_end = now
        time_per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
        avg_time_per_step = time_per_epoch / target if target else 0
        self._time_at_epoch_start = now
        self._time_at_epoch_end = None
        info += " -" + self._format_time(time_per_epoch, "epoch")
        info += " -" + self._format_time(avg_time_per_step, self.unit_name)
        return info + "\n"

    def _average(self, k):
        total, count = self._values[k]
        value = _scalar(total)
        if isinstance(value, float):
            return value / max(1, count)
        return value

    @staticmethod
    def _format_time(time_per_unit, unit_name):
        """' 3ms/step': seconds from 1 (or exactly 0), milliseconds from 1e-3, else microseconds."""
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
        return f" {time_per_unit * 1e6:.0f}us/{unit_name}"

    def _estimate_step_duration(self, current, now):
        """Seconds per step, leaving out the first step (often slower: building, first allocations)
        once later steps exist."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit

    def _update_stateful_metrics(self, stateful_metrics):
        self.stateful_metrics = self.stateful_metrics.union(stateful_metrics)
