"""The Keras argument normalisers shared by ops.conv and the conv, pooling and reshaping layers."""
import pytest

from kerasx.ops import conv_utils


def test_normalize_tuple():
    assert conv_utils.normalize_tuple(2, 3, "strides") == (2, 2, 2)
    assert conv_utils.normalize_tuple((1, 2.0), 2, "strides") == (1, 2)
    assert conv_utils.normalize_tuple((0, 1), 2, "padding", allow_zero=True) == (0, 1)
    with pytest.raises(ValueError, match=r"The `strides` argument must be a tuple of 2 integers. Received: "
                                         r"\(1, 0\) including \{0\} that does not satisfy the requirement `> 0`."):
        conv_utils.normalize_tuple((1, 0), 2, "strides")


def test_normalize_padding_for_convolutions_and_for_pooling():
    assert conv_utils.normalize_padding("SAME") == "same"
    assert conv_utils.normalize_padding("causal") == "causal"
    assert conv_utils.normalize_padding(((1, 1), (0, 0))) == ((1, 1), (0, 0))
    assert conv_utils.normalize_padding("Valid", pooling=True) == "valid"
    message = r'The `padding` argument must be a list/tuple or one of "valid", "same" .* Received: '
    for bad in ("causal", ((1, 1),)):
        with pytest.raises(ValueError, match=message):
            conv_utils.normalize_padding(bad, pooling=True)
    with pytest.raises(ValueError, match=message + "3"):
        conv_utils.normalize_padding(3)


def test_normalize_data_format():
    assert conv_utils.normalize_data_format("Channels_First") == "channels_first"
    assert conv_utils.normalize_data_format(None) in ("channels_last", "channels_first")
    with pytest.raises(ValueError, match='must be one of "channels_first", "channels_last". Received: nhwc'):
        conv_utils.normalize_data_format("nhwc")
