"""The string hashes of tf.keras's preprocessing layers, on the host, bit for bit as TensorFlow's:

- `tf.strings.to_hash_bucket_fast`: FarmHash's Fingerprint64 modulo the bucket count (`Hashing`,
  `StringLookup`'s extra OOV buckets). FarmHash comes from `pyfarmhash`, the optional `preprocessing`
  extra; its `fingerprint64` is the same function as TensorFlow's `Fingerprint64`.
- `tf.strings.to_hash_bucket_strong`: SipHash-2-4 keyed with the two 64-bit halves of `salt`
  (`Hashing(salt=...)`), written out here (a few lines, as the reference gives it).
- `tf.sparse.cross_hashed`: `FingerprintCat64` chained from the key 0xDECAFCAFFE over each feature's
  hash, a string's Fingerprint64 or an integer's own (two's-complement) value (`HashedCrossing`).
"""
import numpy as np  # host-side: strings never reach a device; hashes are computed on host arrays

try:
    import farmhash
except ImportError:  # the extra is not installed: `require_farmhash` says so when a hash is needed
    farmhash = None

_MASK64 = (1 << 64) - 1
_CROSS_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key
_CAT_MUL = 0xC6A4A7935BD1E995


def require_farmhash(owner):
    if farmhash is None:
        raise ImportError(f"{owner} hashes strings with FarmHash's Fingerprint64, as TensorFlow does, which "
                          "needs the `pyfarmhash` package: pip install 'kerasx[preprocessing]' (or "
                          "pip install pyfarmhash).")


def _utf8(s):
    return s if isinstance(s, bytes) else str(s).encode("utf-8")


def fingerprint64(values, owner):
    """FarmHash Fingerprint64 of each string of `values` (a host array), as a uint64 array."""
    require_farmhash(owner)
    flat = [farmhash.fingerprint64(_utf8(v)) for v in values.ravel().tolist()]
    return np.array(flat, dtype=np.uint64).reshape(values.shape)


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & _MASK64


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _MASK64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _MASK64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _MASK64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _MASK64
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash64(k0, k1, data):
    """SipHash-2-4 of the bytes `data` under the 128-bit key (k0, k1), as TensorFlow's StrongKeyedHash."""
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573
    n = len(data)
    end = n - n % 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    last = ((n & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v3 ^= last
    v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
    v0 ^= last
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def hash_bucket_fast(values, num_buckets, owner):
    """`tf.strings.to_hash_bucket_fast`: int64 bucket of each string of the host array `values`."""
    return (fingerprint64(values, owner) % np.uint64(num_buckets)).astype(np.int64)


def hash_bucket_strong(values, num_buckets, key):
    """`tf.strings.to_hash_bucket_strong` with `key` = [k0, k1]."""
    k0, k1 = (int(k) & _MASK64 for k in key)
    flat = [siphash64(k0, k1, _utf8(v)) % num_buckets for v in values.ravel().tolist()]
    return np.array(flat, dtype=np.int64).reshape(values.shape)


def mask_values(values, mask_value):
    """Where the host array `values` equals `mask_value` (None: nowhere), as a bool array."""
    if mask_value is None:
        return None
    if values.dtype.kind == "O":
        return np.asarray(np.frompyfunc(lambda v: v == mask_value, 1, 1)(values), dtype=bool)
    if isinstance(mask_value, (str, bytes)):
        return np.zeros(values.shape, dtype=bool)
    return values == mask_value


def hash_to_bins(strings, num_bins, mask, salt, owner):
    """tf.keras Hashing's bins of the host string array `strings`: with a `mask` (bool array) the masked
    entries take bin 0 and the others hash into 1..num_bins-1 (when num_bins > 1)."""
    hash_bins = num_bins - 1 if mask is not None and num_bins > 1 else num_bins
    if salt is not None:
        bins = hash_bucket_strong(strings, hash_bins, salt)
    else:
        bins = hash_bucket_fast(strings, hash_bins, owner)
    if mask is not None and num_bins > 1:
        bins = np.where(mask, 0, bins + 1)
    return bins


def fingerprint_cat64(fp1, fp2):
    """TensorFlow's `FingerprintCat64` (tensorflow/core/platform/fingerprint.h) on Python ints."""
    def shift_mix(v):
        return v ^ (v >> 47)
    result = fp1 ^ _CAT_MUL
    result ^= (shift_mix((fp2 * _CAT_MUL) & _MASK64) * _CAT_MUL) & _MASK64
    result = (result * _CAT_MUL) & _MASK64
    result = (shift_mix(result) * _CAT_MUL) & _MASK64
    return shift_mix(result)


def cross_hashed(features, num_buckets, owner):
    """`tf.sparse.cross_hashed` of dense 1-D host arrays of equal length (strings or integers): the
    int64 bucket of each row's cross."""
    hashes = []
    for f in features:
        if f.dtype.kind in "iub":
            hashes.append([int(v) & _MASK64 for v in f.tolist()])
        else:
            hashes.append([int(h) for h in fingerprint64(f, owner).tolist()])
    out = []
    for row in zip(*hashes):
        h = _CROSS_KEY
        for feature_hash in row:
            h = fingerprint_cat64(h, feature_hash)
        out.append(h % num_buckets)
    return np.array(out, dtype=np.int64)
