"""The losses and metrics given to `compile`, matched to a model's outputs (tf.keras's compile_utils).

`LossesContainer` is `model.compiled_loss`: called as `compiled_loss(y, y_pred, sample_weight,
regularization_losses=model.losses)` it returns the total loss and updates the `loss` metric (and a
`<output>_loss` metric per output of a multi-output model). `MetricsContainer` is
`model.compiled_metrics`: `update_state(y, y_pred, sample_weight)`. Both resolve names and broadcast
one loss/metric list to every output on their first call, when the outputs are known.
"""
from kerasx import losses as losses_mod
from kerasx import metrics as metrics_mod
from kerasx import ops
from kerasx.autodiff.nest import flatten, flatten_up_to, is_nested, map_structure, map_structure_up_to
from kerasx.losses.utils import carry_host_range

_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


def create_pseudo_output_names(outputs):
    """Output names of a subclassed model: 'output_1', 'output_2', ... (dict outputs by key path)."""
    def paths(x, prefix):
        if isinstance(x, (list, tuple)):
            return [p for i, item in enumerate(x) for p in paths(item, prefix + (i + 1,))]
        if isinstance(x, dict):
            return [p for k in sorted(x) for p in paths(x[k], prefix + (k,))]
        return [prefix]
    names = []
    for path in paths(outputs, ()):
        if not path:
            names.append("output_1")
        else:
            name = "_".join(str(p) for p in path)
            names.append("output_" + name if isinstance(path[0], int) else name)
    return names


def map_to_output_names(y_pred, output_names, struct):
    """A dict keyed by output name as a list in output order (when the outputs are one tensor or a
    flat list); other structures unchanged."""
    single_output = not is_nested(y_pred)
    flat_list = (not single_output and isinstance(y_pred, (list, tuple))
                 and not any(is_nested(y) for y in y_pred))
    if (single_output or flat_list) and isinstance(struct, dict):
        output_names = output_names or create_pseudo_output_names(y_pred)
        struct = dict(struct)
        new_struct = [struct.pop(name, None) for name in output_names]
        if struct:
            raise ValueError(f"Found unexpected keys that do not correspond to any Model output: "
                             f"{struct.keys()}. Expected: {output_names}")
        return new_struct[0] if len(new_struct) == 1 else new_struct
    return struct


def map_missing_dict_keys(y_pred, struct):
    if not isinstance(y_pred, dict) or not isinstance(struct, dict):
        return struct
    struct = dict(struct)
    for k in y_pred:
        struct.setdefault(k, None)
    return struct


def match_dtype_and_rank(y_t, y_p, sw):
    """Targets of rank 1 against rank-2 predictions gain a last axis; float (int) targets take the
    float (int) dtype of the predictions; sample weights take the predictions' dtype. The targets'
    host-measured range goes along (the sparse losses check class indices with it)."""
    targets = y_t
    if y_t.ndim == 1 and y_p.ndim == 2:
        y_t = ops.expand_dims(y_t, -1)
    if sw is not None and sw.ndim == 1 and y_p.ndim == 2:
        sw = ops.expand_dims(sw, -1)
    if y_t.dtype != y_p.dtype and _kind(y_t.dtype) == _kind(y_p.dtype) and _kind(y_p.dtype) != "other":
        y_t = ops.cast(y_t, dtype=y_p.dtype)
    if sw is not None and sw.dtype != y_p.dtype:
        sw = ops.cast(sw, dtype=y_p.dtype)
    return carry_host_range(targets, y_t), y_p, sw


def _kind(dtype):
    if dtype.startswith("float"):
        return "float"
    if dtype.startswith("int") or dtype.startswith("uint"):
        return "int"
    return "other"


def apply_mask(y_p, sw, mask):
    """Folds a Keras output mask into the sample weights."""
    if mask is None:
        return sw
    mask = ops.cast(mask, dtype=y_p.dtype)
    return mask if sw is None else sw * mask


def get_mask(y_p):
    return getattr(y_p, "_keras_mask", None)


def _add_n(values):
    total = values[0]
    for v in values[1:]:
        total = ops.add(total, v)
    return total


# ---------------------------------------------------------------- containers
class Container:
    """Matches a user structure (one object, a list, a dict by output name) to the outputs."""

    def __init__(self, output_names=None):
        self._output_names = list(output_names) if output_names else None

    def build(self, y_pred):
        n = len(flatten(y_pred))
        if self._output_names is None or len(self._output_names) != n:
            self._output_names = create_pseudo_output_names(y_pred)

    def _conform_to_outputs(self, outputs, struct):
        struct = map_to_output_names(outputs, self._output_names, struct)
        struct = map_missing_dict_keys(outputs, struct)
        if not is_nested(struct) and is_nested(outputs):
            struct = map_structure(lambda _: struct, outputs)
        return struct

    def _maybe_broadcast_to_outputs(self, outputs, objects):
        if not self._should_broadcast(objects):
            return objects
        # Several outputs need separate objects (each metric keeps its own state); one output uses
        # the user's object itself.
        should_copy = len(flatten(outputs)) > 1

        def broadcast(_):
            return map_structure(self._copy_object, objects) if should_copy else objects
        return map_structure(broadcast, outputs)

    def _should_broadcast(self, objects):
        raise NotImplementedError("abstract: LossesContainer and MetricsContainer decide")

    def _copy_object(self, obj):
        raise NotImplementedError("abstract: LossesContainer and MetricsContainer decide")


class LossesContainer(Container):
    """The compiled loss: per-output losses, their weights, and the `loss` metrics."""

    def __init__(self, losses, loss_weights=None, output_names=None):
        super().__init__(output_names=output_names)
        self._user_losses = losses
        self._user_loss_weights = loss_weights
        self._losses = losses
        self._loss_weights = loss_weights
        self._per_output_metrics = None
        self._loss_metric = metrics_mod.Mean(name="loss")
        self._built = False

    @property
    def metrics(self):
        """The `loss` metric, then one `<output>_loss` per output (multi-output models only)."""
        if not self._built:
            return []
        return [self._loss_metric] + [m for m in self._per_output_metrics if m is not None]

    def build(self, y_pred):
        super().build(y_pred)
        self._losses = self._maybe_broadcast_to_outputs(y_pred, self._losses)
        self._losses = self._conform_to_outputs(y_pred, self._losses)
        self._losses = flatten_up_to(y_pred, map_structure_up_to(y_pred, self._get_loss_object, self._losses))
        self._loss_weights = self._maybe_broadcast_to_outputs(y_pred, self._loss_weights)
        self._loss_weights = flatten_up_to(y_pred, self._conform_to_outputs(y_pred, self._loss_weights))
        self._create_metrics()
        self._built = True

    def _create_metrics(self):
        if len(self._output_names) == 1:
            self._per_output_metrics = [None]
        else:
            self._per_output_metrics = [None if loss is None else metrics_mod.Mean(name + "_loss")
                                        for loss, name in zip(self._losses, self._output_names)]

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        """The total loss (a scalar Tensor), or None when there is nothing to minimise."""
        y_true = self._conform_to_outputs(y_pred, y_true)
        sample_weight = self._conform_to_outputs(y_pred, sample_weight)
        if not self._built:
            self.build(y_pred)
        y_pred = flatten(y_pred)
        y_true = flatten(y_true) if y_true is not None else [None] * len(y_pred)
        sample_weight = flatten(sample_weight) if sample_weight is not None else [None] * len(y_pred)
        loss_values, loss_metric_values = [], []
        batch_dim = None
        zipped = zip(y_true, y_pred, sample_weight, self._losses, self._loss_weights,
                     self._per_output_metrics)
        computed = []
        for y_t, y_p, sw, loss_obj, loss_weight, metric_obj in zipped:
            if y_t is None or loss_obj is None:
                continue
            y_t, y_p, sw = match_dtype_and_rank(y_t, y_p, sw)
            sw = apply_mask(y_p, sw, get_mask(y_p))
            computed.append((loss_obj(y_t, y_p, sample_weight=sw), y_t, loss_weight, metric_obj))
        # Every output's loss first, then the metrics: a loss that rejects its targets (a class index
        # out of range) must leave every metric as it was.
        for loss_value, y_t, loss_weight, metric_obj in computed:
            loss_metric_value = loss_value
            if batch_dim is None:
                batch_dim = y_t.shape[0] if y_t.ndim else 1
            if metric_obj is not None:
                metric_obj.update_state(loss_metric_value, sample_weight=batch_dim)
            if loss_weight is not None:
                loss_value = loss_value * float(loss_weight)
                loss_metric_value = loss_metric_value * float(loss_weight)
            loss_values.append(loss_value)
            loss_metric_values.append(loss_metric_value)
        if regularization_losses:
            reg_loss = _add_n(list(regularization_losses))
            loss_values.append(reg_loss)
            loss_metric_values.append(reg_loss)
        if not loss_values:
            return None
        self._loss_metric.update_state(_add_n(loss_metric_values), sample_weight=batch_dim)
        return _add_n(loss_values)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def _get_loss_object(self, loss):
        if loss is None:
            return None
        loss = losses_mod.get(loss)
        if not isinstance(loss, losses_mod.Loss):
            name = getattr(loss, "__name__", None)
            if name is None:
                raise ValueError(f"Loss should be a callable, found: {loss}")
            loss = losses_mod.LossFunctionWrapper(loss, name=name)
        return loss

    def _should_broadcast(self, obj):
        return not is_nested(obj)

    def _copy_object(self, obj):
        return obj  # a loss holds no state


class MetricsContainer(Container):
    """The compiled metrics, created per output on the first batch (when shapes are known)."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        super().__init__(output_names=output_names)
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self._metrics = metrics
        self._weighted_metrics = weighted_metrics
        self._metrics_in_order = []
        self._built = False

    @property
    def metrics(self):
        return self._metrics_in_order if self._built else []

    def build(self, y_pred, y_true):
        super().build(y_pred)
        self._metrics = self._conform_to_outputs(
            y_pred, self._maybe_broadcast_to_outputs(y_pred, self._metrics))
        self._weighted_metrics = self._conform_to_outputs(
            y_pred, self._maybe_broadcast_to_outputs(y_pred, self._weighted_metrics))
        if y_true is None or not is_nested(y_true) and is_nested(y_pred):
            y_true = map_structure(lambda _: y_true, y_pred)
        self._metrics = flatten_up_to(
            y_pred, map_structure_up_to(y_pred, self._get_metric_objects, self._metrics, y_true, y_pred))
        self._weighted_metrics = flatten_up_to(
            y_pred, map_structure_up_to(y_pred, self._get_metric_objects, self._weighted_metrics, y_true, y_pred))
        self._set_metric_names()
        self._metrics_in_order = [m for ms, wms in zip(self._metrics, self._weighted_metrics)
                                  for m in list(ms) + list(wms) if m is not None]
        self._built = True

    def _set_metric_names(self):
        """Multi-output models prefix each metric with its output's name; a weighted metric whose name
        is taken becomes `weighted_<name>`."""
        names = set()
        multi = len(self._output_names) > 1
        for output_name, output_metrics, weighted in zip(self._output_names, self._metrics,
                                                         self._weighted_metrics):
            for m in output_metrics:
                if m is None:
                    continue
                if multi:
                    m._name = output_name + "_" + m._name
                if m._name in names:
                    raise ValueError(f"Found two metrics with the same name: {m._name}")
                names.add(m._name)
            for wm in weighted:
                if wm is None:
                    continue
                if multi:
                    if output_name + "_" + wm._name in names:
                        wm._name = output_name + "_weighted_" + wm._name
                    else:
                        wm._name = output_name + "_" + wm._name
                elif wm._name in names:
                    wm._name = "weighted_" + wm._name
                if wm._name in names:
                    raise ValueError(f"Found two metrics with the same name: {wm._name}")
                names.add(wm._name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if y_true is None:
            return  # no targets (e.g. a model trained through `add_loss`): nothing to compare
        y_true = self._conform_to_outputs(y_pred, y_true)
        sample_weight = self._conform_to_outputs(y_pred, sample_weight)
        if not self._built:
            self.build(y_pred, y_true)
        y_pred = flatten(y_pred)
        y_true = flatten(y_true) if y_true is not None else []
        sample_weight = flatten(sample_weight) if sample_weight is not None else [None] * len(y_pred)
        for y_t, y_p, sw, metric_objs, weighted_objs in zip(y_true, y_pred, sample_weight, self._metrics,
                                                            self._weighted_metrics):
            if y_t is None or (all(m is None for m in metric_objs)
                               and all(m is None for m in weighted_objs)):
                continue
            y_t, y_p, sw = match_dtype_and_rank(y_t, y_p, sw)
            mask = get_mask(y_p)
            sw = apply_mask(y_p, sw, mask)
            for metric_obj in metric_objs:
                if metric_obj is not None:
                    metric_obj.update_state(y_t, y_p, sample_weight=mask)
            for metric_obj in weighted_objs:
                if metric_obj is not None:
                    metric_obj.update_state(y_t, y_p, sample_weight=sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def _get_metric_objects(self, metrics, y_t, y_p):
        return [self._get_metric_object(m, y_t, y_p) for m in flatten(metrics)]

    def _get_metric_object(self, metric, y_t, y_p):
        """A `Metric` for what the user passed; 'accuracy'/'acc' and 'crossentropy'/'ce' resolve to the
        binary, sparse categorical or categorical variant from the target and output shapes."""
        if metric is None:
            return None
        if isinstance(metric, str) and metric in _ACCURACY_NAMES:
            metric_obj = metrics_mod.resolve_accuracy(metric, tuple(y_t.shape), tuple(y_p.shape))
        elif isinstance(metric, str) and metric in _CROSSENTROPY_NAMES:
            metric_obj = metrics_mod.get(_crossentropy_name(tuple(y_t.shape), tuple(y_p.shape)))
        else:
            metric_obj = metrics_mod.get(metric)
        if isinstance(metric_obj, losses_mod.Loss):
            metric_obj._allow_sum_over_batch_size = True
        if not isinstance(metric_obj, metrics_mod.Metric):
            if isinstance(metric, str):
                name = metric
            elif hasattr(metric, "name"):
                name = metric.name
            else:
                name = metric.__name__
            metric_obj = metrics_mod.MeanMetricWrapper(metric_obj, name=name)
        return metric_obj

    def _should_broadcast(self, obj):
        if not is_nested(obj):
            return True
        return isinstance(obj, (list, tuple)) and not any(is_nested(o) for o in obj)

    def _copy_object(self, obj):
        if isinstance(obj, metrics_mod.Metric):
            return obj.__class__.from_config(obj.get_config())
        return obj


def _crossentropy_name(y_t_shape, y_p_shape):
    """tf.keras's choice for 'crossentropy': binary for one output unit, sparse when the targets have
    lower rank or a last dimension of 1 against several units, categorical otherwise."""
    y_t_last = y_t_shape[-1] if y_t_shape else None
    y_p_last = y_p_shape[-1] if y_p_shape else None
    if y_p_last == 1:
        return "binary_crossentropy"
    if len(y_t_shape) < len(y_p_shape) or (y_t_last == 1 and y_p_last > 1):
        return "sparse_categorical_crossentropy"
    return "categorical_crossentropy"
