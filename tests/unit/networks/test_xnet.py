import pytest
import torch

from lesionbench.networks import create_network
from lesionbench.networks.xnet import FeatureSimilarityModule, XBlock, XNet, dot_product_attention

NARROW = {"features": (8, 16, 32, 64, 128)}


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 1}, (2, 1, 64, 64), (2, 1, 64, 64)),
        ({"in_channels": 4, "out_channels": 2}, (2, 4, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 1, "out_channels": 1}, (1, 1, 32, 48), (1, 1, 32, 48)),
        ({"in_channels": 1, "out_channels": 1, "features": (4, 8, 16)}, (1, 1, 12, 8), (1, 1, 12, 8)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("xnet", **{**NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_full_width_parameter_count_is_table_4_3(parameter_count):
    with torch.device("meta"):
        net = XNet(in_channels=1, out_channels=1)
    assert parameter_count(net) == 15_072_332  # paper 003 Table 4.3, X-Net
    with torch.device("meta"):
        assert parameter_count(XNet(in_channels=4)) == 15_072_332 + 3 * (64 + 9 + 2 + 64)  # 2.5D input differs


@pytest.mark.parametrize("cin, c", [(1, 64), (3, 8), (2048, 1024)])
def test_x_block_parameter_formula(parameter_count, cin, c):
    residual = cin * c + c + 2 * c  # 1x1 conv with bias, BN
    first = 9 * cin + 2 * cin + cin * c + c + 2 * c  # depthwise (no bias), BN, pointwise (bias), BN
    later = 9 * c + 2 * c + c * c + c + 2 * c
    with torch.device("meta"):
        block = XBlock(cin, c)
    assert parameter_count(block) == residual + first + 2 * later


def test_x_block_sums_the_residual_and_separable_branches():
    block = XBlock(3, 4).eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        block.separable[2][3][1].weight.zero_()  # last pointwise BN -> 0, ReLU(0) = 0
        block.separable[2][3][1].bias.zero_()
        torch.testing.assert_close(block(x), block.residual(x))
        assert block.separable[0][0].groups == 3 and block.separable[0][0].bias is None


def test_fsm_widths_scale_with_the_bottleneck():
    with torch.device("meta"):
        paper = XNet()
    assert paper.fsm_channels == (128, 64)
    assert (paper.fsm.theta.in_channels, paper.fsm.theta.out_channels, paper.fsm.out.out_channels) == (128, 64, 128)
    assert XNet(**NARROW).fsm_channels == (16, 8)
    assert XNet(**NARROW, fsm_channels=(12, 4)).fsm.g.out_channels == 4


def test_dot_product_attention_by_hand():
    # one channel, two positions: y_i = (1/N) sum_j theta_i phi_j g_j with N = 2
    theta = torch.tensor([2.0, 3.0]).reshape(1, 1, 1, 2)
    phi = torch.tensor([5.0, 7.0]).reshape(1, 1, 1, 2)
    g = torch.tensor([11.0, 13.0]).reshape(1, 1, 1, 2)
    expected = torch.tensor([2 * (5 * 11 + 7 * 13) / 2, 3 * (5 * 11 + 7 * 13) / 2]).reshape(1, 1, 1, 2)
    torch.testing.assert_close(dot_product_attention(theta, phi, g), expected)
    # two channels: the affinity is the dot product over channels
    theta2 = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).reshape(1, 2, 1, 2)  # positions (1, 0), (0, 1)
    phi2 = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 1, 2)  # positions (1, 3), (2, 4)
    g2 = torch.tensor([[1.0, 10.0], [100.0, 1000.0]]).reshape(1, 2, 1, 2)  # positions (1, 100), (10, 1000)
    # affinity rows: position 0 -> (1, 2), position 1 -> (3, 4); /2
    y0 = (1 * torch.tensor([1.0, 100.0]) + 2 * torch.tensor([10.0, 1000.0])) / 2
    y1 = (3 * torch.tensor([1.0, 100.0]) + 4 * torch.tensor([10.0, 1000.0])) / 2
    expected2 = torch.stack([y0, y1], dim=1).reshape(1, 2, 1, 2)
    torch.testing.assert_close(dot_product_attention(theta2, phi2, g2), expected2)


def test_fsm_is_the_non_local_block_between_two_residuals():
    fsm = FeatureSimilarityModule(16, 4, 2).eval()
    x = torch.randn(2, 16, 3, 5)
    with torch.no_grad():
        z = fsm.reduce(x)
        t, p, g = (m(z).flatten(2) for m in (fsm.theta, fsm.phi, fsm.g))  # (B, 2, 15)
        y = torch.einsum("bci,bcj,bdj->bdi", t, p, g) / 15
        expected = fsm.expand(fsm.out(y.reshape(2, 2, 3, 5)) + z) + x
        torch.testing.assert_close(fsm(x), expected)


def test_decoder_concatenates_skip_and_up():
    with torch.device("meta"):
        net = XNet()
    assert [u[0].out_channels for u in net.ups] == [512, 256, 128, 64]
    assert [u[0].kernel_size for u in net.ups] == [(3, 3)] * 4
    assert [d.residual[0].in_channels for d in net.decoders] == [1024, 512, 256, 128]
    assert net.head.in_channels == 64


@pytest.mark.parametrize("size", [(60, 64), (64, 72)])
def test_sizes_not_divisible_by_16_are_refused(size):
    net = XNet(**NARROW).eval()
    with pytest.raises(ValueError, match=f"{size[0]}x{size[1]}"):
        net(torch.randn(1, 1, *size))


@pytest.mark.parametrize("kwargs", [{"features": (8,)}, {"features": (8, 0)}, {"fsm_channels": (8,)}])
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError, match="xnet"):
        XNet(**{**NARROW, **kwargs})


def test_it_learns_a_disc(train_losses):
    net = XNet(1, 1, **NARROW)
    losses = train_losses(net, "bce", size=64, lr=3e-3)
    assert losses[-1] <= 0.5 * losses[0], losses
