"""`Trainer`: the training API that `Model` mixes in, as tf.keras 2.x's `Model` (compile, fit, evaluate,
predict, the `*_on_batch` methods, and the overridable `train_step`/`test_step`/`predict_step`).

Per batch the loop does only the work a step needs: the batch arrives on the device (see
`data_adapter`), the step's loss and metrics stay device scalars (running means inside the metrics),
and callbacks read them back only when a person looks (the progress bar's refresh, the end of an epoch)
or when a user callback asks for numbers every batch. `predict` runs without a tape, so no graph is
recorded, and concatenates the batches on the device before one copy to the host.
"""
from kerasx import callbacks as callbacks_module
from kerasx import ops
from kerasx import optimizers
from kerasx.autodiff.nest import flatten, pack_sequence_as
from kerasx.autodiff.tape import GradientTape
from kerasx.autodiff.tensor import Tensor
from kerasx.distribute import context as distribute_context
from kerasx.distribute import fit_hooks
from kerasx.engine import data_adapter, data_handler, fit_arguments
from kerasx.engine.batching import train_validation_split, unpack_x_y_sample_weight
from kerasx.engine.compile_utils import LossesContainer, MetricsContainer


class Trainer:
    """Mixin giving a `Layer` subclass (`Model`) the tf.keras training API."""

    def _init_trainer(self):
        self.optimizer = None
        self.compiled_loss = None
        self.compiled_metrics = None
        self.loss = None
        self.history = None
        self.stop_training = False
        self.train_function = None
        self.test_function = None
        self.predict_function = None
        self._is_compiled = False
        self._run_eagerly = None
        self._steps_per_execution = 1
        self._compile_args = None
        # Set by `BackupAndRestore` during `fit`: where an interrupted training resumes.
        self._training_state = None
        # The strategy whose scope `compile` ran in (kerasx/distribute): None trains this process alone.
        self._distribution_strategy = None

    # ------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None, jit_compile=None,
                **kwargs):
        """Configures the model for training: an optimizer, a loss (per output for multi-output
        models: a list, or a dict by output name) and metrics to report."""
        kwargs.pop("sample_weight_mode", None)  # per-timestep weights need no mode in tf.keras 2.x
        kwargs.pop("experimental_run_tf_function", None)
        kwargs.pop("cloning", None)
        if kwargs.get("distribute") is not None:
            raise ValueError("`distribute` argument in compile is not available in TF 2.0. Please create "
                             f"the model under the `strategy.scope()`. Received: {kwargs['distribute']}.")
        if kwargs.get("target_tensors") is not None:
            raise ValueError("`target_tensors` argument is not supported when executing eagerly. "
                             f"Received: {kwargs['target_tensors']}.")
        invalid = set(kwargs) - {"distribute", "target_tensors"}
        if invalid:
            raise TypeError(f"Invalid keyword argument(s) in `compile`: {invalid}")
        if steps_per_execution is not None and (isinstance(steps_per_execution, bool)
                                                or not isinstance(steps_per_execution, int)
                                                or steps_per_execution < 1):
            raise ValueError("`steps_per_execution` must be a positive integer; received "
                             f"{steps_per_execution!r}.")
        output_names = getattr(self, "output_names", None) or None
        self.optimizer = _get_optimizer(optimizers, optimizer)
        self.compiled_loss = LossesContainer(loss, loss_weights, output_names=output_names)
        self.compiled_metrics = MetricsContainer(metrics, weighted_metrics, output_names=output_names)
        self.loss = loss or {}
        self._run_eagerly = run_eagerly
        self._steps_per_execution = steps_per_execution or 1
        self._distribution_strategy = (distribute_context.get_strategy() if distribute_context.has_strategy()
                                       else None)
        self._compile_args = {"optimizer": self.optimizer, "loss": loss, "metrics": metrics,
                              "weighted_metrics": weighted_metrics, "loss_weights": loss_weights}
        self.train_function = self.test_function = self.predict_function = None
        self._is_compiled = True

    def _get_compile_args(self, user_metrics=True):
        """What `compile` was given (the saving code writes it as the training config)."""
        self._assert_compile_was_called()
        return dict(self._compile_args)

    @property
    def run_eagerly(self):
        return bool(self._run_eagerly)

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = value

    def _assert_compile_was_called(self):
        if not self._is_compiled:
            raise RuntimeError("You must compile your model before training/testing. Use "
                               "`model.compile(optimizer, loss)`.")

    # ------------------------------------------------------------ metrics
    @property
    def metrics(self):
        """The loss metric(s), then the compiled metrics (once the first batch has built them), then
        metrics added by layers."""
        out = []
        if self._is_compiled:
            out += self.compiled_loss.metrics
            out += self.compiled_metrics.metrics
        for layer in [self] + list(_all_sublayers(self)):
            out.extend(layer.__dict__.get("_metrics", []))
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Resets the state of every metric of the model."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """`{name: current value}` of every metric, as device scalars."""
        out = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[metric.name] = result
        return out

    # ------------------------------------------------------------ steps (overridable)
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The compiled loss plus the model's own losses (regularisation, `add_loss`)."""
        return self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)

    def compute_metrics(self, x, y, y_pred, sample_weight):
        """Updates the compiled metrics and returns every metric's current value."""
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """One optimisation step on a batch `data` = `(x, y, sample_weight)` (y and sample_weight
        optional); returns `{metric name: value}`."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._validate_target_and_loss(y, loss)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Updates the loss and metrics on a batch without training; returns the metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        if self.loss and y is None:
            # In-memory data were checked before the loop; a generator's batch is seen only now.
            raise ValueError(fit_arguments.missing_targets_message(self, "evaluate"))
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's output on a batch (inference mode)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _validate_target_and_loss(self, y, loss):
        if self.loss and y is None:
            raise ValueError(f"Target data is missing. Your model was compiled with loss={self.loss}, and "
                             "therefore expects target data to be provided in `fit()`.")
        if loss is None:
            raise ValueError("No loss found. You may have forgotten to provide a `loss` argument in the "
                             "`compile()` method.")

    def make_train_function(self, force=False):
        """The function `fit` calls per execution: `n` train steps on batches drawn from `iterator`."""
        if self.train_function is None or force:
            # Under a multi-process strategy, the distributed step (kerasx/distribute/replica_steps.py).
            train_step = fit_hooks.train_step(self, type(self).train_step is Trainer.train_step)

            def train_function(iterator, n=1):
                for _ in range(n):
                    logs = train_step(next(iterator))
                return logs
            self.train_function = train_function
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            test_step = fit_hooks.test_step(self, type(self).test_step is Trainer.test_step)

            def test_function(iterator, n=1):
                for _ in range(n):
                    logs = test_step(next(iterator))
                return logs
            self.test_function = test_function
        return self.test_function

    def make_predict_function(self, force=False):
        if self.predict_function is None or force:
            predict_step = fit_hooks.predict_step(self)

            def predict_function(iterator):
                return predict_step(next(iterator))
            self.predict_function = predict_function
        return self.predict_function

    # ------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False):
        """Trains the model for `epochs` epochs and returns its `History`."""
        self._assert_compile_was_called()
        verbose = _resolve_verbose(verbose)
        # Everything that can be wrong with the arguments and the data is found here, before any state
        # changes: the data handlers convert and check the arrays before `on_train_begin`.
        fit_arguments.check_fit_arguments(
            x, batch_size, epochs, initial_epoch, steps_per_epoch, validation_split, validation_data,
            validation_steps, validation_batch_size, validation_freq, class_weight)
        fit_arguments.check_targets(self, x, y, "fit", type(self).train_step is Trainer.train_step)
        val_source = "in `validation_data`"
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                (data_adapter.standardize_for_split(x), data_adapter.standardize_for_split(y),
                 data_adapter.standardize_for_split(sample_weight)), validation_split)
            val_source = "in the `validation_split` part of the data passed to `fit`"
        handler = data_handler.DataHandler(
            x, y, sample_weight=sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
            initial_epoch=initial_epoch, epochs=epochs, shuffle=shuffle, class_weight=class_weight,
            steps_per_execution=self._steps_per_execution, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, checks=fit_arguments.data_checks(self, "passed to `fit`"))
        fit_arguments.check_class_labels(self, y, "fit")
        eval_handler = None
        if validation_data is not None:
            val_x, val_y, val_sample_weight = unpack_x_y_sample_weight(validation_data)
            fit_arguments.check_targets(self, val_x, val_y, "validation_data",
                                        type(self).test_step is Trainer.test_step)
            fit_arguments.check_validation_shapes(self, x, y, val_x, val_y)
            eval_handler = data_handler.DataHandler(
                val_x, val_y, sample_weight=val_sample_weight,
                batch_size=validation_batch_size or batch_size, steps_per_epoch=validation_steps,
                steps_per_execution=self._steps_per_execution, max_queue_size=max_queue_size,
                workers=workers, use_multiprocessing=use_multiprocessing,
                checks=fit_arguments.data_checks(self, val_source))
            fit_arguments.check_class_labels(self, val_y, "validation_data")
        # Several replicas: writers on the chief only, a callback keeping the ranks in step.
        callbacks, verbose = fit_hooks.prepare_callbacks(self, callbacks, verbose, training=True)
        cbks = callbacks
        if not isinstance(cbks, callbacks_module.CallbackList):
            cbks = callbacks_module.CallbackList(
                callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
                epochs=epochs, steps=handler.inferred_steps)

        self.stop_training = False
        train_function = self.make_train_function()
        try:
            self._training_state = None  # not an earlier, interrupted fit's
            cbks.on_train_begin()
            if self._training_state is not None:  # a backup restored in on_train_begin
                handler.resume_at(*self._training_state.initial_counters(handler.inferred_steps,
                                                                         initial_epoch))
            training_logs = None
            for epoch, iterator in handler.enumerate_epochs():
                self.reset_metrics()
                cbks.on_epoch_begin(epoch)
                logs = None
                with handler.catch_stop_iteration():
                    for step in handler.steps():
                        cbks.on_train_batch_begin(step)
                        step_logs = train_function(iterator, handler.steps_in_execution)
                        logs = step_logs
                        cbks.on_train_batch_end(step + handler.step_increment, logs)
                        if self.stop_training:
                            break
                if logs is None:
                    if training_logs is None:
                        raise ValueError("Expect x to be a non-empty array or dataset.")
                    # A fresh pass that yielded nothing (the handler warned): this epoch has no numbers
                    # of its own, so nothing is logged for it.
                    break
                epoch_logs = callbacks_module.callback.sync_logs(logs)

                if eval_handler is not None and _should_eval(epoch, validation_freq):
                    val_logs = self.evaluate(callbacks=cbks, return_dict=True, _data_handler=eval_handler)
                    epoch_logs.update({"val_" + name: value for name, value in val_logs.items()})

                cbks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
            if isinstance(self.optimizer, optimizers.Optimizer) and epochs > 0:
                # With `use_ema`, the trained model keeps the weights' moving averages (tf.keras 2.11).
                self.optimizer.finalize_variable_values(self.trainable_variables)
            cbks.on_train_end(logs=training_logs)
        finally:  # the data's workers stop when fit ends, also when it raises
            handler.close()
            if eval_handler is not None:
                eval_handler.close()
        return self.history

    # ------------------------------------------------------------ evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False, **kwargs):
        """The loss and metrics on the data: a scalar when there is only the loss, else a list in
        `metrics_names` order (or a dict with `return_dict=True`)."""
        self._assert_compile_was_called()
        handler = kwargs.pop("_data_handler", None)
        if kwargs:
            raise TypeError(f"Invalid keyword arguments: {list(kwargs.keys())}")
        verbose = _resolve_verbose(verbose)
        owns_handler = handler is None  # inside fit, fit's validation handler lives on between epochs
        if owns_handler:
            fit_arguments.check_evaluate_arguments(x, batch_size, steps)
            fit_arguments.check_targets(self, x, y, "evaluate", type(self).test_step is Trainer.test_step)
            handler = data_handler.DataHandler(x, y, sample_weight=sample_weight, batch_size=batch_size,
                                               steps_per_epoch=steps,
                                               steps_per_execution=self._steps_per_execution,
                                               max_queue_size=max_queue_size, workers=workers,
                                               use_multiprocessing=use_multiprocessing,
                                               checks=fit_arguments.data_checks(self, "passed to `evaluate`"))
            fit_arguments.check_class_labels(self, y, "evaluate")
        callbacks, verbose = fit_hooks.prepare_callbacks(self, callbacks, verbose)
        cbks = callbacks
        if not isinstance(cbks, callbacks_module.CallbackList):
            cbks = callbacks_module.CallbackList(
                callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
                epochs=1, steps=handler.inferred_steps)
        test_function = self.make_test_function()
        logs = {}
        try:
            cbks.on_test_begin()
            for _, iterator in handler.enumerate_epochs():
                self.reset_metrics()
                with handler.catch_stop_iteration():
                    for step in handler.steps():
                        cbks.on_test_batch_begin(step)
                        logs = test_function(iterator, handler.steps_in_execution)
                        cbks.on_test_batch_end(step + handler.step_increment, logs)
        finally:
            if owns_handler:
                handler.close()
        logs = callbacks_module.callback.sync_logs(logs)
        cbks.on_test_end(logs=logs)
        if return_dict:
            return logs
        return flatten_metrics_in_order(logs, self.metrics_names)

    # ------------------------------------------------------------ predict
    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10,
                workers=1, use_multiprocessing=False):
        """The model's outputs on `x` as NumPy arrays (a list or dict for several outputs)."""
        verbose = _resolve_verbose(verbose)
        fit_arguments.check_evaluate_arguments(x, batch_size, steps)
        handler = data_handler.DataHandler(
            x, batch_size=batch_size, steps_per_epoch=steps, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing,
            checks=fit_arguments.data_checks(self, "passed to `predict`", check_finite=False))
        callbacks, verbose = fit_hooks.prepare_callbacks(self, callbacks, verbose)
        cbks = callbacks
        if not isinstance(cbks, callbacks_module.CallbackList):
            cbks = callbacks_module.CallbackList(
                callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
                epochs=1, steps=handler.inferred_steps)
        predict_function = self.make_predict_function()
        outputs = None
        batch_outputs = None
        try:
            cbks.on_predict_begin()
            for _, iterator in handler.enumerate_epochs():
                with handler.catch_stop_iteration():
                    for step in handler.steps():
                        cbks.on_predict_batch_begin(step)
                        batch_outputs = predict_function(iterator)
                        flat = _flatten_outputs(batch_outputs)
                        if outputs is None:
                            outputs = [[t] for t in flat]
                        else:
                            for acc, t in zip(outputs, flat):
                                acc.append(t)
                        cbks.on_predict_batch_end(step, {"outputs": batch_outputs})
        finally:
            handler.close()
        if batch_outputs is None:
            raise ValueError("Expect x to be a non-empty array or dataset.")
        cbks.on_predict_end()
        arrays = [(ops.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]).numpy()
                  for parts in outputs]
        return pack_sequence_as(batch_outputs, arrays)

    # ------------------------------------------------------------ single batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True,
                       return_dict=False):
        """One training step on exactly this batch; returns the metrics (of this batch only when
        `reset_metrics`)."""
        self._assert_compile_was_called()
        data = data_adapter.single_batch(
            x, y, sample_weight, class_weight,
            checks=fit_arguments.data_checks(self, "passed to `train_on_batch`", check_finite=False))
        fit_arguments.check_class_labels(self, y, "train_on_batch")
        if reset_metrics:
            self.reset_metrics()
        logs = self.make_train_function()(iter([data]))
        return self._batch_result(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Loss and metrics on exactly this batch, without training."""
        self._assert_compile_was_called()
        data = data_adapter.single_batch(
            x, y, sample_weight,
            checks=fit_arguments.data_checks(self, "passed to `test_on_batch`", check_finite=False))
        if reset_metrics:
            self.reset_metrics()
        logs = self.make_test_function()(iter([data]))
        return self._batch_result(logs, return_dict)

    def predict_on_batch(self, x):
        """The model's outputs on exactly this batch, as NumPy arrays."""
        data = data_adapter.single_batch(x)
        out = self.make_predict_function()(iter([data]))
        return pack_sequence_as(out, [t.numpy() for t in _flatten_outputs(out)])

    def _batch_result(self, logs, return_dict):
        logs = callbacks_module.callback.sync_logs(logs)
        if return_dict:
            return logs
        return flatten_metrics_in_order(logs, self.metrics_names)


# ---------------------------------------------------------------- helpers
def _get_optimizer(optimizers, optimizer):
    if isinstance(optimizer, (list, tuple)):
        return [optimizers.get(o) for o in optimizer]
    return optimizers.get(optimizer)


def _all_sublayers(layer):
    for sub in getattr(layer, "_tracked_layers", []):
        yield sub
        yield from _all_sublayers(sub)


def _resolve_verbose(verbose):
    """tf.keras's 'auto' is 1 (a progress bar) outside distributed training."""
    return 1 if verbose == "auto" else verbose


def _should_eval(epoch, validation_freq):
    epoch = epoch + 1  # validation_freq counts epochs from 1
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    return epoch in validation_freq


def flatten_metrics_in_order(logs, metrics_names):
    """The logs as a list in `metrics_names` order (others after, sorted); one value alone as a
    scalar, as tf.keras's `evaluate` returns."""
    results = [logs[name] for name in metrics_names if name in logs]
    results += [logs[key] for key in sorted(logs) if key not in metrics_names]
    if len(results) == 1:
        return results[0]
    return results


def _flatten_outputs(outputs):
    flat = flatten(outputs)
    for t in flat:
        if not isinstance(t, Tensor):
            raise TypeError(f"`predict_step` must return Tensors (or lists/dicts of them); received "
                            f"{type(t).__name__}.")
    return flat
