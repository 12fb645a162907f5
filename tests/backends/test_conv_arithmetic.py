"""The convolution and pooling geometry shared by the kernels, the primitives and the layers, checked
against counting windows one by one."""
import itertools

import pytest

from backends import conv_arithmetic as ca


def _windows(n, kernel, stride, dilation, before, after):
    """Window starts whose every tap falls inside the padded axis, counted directly."""
    span = (kernel - 1) * dilation + 1
    return len([start for start in range(0, n + before + after, stride) if start + span <= n + before + after])


@pytest.mark.parametrize("n, k, s, r, lo, hi", [
    c for c in itertools.product((1, 4, 7, 10), (1, 2, 3), (1, 2, 3), (1, 2), (0, 1), (0, 2))
    if (c[1] - 1) * c[3] + 1 <= c[0] + c[4] + c[5]])
def test_conv_output_size_counts_the_windows(n, k, s, r, lo, hi):
    assert ca.conv_output_size(n, k, s, r, lo, hi) == _windows(n, k, s, r, lo, hi)


@pytest.mark.parametrize("n, k, s, r", list(itertools.product((1, 5, 8, 9), (1, 2, 3, 4), (1, 2, 3), (1, 2))))
def test_same_padding_gives_ceil_outputs_with_the_odd_element_after(n, k, s, r):
    before, after = ca.same_padding(n, k, s, r)
    assert 0 <= after - before <= 1
    assert ca.conv_output_size(n, k, s, r, before, after) == -(-n // s)
    assert ca.conv_output_length(n, k, "same", s, r) == -(-n // s)


def test_keras_lengths_and_unknown_dimensions():
    assert ca.conv_output_length(None, 3, "valid", 1) is None
    assert ca.conv_output_length(10, 3, "valid", 2, dilation=2) == ca.conv_output_size(10, 3, 2, 2)
    assert ca.conv_output_length(10, 3, "causal", 3) == 4
    # Keras's docstring cases for the transposed convolution.
    assert ca.deconv_output_length(5, 3, "valid", stride=2) == 11
    assert ca.deconv_output_length(5, 3, "same", stride=2) == 10
    assert ca.deconv_output_length(5, 3, "same", output_padding=1, stride=2) == 10
    assert ca.deconv_output_length(None, 3, "same", stride=2) is None


def test_pool_geometry():
    assert ca.pool_geometry((5, 4), (2, 2), (2, 2), "valid") == ((2, 2), ((0, 0), (0, 0)))
    assert ca.pool_geometry((5, 4), (3, 2), (2, 2), "same") == ((3, 2), ((1, 1), (0, 0)))
    assert ca.pool_output_length(1, 2, 2, "valid") == 0  # TensorFlow allows an empty output
    assert ca.pool_output_length(None, 2, 2, "same") is None
