"""TensorFlow's string hashes, against published reference values: SipHash-2-4's test vectors (the
SipHash paper, appendix A), and tf.keras's documented outputs of Hashing and HashedCrossing."""
import farmhash
import numpy as np
import pytest

from kerasx.layers.preprocessing import hash_functions as hf

KEY = bytes(range(16))
K0, K1 = int.from_bytes(KEY[:8], "little"), int.from_bytes(KEY[8:], "little")


@pytest.mark.parametrize("length, expected", [
    (0, 0x726FDB47DD0E0E31), (1, 0x74F839C593DC67FD), (7, 0xAB0200F58B01D137),
    (8, 0x93F5F5799A932462), (15, 0xA129CA6149BE45E5), (16, 0x3F2ACC7F57C29BDB),
])
def test_siphash_matches_reference_vectors(length, expected):
    assert hf.siphash64(K0, K1, bytes(range(length))) == expected


def test_fingerprint64_is_farmhash_and_buckets_are_tf_keras_docs():
    values = np.array(["A", "B", "C", "D", "E"], dtype=object)
    fp = hf.fingerprint64(values, "test")
    assert fp.dtype == np.uint64
    assert [int(v) for v in fp] == [farmhash.fingerprint64(s) for s in "ABCDE"]
    # tf.keras's docstring: Hashing(num_bins=3) on A..E.
    assert hf.hash_bucket_fast(values, 3, "test").tolist() == [1, 0, 1, 1, 2]
    # Bytes and their UTF-8 text hash alike.
    assert hf.fingerprint64(np.array([b"caf\xc3\xa9", "café"], dtype=object), "t").tolist()[0] == \
        hf.fingerprint64(np.array(["café"], dtype=object), "t").tolist()[0]


def test_strong_hash_buckets_match_tf_keras_docs():
    values = np.array(list("ABCDE"), dtype=object)
    assert hf.hash_bucket_strong(values, 3, [133, 137]).tolist() == [1, 2, 1, 0, 2]
    assert hf.hash_bucket_strong(values, 3, [133, 133]).tolist() == [0, 0, 2, 1, 0]


def test_fingerprint_cat64_by_its_formula():
    mul, mask = 0xC6A4A7935BD1E995, (1 << 64) - 1
    a, b = 0x0123456789ABCDEF, 0xFEDCBA9876543210

    def shift_mix(v):
        return v ^ (v >> 47)
    expected = a ^ mul
    expected ^= (shift_mix((b * mul) & mask) * mul) & mask
    expected = shift_mix((shift_mix((expected * mul) & mask) * mul) & mask)
    assert hf.fingerprint_cat64(a, b) == expected


def test_cross_hashed_matches_tf_keras_docs():
    # HashedCrossing(num_bins=5) docstring; integers enter the chain as their own value.
    out = hf.cross_hashed([np.array(list("ABABA"), dtype=object), np.array([101, 101, 101, 102, 102])], 5, "t")
    assert out.tolist() == [1, 4, 1, 1, 3]
    # Negative integers as their two's complement.
    neg = hf.cross_hashed([np.array([-1]), np.array(["x"], dtype=object)], 1 << 62, "t")
    key = hf.fingerprint_cat64(hf.fingerprint_cat64(0xDECAFCAFFE, (1 << 64) - 1), farmhash.fingerprint64("x"))
    assert neg.tolist() == [key % (1 << 62)]


def test_missing_farmhash_names_the_extra(monkeypatch):
    monkeypatch.setattr(hf, "farmhash", None)
    with pytest.raises(ImportError, match=r"Hashing hashes strings with FarmHash.*kerasx\[preprocessing\].*pyfarmhash"):
        hf.fingerprint64(np.array(["a"], dtype=object), "Hashing")
