"""What the integrity checks of .h5 files cost: file size and save/load time, with kerasx's format (HDF5
1.8 format, a CRC-32 per weight and config) against the layout tf.keras writes (HDF5's earliest format,
no checksums), for a small model and a large one.

    python benchmarks/bench_saving.py
"""
import os
import tempfile
import time
import zlib

import h5py
import numpy as np

import kerasx as keras
from kerasx import layers
from kerasx.saving import hdf5_file


def _model(width, depth):
    inputs = keras.Input(shape=(width,))
    x = inputs
    for _ in range(depth):
        x = layers.Dense(width, activation="relu")(x)
    model = keras.Model(inputs, x)
    model.compile("adam", "mse")
    data = np.zeros((8, width), "float32")
    model.fit(data, data, verbose=0)
    return model


def _best_of(n, fn):
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for label, width, depth in [("small (2 Dense, 4.2 k parameters)", 32, 2),
                                    ("large (4 Dense 1024x1024, 4.2 M parameters)", 1024, 4)]:
            model = _model(width, depth)
            path = os.path.join(tmp, "m.h5")
            rows = []
            for name, libver, checksums in [("tf.keras layout", ("earliest", "latest"), False),
                                            ("kerasx", hdf5_file.WRITE_LIBVER, True)]:
                hdf5_file.WRITE_LIBVER = libver
                crc = zlib.crc32
                if not checksums:  # the same code path with the sums made free
                    zlib.crc32 = lambda data, start=0: 0
                try:
                    save = _best_of(3, lambda: model.save(path))
                    load = _best_of(3, lambda: keras.models.load_model(path))
                finally:
                    zlib.crc32 = crc
                rows.append((name, os.path.getsize(path), save, load))
            hdf5_file.WRITE_LIBVER = ("v108", "v108")
            print(label)
            for name, size, save, load in rows:
                print(f"  {name:16s} {size:>11,d} bytes   save {save * 1e3:7.1f} ms   load {load * 1e3:7.1f} ms")
        big = np.zeros(64 * 2 ** 20 // 4, "float32")
        crc_time = _best_of(3, lambda: zlib.crc32(memoryview(big)))
        print(f"zlib.crc32 over 64 MiB: {crc_time * 1e3:.1f} ms ({64 / crc_time / 1024:.2f} GiB/s); h5py "
              f"{h5py.__version__}, HDF5 {h5py.version.hdf5_version}")


if __name__ == "__main__":
    main()
