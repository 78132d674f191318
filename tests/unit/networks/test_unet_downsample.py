"""``unet``'s ``downsample`` option (paper 001 section 2.1, docs/paper001.md, A-3) and its encode/decode split."""

import pytest
import torch
from torch import nn

from lesionbench.networks import UNet, create_network


def test_default_is_max_pooling_and_the_parameters_are_unchanged(parameter_count):
    net = UNet(features=(4, 8, 16))
    assert net.downsample == "maxpool"
    assert all(isinstance(m, nn.MaxPool2d) and m.kernel_size == 2 and m.stride == 2 for m in net.downsamplers)
    assert not any("downsamplers" in key for key in net.state_dict())
    # the count of the original layer list (test_unet.test_parameter_count_at_standard_widths)
    assert parameter_count(UNet(features=(4, 8, 16), downsample="maxpool")) == parameter_count(net)


@pytest.mark.parametrize("spatial_dims, shape", [(2, (2, 1, 37, 20)), (3, (1, 1, 12, 8, 9))])
def test_conv_downsampling_adds_one_strided_conv_per_level_and_keeps_the_shape(spatial_dims, shape, parameter_count):
    features = (4, 8, 16)
    pooled = UNet(spatial_dims, 1, 2, features=features)
    strided = create_network("unet", spatial_dims=spatial_dims, in_channels=1, out_channels=2, features=features,
                             downsample="conv")
    k = 2 ** spatial_dims
    assert parameter_count(strided) - parameter_count(pooled) == sum(k * w * w + w for w in features[:-1])
    conv = nn.Conv2d if spatial_dims == 2 else nn.Conv3d
    for (layer, act), width in zip(strided.downsamplers, features[:-1]):
        assert isinstance(layer, conv) and isinstance(act, nn.ReLU)
        assert layer.in_channels == layer.out_channels == width
        assert layer.kernel_size == (2,) * spatial_dims and layer.stride == (2,) * spatial_dims
    with torch.no_grad():
        assert strided.eval()(torch.randn(shape)).shape == (shape[0], 2, *shape[2:])


def test_conv_downsampling_uses_the_activation_and_he_init():
    net = UNet(3, features=(16, 32, 64), activation="mish", downsample="conv")
    layer, act = net.downsamplers[1]
    assert isinstance(act, nn.Mish)
    assert abs(layer.weight.std().item() / (2 / (8 * 32)) ** 0.5 - 1) < 0.1
    assert torch.count_nonzero(layer.bias) == 0


def test_unknown_downsample_is_a_value_error():
    with pytest.raises(ValueError, match=r"downsample must be one of \['maxpool', 'conv'\], got 'avg'"):
        UNet(downsample="avg")


def test_encode_decode_compose_to_forward():
    net = UNet(3, 1, 1, features=(4, 8, 16)).eval()
    x = torch.randn(1, 1, 8, 12, 16)
    with torch.no_grad():
        skips, bottom = net.encode(x)
        assert [tuple(s.shape) for s in skips] == [(1, 4, 8, 12, 16), (1, 8, 4, 6, 8)]
        assert bottom.shape == (1, 16, 2, 3, 4)
        decoded = net.decode(bottom, skips)
        assert decoded.shape == (1, 4, 8, 12, 16)
        torch.testing.assert_close(net.head(decoded), net(x))
