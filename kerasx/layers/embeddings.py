"""Keras 2's `keras.layers.embeddings` import path: `Embedding`, the same class as `kerasx.layers`'s."""
from kerasx.layers.embedding import Embedding

__all__ = ["Embedding"]
