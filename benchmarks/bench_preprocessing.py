"""The string preprocessing layers' cost per batch, and the choice of counting their multi-hot / count rows
on the host (where the looked-up indices are) against a device one-hot reduced over the tokens.

Rows run round-robin (one call of each per round), medians over the rounds:
  TextVectorization int       a batch of sentences -> (batch, 64) indices (standardize, split, lookup)
  TextVectorization multi_hot the same batch -> (batch, vocab) rows, counted on the host (the layer)
  device one-hot + max        the same indices as a device one_hot (batch, tokens, vocab), max over tokens
                              (the alternative the layer does not take), ratio against the row above's
                              encoding step alone
  host encode only            encoding.encode_categorical_inputs on the same indices, plus the transfer
  StringLookup int            (batch, 64) tokens -> indices
  Hashing                     (batch, 64) tokens -> FarmHash bins

    python benchmarks/bench_preprocessing.py [--rounds 15] [--batch 256] [--vocab 20000]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from kerasx import layers, ops  # noqa: E402
from kerasx.autodiff.tensor import as_tensor  # noqa: E402
from kerasx.layers.preprocessing.encoding import encode_categorical_inputs  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--vocab", type=int, default=20000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(args.vocab)], dtype=object)
    # Zipf-like word frequencies, 20 to 60 words a sentence.
    probs = 1.0 / np.arange(1, args.vocab + 1)
    probs /= probs.sum()
    sentences = np.array([" ".join(rng.choice(words, rng.integers(20, 60), p=probs))
                          for _ in range(args.batch)], dtype=object).reshape(-1, 1)
    vocab = words.tolist()
    to_int = layers.TextVectorization(vocabulary=vocab, output_sequence_length=64)
    to_multi = layers.TextVectorization(vocabulary=vocab, output_mode="multi_hot")
    tokens = to_int._preprocess(sentences)
    indices = to_multi._lookup_layer._lookup(to_multi._preprocess(sentences))
    depth = to_multi.vocabulary_size()
    lookup = layers.StringLookup(vocabulary=vocab)
    hashing = layers.Hashing(num_bins=1024)
    token_grid = tokens.reshape(args.batch, -1)

    def device_one_hot():
        hot = ops.one_hot(as_tensor(indices), depth, dtype="float32")
        return ops.max(hot, axis=-2).numpy()

    rows = [
        ("TextVectorization int (batch, 64)", lambda: to_int(sentences).numpy()),
        ("TextVectorization multi_hot (batch, vocab)", lambda: to_multi(sentences).numpy()),
        ("host encode only (+ transfer)", lambda: as_tensor(encode_categorical_inputs(
            indices, "multi_hot", depth)).numpy()),
        ("device one-hot + max (alternative)", device_one_hot),
        ("StringLookup int (batch, 64)", lambda: lookup(token_grid).numpy()),
        ("Hashing (batch, 64)", lambda: hashing(token_grid).numpy()),
    ]
    times = {name: [] for name, _ in rows}
    for _ in range(args.rounds):
        for name, fn in rows:
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    medians = {name: 1e3 * statistics.median(t) for name, t in times.items()}
    print(f"batch {args.batch} sentences, vocabulary {args.vocab}, {indices.shape[1]} tokens in the longest, "
          f"median of {args.rounds} interleaved rounds, {os.cpu_count()} CPUs")
    print(f"{'row':46s} {'ms':>9s}")
    for name, _ in rows:
        print(f"{name:46s} {medians[name]:9.2f}")
    host = medians["host encode only (+ transfer)"]
    print(f"device one-hot / host encode: {medians['device one-hot + max (alternative)'] / host:.1f}x "
          f"(the one-hot holds {args.batch * indices.shape[1] * depth * 4 / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
