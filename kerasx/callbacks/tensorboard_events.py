"""TensorBoard event files, written through tensorboardX (the optional `tensorboard` extra).

tensorboardX is a maintained writer of TensorBoard's event-file format: it builds the `Summary`
protocol buffers with its own generated proto classes and appends them to
`events.out.tfevents.*` files that TensorBoard (and `tensorboard`'s event reader) reads. kerasx only
chooses the tags and the values; it encodes nothing itself.
"""
try:
    import tensorboardX
    from tensorboardX import summary as tbx_summary
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboardX.proto.tensor_pb2 import TensorProto
    from tensorboardX.proto.types_pb2 import DT_STRING
except ImportError:  # the extra is not installed: `require_writer` says so when a TensorBoard is made
    tensorboardX = None

MISSING_EXTRA_MESSAGE = (
    "The TensorBoard callback needs the `tensorboard` extra, which provides tensorboardX to write "
    "TensorBoard's event files: pip install 'kerasx[tensorboard]'")

# tf.summary.histogram's default number of buckets (TensorFlow 2.x).
HISTOGRAM_BUCKETS = 30


def require_writer():
    """Raises ImportError naming the extra when tensorboardX is not installed."""
    if tensorboardX is None:
        raise ImportError(MISSING_EXTRA_MESSAGE)


class EventWriter:
    """One run directory's event file (`log_dir/train` or `log_dir/validation`)."""

    def __init__(self, logdir):
        require_writer()
        self.logdir = logdir
        self._writer = tensorboardX.FileWriter(logdir)

    def scalar(self, tag, value, step):
        self._writer.add_summary(tbx_summary.scalar(tag, float(value)), int(step))

    def histogram(self, tag, values, step):
        """`values`: a NumPy array (host data: a histogram is made on the host)."""
        self._writer.add_summary(tbx_summary.histogram(tag, values, HISTOGRAM_BUCKETS), int(step))

    def image(self, tag, images, step):
        """`images`: an NHWC float NumPy array of values in [0, 1]; several images are tiled into one, as
        tensorboardX does for a batch of images."""
        dataformats = "HWC" if images.shape[0] == 1 else "NHWC"
        data = images[0] if images.shape[0] == 1 else images
        self._writer.add_summary(tbx_summary.image(tag, data, dataformats=dataformats), int(step))

    def keras_model(self, tag, model_json, step):
        """The model's JSON config as the summary tf.keras's `keras_model_summary` writes: a string
        tensor with plugin `graph_keras_model` (content b"1"), which TensorBoard's graph dashboard draws
        as the model's conceptual graph."""
        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = TensorProto(dtype=DT_STRING, string_val=[model_json.encode("utf-8")])
        value = Summary.Value(tag=tag, metadata=metadata, tensor=tensor)
        self._writer.add_summary(Summary(value=[value]), int(step))

    def flush(self):
        """Flushes what tensorboardX's writer thread has written (it writes the queue within
        `flush_secs`, 120 s, as tf.summary's writer); `close` writes everything."""
        self._writer.flush()

    def close(self):
        self._writer.close()

