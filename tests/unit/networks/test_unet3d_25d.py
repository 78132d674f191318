"""``unet3d_25d``: paper 003's 3D U-Net baseline on the four-slice stack (thesis Tables 3.2, 4.2)."""

import pytest
import torch
from torch import nn

from lesionbench.losses import create_loss
from lesionbench.networks import UNet3D25D, create_network
from lesionbench.networks.unet3d_25d import _UpConv3d

NARROW = (4, 8, 16, 32, 64)


def conv(k: int, cin: int, cout: int, dims: int = 3) -> int:
    """A k^dims conv with bias."""
    return k**dims * cin * cout + cout


def bn_block(cin: int, cout: int, dims: int = 3) -> int:
    """Two 3^dims conv (bias) + BN (gamma, beta)."""
    return conv(3, cin, cout, dims) + 2 * cout + conv(3, cout, cout, dims) + 2 * cout


def hand_count(features, depth: int = 4, out_channels: int = 1) -> int:
    encoder = sum(bn_block(cin, cout) for cin, cout in zip((1, *features[:-1]), features))
    decoder = sum(conv(2, deep, w) + bn_block(2 * w, w) for deep, w in zip(features[:0:-1], features[-2::-1]))
    tail = conv(1, features[0], 1) + bn_block(depth, features[0], dims=2) + conv(1, features[0], out_channels, dims=2)
    return encoder + decoder + tail


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({}, (2, 4, 32, 32), (2, 1, 32, 32)),
        ({"out_channels": 2}, (1, 4, 40, 36), (1, 2, 40, 36)),  # 40, 36: not multiples of 16
        ({"in_channels": 3, "features": (4, 8, 16)}, (1, 3, 13, 20), (1, 1, 13, 20)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("unet3d_25d", **{"features": NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_depth_is_never_pooled():
    net = UNet3D25D(features=NARROW).eval()
    shapes = []
    for block in (*net.encoders, *net.decoders):
        block.register_forward_hook(lambda module, args, out: shapes.append(tuple(out.shape)))
    with torch.no_grad():
        net(torch.randn(1, 4, 32, 48))
    assert net.pool.kernel_size == (1, 2, 2) and net.pool.stride == (1, 2, 2)
    assert shapes == [
        (1, 4, 4, 32, 48), (1, 8, 4, 16, 24), (1, 16, 4, 8, 12), (1, 32, 4, 4, 6), (1, 64, 4, 2, 3),  # encoder
        (1, 32, 4, 4, 6), (1, 16, 4, 8, 12), (1, 8, 4, 16, 24), (1, 4, 4, 32, 48),  # decoder
    ]
    assert net.block2d[0][0].in_channels == 4  # the depth became channels


@pytest.mark.parametrize("features", [(32, 64, 128, 256, 512), NARROW])
def test_parameter_count_by_hand(features, parameter_count):
    with torch.device("meta"):
        net = UNet3D25D(features=features)
    assert parameter_count(net) == hand_count(features)
    if features[0] == 32:
        assert parameter_count(net) == 22_591_810


def test_dropout_at_the_two_deepest_levels_only():
    net = UNet3D25D(features=NARROW)
    assert [isinstance(d, nn.Dropout) and d.p == 0.3 for d in net.dropouts] == [False, False, False, True, True]
    assert not any(isinstance(m, nn.Dropout) for m in UNet3D25D(features=NARROW, dropout=0.0).modules())


def test_up_conv_pads_after_as_keras_same():
    # A 2x2x2 kernel that reads only its last voxel: output voxel i takes input voxel i + 1 of the
    # (nearest, in-plane x2) up-sampled map; past the end it reads the zero padding.
    up = _UpConv3d(1, 1)
    with torch.no_grad():
        up.conv.weight.zero_()
        up.conv.bias.zero_()
        up.conv.weight[0, 0, 1, 1, 1] = 1.0
    x = torch.arange(1.0, 5.0).reshape(1, 1, 2, 1, 2)  # depth 2, 1 x 2 in-plane
    out = up(x)
    assert out.shape == (1, 1, 2, 2, 4)
    expected_d0 = torch.tensor([[3.0, 4.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]])  # row 1 and col 3 read the pad
    torch.testing.assert_close(out[0, 0, 0], expected_d0)
    torch.testing.assert_close(out[0, 0, 1], torch.zeros(2, 4))  # depth 1 reads the depth pad


def test_wrong_stack_depth_is_a_value_error():
    with pytest.raises(ValueError, match=r"expected \(B, 4, H, W\), got \(1, 1, 16, 16\)"):
        UNet3D25D(features=NARROW)(torch.zeros(1, 1, 16, 16))


def test_it_learns_a_disc_from_a_four_slice_stack(disc_batch):
    images, masks = disc_batch(2, 32)
    gen = torch.Generator().manual_seed(1)
    # slices -2, -1, 0, +1: the same disc with fresh noise, the target (channel 2) as drawn
    stack = torch.cat([images + 0.2 * torch.randn(images.shape, generator=gen) if k != 2 else images
                       for k in range(4)], dim=1)
    net = UNet3D25D(features=NARROW)
    loss_fn = create_loss("bce")
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = loss_fn(net(stack), masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] <= 0.5 * losses[0], losses
