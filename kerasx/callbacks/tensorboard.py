"""`TensorBoard`: writes what `fit` and `evaluate` log as TensorBoard event files, as tf.keras 2.x's.

Runs `log_dir/train` and `log_dir/validation`; the tags are tf.keras's: `epoch_<name>` at each epoch
(step: the 0-based epoch; validation metrics without their `val_` prefix, in the validation run),
`batch_<name>` every `update_freq` batches (step: the batches trained in this `fit`),
`evaluation_<name>_vs_iterations` at the end of an evaluation (step: the optimizer's iterations),
`<weight>/histogram` and `<weight>/image` every `histogram_freq` epochs, and the model's config as
the `keras` summary. Writing needs the `tensorboard` extra (tensorboardx); see tensorboard_events.py.
"""
import logging
import os
import time

from kerasx import backend as K
from kerasx.callbacks.callback import Callback, sync_logs
from kerasx.callbacks.tensorboard_events import EventWriter, require_writer
from kerasx.optimizers import schedules

_logger = logging.getLogger("kerasx")

# tf.keras 2.x accepts these TF1-era arguments, warning that they are ignored.
_V1_KWARGS = {
    "write_grads": "`write_grads` will be ignored in TensorFlow 2.0 for the `TensorBoard` Callback.",
    "batch_size": "`batch_size` is no longer needed in the `TensorBoard` Callback and will be ignored "
                  "in TensorFlow 2.0.",
    "embeddings_layer_names": "`embeddings_layer_names` is not supported in TensorFlow 2.0. Instead, all "
                              "`Embedding` layers will be visualized.",
    "embeddings_data": "`embeddings_data` is not supported in TensorFlow 2.0. Instead, all `Embedding` "
                       "variables will be visualized.",
}

# Arguments kerasx accepts but has nothing to do with: each is noted once per process.
_noted = set()


def _note_once(key, message):
    if key not in _noted:
        _noted.add(key)
        _logger.warning(message)


def _parse_profile_batch(profile_batch):
    """tf.keras's validation of `profile_batch`: an int >= 0, a pair, or a "start,stop" string."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of "
               "positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
    try:
        if isinstance(profile_batch, str):
            profile_batch = [int(part) for part in profile_batch.split(",")]
            if len(profile_batch) == 1:
                profile_batch = profile_batch[0]
    except ValueError:
        raise ValueError(message) from None
    if isinstance(profile_batch, int) and not isinstance(profile_batch, bool):
        start = stop = profile_batch
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = profile_batch
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _weight_image(value, image_data_format):
    """tf.keras's `_log_weight_as_image` layout: a weight as an NHWC stack of gray images (values
    clipped to [0, 1], as tf.summary.image saturates floats), or None when it has no image form."""
    w = value.squeeze()
    if w.ndim == 1:  # a bias
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:  # a Dense kernel, drawn wide
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:  # a convolution kernel: one image per filter
        if image_data_format == "channels_last":
            w = w.transpose(2, 0, 1)
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    if w.ndim == 4 and w.shape[-1] in (1, 3, 4):
        return w.clip(0.0, 1.0).astype("float32")
    return None


class TensorBoard(Callback):
    """Writes logs for TensorBoard: metrics, weight histograms and images, and the model's config.

    Args:
        log_dir: The directory of the runs (`train`, `validation`).
        histogram_freq: Every how many epochs to write weight histograms (0: never).
        write_graph: Write the model's config (the `keras` summary the graph dashboard draws).
        write_images: With `histogram_freq`, also write the weights as images.
        write_steps_per_second: Also log `steps_per_second` (epoch and batch level).
        update_freq: `"epoch"`, `"batch"` (every batch) or an integer number of batches between
            batch-level summaries.
        profile_batch: Validated as in tf.keras; kerasx has no profiler, so a non-zero value is noted
            once and ignored.
        embeddings_freq, embeddings_metadata: Accepted; the embedding projector is not written (noted
            once).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None, **kwargs):
        super().__init__()
        require_writer()  # before anything else: the user learns at once which extra to install
        self._supports_tf_logs = True
        unknown = sorted(set(kwargs) - set(_V1_KWARGS))
        if unknown:
            raise ValueError(f"Unrecognized arguments in `TensorBoard` Callback: {unknown}. Supported kwargs "
                             f"are: {sorted(_V1_KWARGS)}")
        for name, message in _V1_KWARGS.items():
            if kwargs.get(name):
                _logger.warning(message)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError("`update_freq` of the TensorBoard callback must be 'epoch', 'batch' or a "
                             f"positive integer number of batches. Received: update_freq={update_freq!r}")
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError("`histogram_freq` of the TensorBoard callback must be a non-negative integer "
                             f"number of epochs. Received: histogram_freq={histogram_freq!r}")
        start, stop = _parse_profile_batch(profile_batch)
        if (start, stop) != (0, 0):
            _note_once("profile_batch", f"TensorBoard: profile_batch={profile_batch!r} is accepted but "
                       "kerasx has no profiler, so no profile is written.")
        if embeddings_freq:
            _note_once("embeddings", f"TensorBoard: embeddings_freq={embeddings_freq!r} is accepted but "
                       "kerasx does not write the embedding projector's files.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._in_fit = False
        self._train_step = 0  # batches trained in this fit: the step of batch-level summaries
        self._last_batch = -1
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0

    # ------------------------------------------------------------ writers
    def _writer(self, run):
        # Created on first use, as tf.keras's, so no empty run directory appears.
        if run not in self._writers:
            self._writers[run] = EventWriter(self._train_dir if run == "train" else self._val_dir)
        return self._writers[run]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        """As tf.keras: a new model gets new writers, and its config is written when `write_graph`."""
        self._close_writers()
        self.model = model
        if self.write_graph:
            self._write_keras_model_summary()

    def _write_keras_model_summary(self):
        # tf.keras writes the summary for graph networks (Functional, Sequential) only.
        if not (getattr(self.model, "_is_graph_network", False)
                or type(self.model).__name__ == "Sequential"):
            return
        try:
            model_json = self.model.to_json()
        except Exception as e:  # as tf.keras: a model that cannot be serialized must not stop training
            _logger.warning("Model failed to serialize as JSON. Ignoring... %s", e)
            return
        writer = self._writer("train")
        writer.keras_model("keras", model_json, step=0)
        writer.flush()

    # ------------------------------------------------------------ training
    def _implements_train_batch_hooks(self):
        return self.update_freq != "epoch" or self.write_steps_per_second

    def on_train_begin(self, logs=None):
        self._in_fit = True
        self._train_step = 0
        self._last_batch = -1

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._last_batch = -1
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_train_batch_begin(self, batch, logs=None):
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        # `batch` names the last batch of the execution (several with steps_per_execution), so the step
        # counts batches, as tf.keras's train counter.
        self._train_step += batch - self._last_batch
        self._last_batch = batch
        if self.update_freq == "epoch" or self._train_step % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in sync_logs(logs).items():
            writer.scalar("batch_" + name, value, self._train_step)
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            if elapsed > 0:
                writer.scalar("batch_steps_per_second", 1.0 / elapsed, self._train_step)

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, sync_logs(logs))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()  # what tensorboardX's writer thread has written; the rest within flush_secs

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return None
        return int(K.get_value(optimizer.iterations))

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        # tf.keras logs the rate of a LearningRateSchedule (a settable rate shows in the logs as `lr`
        # when a callback sets it).
        rate = getattr(self.model.optimizer, "lr", None)
        if isinstance(rate, schedules.LearningRateSchedule):
            train_logs["learning_rate"] = K.get_value(rate(self.model.optimizer.iterations))
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            train_logs["steps_per_second"] = (self._iterations() - self._epoch_start_iterations) / elapsed
        for run, run_logs in (("train", train_logs), ("validation", val_logs)):
            if run_logs:
                writer = self._writer(run)
                for name, value in run_logs.items():
                    writer.scalar("epoch_" + name, value, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.name.replace(":", "_")
                value = weight.numpy()
                writer.histogram(name + "/histogram", value, epoch)
                if self.write_images:
                    image = _weight_image(value, K.image_data_format())
                    if image is not None:
                        writer.image(name + "/image", image, epoch)

    # ------------------------------------------------------------ evaluation
    def on_test_end(self, logs=None):
        iterations = self._iterations()
        if iterations is None or not logs:
            return
        writer = self._writer("validation")
        for name, value in logs.items():
            writer.scalar("evaluation_" + name + "_vs_iterations", value, iterations)
        if not self._in_fit:  # `evaluate` on its own: nothing more comes, so the file is completed now
            self._close_writers()

    def on_predict_end(self, logs=None):
        self._close_writers()  # the model summary `write_graph` wrote when `predict` set the model
