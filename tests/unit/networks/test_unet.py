import pytest
import torch
from torch import nn

from lesionbench.networks import UNet, create_network

NARROW = (8, 16, 32, 64, 128)


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    """Parameters of a k x k conv (or transposed conv): k*k*cin*cout weights + cout biases."""
    return k * k * cin * cout + (cout if bias else 0)


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (1, 3, 80, 48), (1, 1, 80, 48)),
        ({"in_channels": 4, "out_channels": 2, "norm": "batch", "activation": "mish"}, (2, 4, 37, 50), (2, 2, 37, 50)),
        ({"in_channels": 1, "out_channels": 1, "dropout": 0.5}, (1, 1, 5, 3), (1, 1, 5, 3)),
        ({"spatial_dims": 3, "in_channels": 1, "out_channels": 2, "features": (4, 8, 16)}, (1, 1, 6, 10, 9), (1, 2, 6, 10, 9)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("unet", **{"features": NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_unaligned_input_is_zero_padded_then_cropped():
    # 60 x 44 is not a multiple of 16: the logits must equal those of the input zero-padded at
    # the bottom/right to 64 x 48, cropped back to 60 x 44 (as the docstring states).
    net = UNet(features=NARROW, out_channels=1).eval()
    x = torch.randn(1, 1, 60, 44)
    padded = torch.zeros(1, 1, 64, 48)
    padded[..., :60, :44] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :60, :44])


def test_base_of_paper_000_uses_mish_everywhere():
    net = UNet(features=NARROW, activation="mish")
    mish = [m for m in net.modules() if isinstance(m, nn.Mish)]
    # 2 per encoder level (4), 2 in the bottleneck, 1 after each up-conv and 2 per decoder level (4)
    assert len(mish) == 4 * 2 + 2 + 4 * 3
    assert not any(isinstance(m, nn.ReLU) for m in net.modules())


def test_dropout_sits_at_the_end_of_the_contracting_path():
    net = UNet(features=NARROW, dropout=0.5)
    assert isinstance(net.dropout, nn.Dropout) and net.dropout.p == 0.5
    assert isinstance(UNet(features=NARROW).dropout, nn.Identity)


def test_gradient_reaches_the_first_conv():
    net = UNet(in_channels=1, out_channels=2, features=NARROW)
    net(torch.randn(2, 1, 32, 32)).sum().backward()
    grad = net.encoders[0][0][0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize(
    "kwargs, loss_name",
    [
        ({"out_channels": 1}, "dice"),
        ({"out_channels": 1}, "bce"),
        ({"out_channels": 2, "activation": "mish"}, "dice"),  # paper 000's Base, narrow
    ],
)
def test_it_learns_a_disc(kwargs, loss_name, train_losses):
    net = UNet(in_channels=1, features=NARROW, **kwargs)
    losses = train_losses(net, loss_name, size=32)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_parameter_count_at_standard_widths(parameter_count):
    """Ronneberger et al.'s U-Net, in_channels=1, out_channels=2, no BN: 31,030,658 parameters.

    Counted by hand from the layer list below. The often quoted 31,031,685 is the Keras U-Net
    (zhixuhao/unet) with a one-channel sigmoid output: it ends with an extra 3x3 conv 64 -> 2
    (1,154) and a 1x1 conv 2 -> 1 (3) instead of the 1x1 conv 64 -> 2 (130):
    31,030,658 - 130 + 1,154 + 3 = 31,031,685. We match Ronneberger's layer list.
    """
    widths = [64, 128, 256, 512, 1024]
    expected = 0
    cin = 1
    for w in widths:  # encoder levels and bottleneck: two 3x3 convs each
        expected += conv(3, cin, w) + conv(3, w, w)
        cin = w
    for deep, w in zip(widths[:0:-1], widths[-2::-1]):  # up-conv 2x2, then two 3x3 convs
        expected += conv(2, deep, w) + conv(3, 2 * w, w) + conv(3, w, w)
    expected += conv(1, 64, 2)
    assert expected == 31_030_658
    with torch.device("meta"):
        net = create_network("unet", in_channels=1, out_channels=2)
        bn = create_network("unet", in_channels=1, out_channels=2, norm="batch")
    assert parameter_count(net) == expected
    # with BN each of the 18 3x3 convs loses its bias (cout) and gains gamma, beta (2 cout)
    extra = 2 * sum(widths[:4]) * 2 + 2 * 1024
    assert parameter_count(bn) == expected + extra == 31_036_546
