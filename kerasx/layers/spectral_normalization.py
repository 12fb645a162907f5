"""SpectralNormalization (tf.keras.layers.SpectralNormalization): a wrapper that, in training, divides the
wrapped layer's kernel by its largest singular value, estimated by power iteration (Miyato et al. 2018)."""
from kerasx import initializers, ops
from kerasx.engine.input_spec import InputSpec
from kerasx.layers.normalization import l2_normalize
from kerasx.layers.wrappers import Wrapper


class SpectralNormalization(Wrapper):
    """Wraps a layer with a `kernel` (Dense, the convolutions) or `embeddings` (Embedding).

    As tf.keras: each training call runs `power_iterations` steps from the stored left singular vector
    estimate `vector_u` (a non-trainable (1, units) weight, after the wrapped layer's), assigns the
    normalized kernel to the wrapped layer's kernel in place and `vector_u` its new value, then calls the
    wrapped layer; an all-zero kernel is left as it is. Inference calls the wrapped layer unchanged."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if isinstance(power_iterations, bool) or not isinstance(power_iterations, int) or power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        input_shape = tuple(input_shape)
        self.input_spec = InputSpec(shape=(None,) + input_shape[1:])
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight("vector_u", shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
                                        dtype=self.kernel.dtype)
        self.built = True

    def call(self, inputs, training=False):
        if training:
            self._update_weights()
        return self.layer(inputs)

    def _update_weights(self):
        # The update is an assignment, outside any gradient: the wrapped layer's gradient reaches the
        # kernel variable itself, as in tf.keras.
        # An all-zero kernel is kept (tf.keras's tf.cond), chosen on the device: no read-back per step.
        kernel = ops.stop_gradient(self.kernel.value())
        nonzero = ops.greater(ops.max(ops.abs(kernel)), 0.0)
        normalized, vector_u = self.normalize_weights()
        self.kernel.assign(ops.where(nonzero, normalized, kernel))
        self.vector_u.assign(ops.where(nonzero, vector_u, self.vector_u.value()))

    def normalize_weights(self):
        """The kernel divided by its spectral-norm estimate, and the new `vector_u`."""
        weights = ops.reshape(ops.stop_gradient(self.kernel.value()), (-1, self.kernel_shape[-1]))
        vector_u = ops.stop_gradient(self.vector_u.value())
        vector_v = vector_u
        for _ in range(self.power_iterations):
            vector_v = l2_normalize(ops.matmul(vector_u, ops.transpose(weights)), None)
            vector_u = l2_normalize(ops.matmul(vector_v, weights), None)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        # Only an all-zero kernel has sigma 0, and its result is discarded: no 0/0 warning for it.
        sigma = ops.maximum(sigma, 1.1754944e-38)
        return ops.reshape(ops.divide(weights, sigma), self.kernel_shape), vector_u

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
