"""``unet``'s ``upsample="bilinear"`` and ``conv_bias`` options (paper 003's 2D U-Net, thesis Table 4.3)."""

import pytest
import torch
from torch import nn

from lesionbench.networks import UNet, create_network

NARROW = (8, 16, 32, 64, 128)
#: The options that give paper 003's 2D U-Net baseline (thesis Table 4.3: 17,266,241 parameters).
THESIS = {"spatial_dims": 2, "in_channels": 1, "out_channels": 1, "features": (64, 128, 256, 512, 1024),
          "norm": "batch", "upsample": "bilinear", "conv_bias": True}


def conv_bn(cin: int, cout: int, bias: bool = True) -> int:
    """A 3x3 conv (+ bias) followed by BN (gamma, beta)."""
    return 9 * cin * cout + (cout if bias else 0) + 2 * cout


def double_conv(cin: int, mid: int, cout: int, bias: bool = True) -> int:
    return conv_bn(cin, mid, bias) + conv_bn(mid, cout, bias)


def thesis_count(bias: bool = True) -> int:
    """Hand count: encoder 1-64-128-256-512-512, decoder in -> in/2 -> out, 1x1 head 64 -> 1."""
    encoder = sum(double_conv(cin, cout, cout, bias) for cin, cout in [(1, 64), (64, 128), (128, 256), (256, 512), (512, 512)])
    decoder = sum(double_conv(cin, cin // 2, cout, bias) for cin, cout in [(1024, 256), (512, 128), (256, 64), (128, 64)])
    return encoder + decoder + 64 + 1


def test_thesis_settings_give_table_4_3_count_exactly(parameter_count):
    assert thesis_count() == 17_266_241
    with torch.device("meta"):
        net = create_network("unet", **THESIS)
    assert parameter_count(net) == 17_266_241


def test_without_conv_bias_the_eighteen_3x3_biases_go(parameter_count):
    with torch.device("meta"):
        net = create_network("unet", **{**THESIS, "conv_bias": None})
    dropped = 2 * (64 + 128 + 256 + 512 + 512) + (512 + 256) + (256 + 128) + (128 + 64) + (64 + 64)
    assert parameter_count(net) == thesis_count(bias=False) == 17_266_241 - dropped == 17_261_825


def test_decoder_widths_halve_as_the_bilinear_variant():
    with torch.device("meta"):
        net = create_network("unet", **THESIS)
    convs = [(m.in_channels, m.out_channels) for m in net.decoders.modules() if isinstance(m, nn.Conv2d)]
    assert convs == [(1024, 512), (512, 256), (512, 256), (256, 128), (256, 128), (128, 64), (128, 64), (64, 64)]
    assert net.bottom_channels == 512 and net.bottleneck[-1][0].out_channels == 512
    assert all(isinstance(m, nn.Upsample) and m.mode == "bilinear" and m.align_corners for m in net.up_convs)
    assert all(m.bias is not None for m in net.modules() if isinstance(m, nn.Conv2d))


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 1, "norm": "batch", "conv_bias": True}, (2, 1, 32, 32), (2, 1, 32, 32)),
        ({"in_channels": 4, "out_channels": 2}, (1, 4, 37, 50), (1, 2, 37, 50)),
        ({"spatial_dims": 3, "in_channels": 1, "out_channels": 2, "features": (4, 8, 16)}, (1, 1, 6, 10, 9), (1, 2, 6, 10, 9)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("unet", **{"features": NARROW, "upsample": "bilinear", **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_3d_uses_trilinear_interpolation():
    net = UNet(3, features=(4, 8, 16), upsample="bilinear")
    assert [m.mode for m in net.up_convs] == ["trilinear", "trilinear"]


def test_encode_decode_compose_with_a_halved_bottleneck():
    net = UNet(2, 1, 1, features=(4, 8, 16), upsample="bilinear").eval()
    x = torch.randn(1, 1, 8, 12)
    with torch.no_grad():
        skips, bottom = net.encode(x)
        assert bottom.shape == (1, 8, 2, 3)
        torch.testing.assert_close(net.head(net.decode(bottom, skips)), net(x))


def test_defaults_keep_the_transposed_up_conv_and_state_dict():
    default, explicit = UNet(features=NARROW), UNet(features=NARROW, upsample="transpose", conv_bias=None)
    assert default.upsample == "transpose"
    assert list(default.state_dict()) == list(explicit.state_dict())
    assert isinstance(default.up_convs[0][0], nn.ConvTranspose2d)


def test_conv_bias_true_with_transpose_keeps_biases_before_bn(parameter_count):
    plain = UNet(features=NARROW, norm="batch")
    biased = UNet(features=NARROW, norm="batch", conv_bias=True)
    # 2 convs per level (5 levels incl. the bottleneck) + 2 per decoder level (4)
    assert parameter_count(biased) - parameter_count(plain) == 2 * sum(NARROW) + 2 * sum(NARROW[:-1])


def test_unknown_upsample_is_a_value_error():
    with pytest.raises(ValueError, match=r"upsample must be one of \['transpose', 'bilinear'\], got 'nearest'"):
        UNet(upsample="nearest")


def test_bilinear_learns_a_disc(train_losses):
    net = UNet(in_channels=1, out_channels=1, features=NARROW, norm="batch", upsample="bilinear", conv_bias=True)
    losses = train_losses(net, "bce", size=32, lr=1e-2)
    assert losses[-1] <= 0.5 * losses[0], losses
