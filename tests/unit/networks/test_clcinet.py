import math

import pytest
import torch

from lesionbench.networks import create_network
from lesionbench.networks.clcinet import CLCINet, ConvBNReLU, ConvLSTM2d, ConvLSTM2dCell

NARROW = {"features": (8, 16, 32, 64, 128)}


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


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
    net = create_network("clcinet", **{**NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_conv_lstm_step_from_zero_state_by_hand():
    cell = ConvLSTM2dCell(1, 1, kernel_size=1)
    w, b, u = [0.5, -1.0, 2.0, 1.5], [0.1, 1.0, -0.2, 0.3], [0.7, -0.4, 0.9, -1.1]  # gates i, f, g, o
    with torch.no_grad():
        cell.input_conv.weight.copy_(torch.tensor(w).reshape(4, 1, 1, 1))
        cell.input_conv.bias.copy_(torch.tensor(b))
        cell.hidden_conv.weight.copy_(torch.tensor(u).reshape(4, 1, 1, 1))
    x1, x2 = 0.8, -0.3
    # step 1, h = c = 0: c1 = sigmoid(i) tanh(g), h1 = sigmoid(o) tanh(c1)
    c1 = sigmoid(w[0] * x1 + b[0]) * math.tanh(w[2] * x1 + b[2])
    h1 = sigmoid(w[3] * x1 + b[3]) * math.tanh(c1)
    # step 2: every gate also sees u * h1; c2 = sigmoid(f) c1 + sigmoid(i) tanh(g)
    gate = [w[k] * x2 + u[k] * h1 + b[k] for k in range(4)]
    c2 = sigmoid(gate[1]) * c1 + sigmoid(gate[0]) * math.tanh(gate[2])
    h2 = sigmoid(gate[3]) * math.tanh(c2)
    with torch.no_grad():
        h, c = cell(torch.full((1, 1, 2, 3), x1))
        torch.testing.assert_close(h, torch.full((1, 1, 2, 3), h1))
        torch.testing.assert_close(c, torch.full((1, 1, 2, 3), c1))
        h, c = cell(torch.full((1, 1, 2, 3), x2), (h, c))
        torch.testing.assert_close(c, torch.full((1, 1, 2, 3), c2))
        torch.testing.assert_close(h, torch.full((1, 1, 2, 3), h2))
        lstm = ConvLSTM2d(1, 1, kernel_size=1)
        lstm.cell.load_state_dict(cell.state_dict())
        out = lstm([torch.full((1, 1, 2, 3), x1), torch.full((1, 1, 2, 3), x2)])
        torch.testing.assert_close(out, torch.full((1, 1, 2, 3), h2))  # the last hidden state


def test_conv_lstm_is_spatial_and_starts_with_forget_bias_one():
    cell = ConvLSTM2dCell(2, 3, kernel_size=3)
    assert cell.input_conv.bias.tolist() == [0.0] * 3 + [1.0] * 3 + [0.0] * 6
    assert cell.hidden_conv.bias is None
    x = torch.zeros(1, 2, 5, 5)
    x[..., 2, 2] = 1.0
    with torch.no_grad():
        h, _ = cell(x)
    changed = (h - cell(torch.zeros_like(x))[0]).abs().sum(dim=1)[0] > 0
    assert changed[1:4, 1:4].all() and changed.sum() == 9  # a 3x3 neighbourhood, nothing further
    with pytest.raises(ValueError, match="kernel_size"):
        ConvLSTM2dCell(1, 1, kernel_size=2)


def test_tensorflow_same_padding_puts_the_extra_pixel_at_the_end():
    conv = ConvBNReLU(1, 1, kernel_size=2).eval()
    with torch.no_grad():
        conv[1].weight.fill_(1.0)  # conv[0] is the zero padding
        conv[1].bias.zero_()
        conv[2].eps = 0.0
        out = conv(torch.arange(9.0).reshape(1, 1, 3, 3))
    torch.testing.assert_close(out[0, 0], torch.tensor([[8.0, 12.0, 7.0], [20.0, 24.0, 13.0], [13.0, 15.0, 8.0]]))
    down = ConvBNReLU(1, 1, kernel_size=3, stride=2)
    assert down[0].padding == (0, 1, 0, 1)
    assert down(torch.randn(2, 1, 8, 8)).shape == (2, 1, 4, 4)
    assert ConvBNReLU(1, 1, kernel_size=3, stride=16)(torch.randn(2, 1, 32, 48)).shape == (2, 1, 2, 3)


def test_cross_level_fusion_and_clf_aspp_widths():
    with torch.device("meta"):
        net = CLCINet()
    # before stage k: k strided convs (to features[k - 1]) + the pooled map, 1x1 to 4 features[k]
    assert [[d.conv.stride[0] for d in downs] for downs in net.cross_level] == [[2], [4, 2], [8, 4, 2], [16, 8, 4, 2]]
    assert [downs[0].conv.out_channels for downs in net.cross_level] == [32, 64, 128, 256]
    assert [(f.conv.in_channels, f.conv.out_channels) for f in net.fusions] == [(64, 256), (192, 512), (512, 1024),
                                                                           (1280, 2048)]
    assert [s[0].conv.in_channels for s in net.stages] == [1, 256, 512, 1024, 2048]
    assert [d.conv.stride[0] for d in net.aspp.cross_level] == [16, 8, 4, 2]
    assert [b.conv.dilation[0] for b in net.aspp.branches] == [1, 2, 4, 6]
    assert (net.aspp.project.conv.in_channels, net.aspp.project.conv.out_channels) == (9 * 256, 1024)
    assert [c.cell.hidden_channels for c in net.contexts] == [256, 128, 64, 32]
    assert net.ups[0].conv.in_channels == 1024 and net.ups[0].conv.kernel_size == (2, 2)


def test_full_width_parameter_count_by_hand(parameter_count):
    def cbr(cin, cout, k):  # conv with bias + BN
        return cin * cout * k * k + cout + 2 * cout

    f = (32, 64, 128, 256, 512)
    total = cbr(1, 32, 3) + cbr(32, 32, 3)
    for k in range(1, 5):
        total += sum(cbr(f[i], f[k - 1], 3) for i in range(k))  # cross-level down-sampling
        total += cbr((k + 1) * f[k - 1], 4 * f[k], 1) + cbr(4 * f[k], f[k], 3) + cbr(f[k], f[k], 3)
    total += sum(cbr(c, 256, 3) for c in f[:4]) + 2 * cbr(512, 256, 1) + 3 * cbr(512, 256, 3)  # CLF-ASPP
    total += cbr(9 * 256, 1024, 1)
    previous = 1024
    for c in (256, 128, 64, 32):
        lstm = 9 * c * 4 * c + 4 * c + 9 * c * 4 * c
        total += cbr(previous, c, 2) + cbr(c, c, 1) + lstm + 2 * cbr(c, c, 3)
        previous = c
    total += 32 + 1
    with torch.device("meta"):
        net = CLCINet(in_channels=1, out_channels=1)
    assert total == 36_813_025
    assert parameter_count(net) == total


def test_narrow_widths_scale_the_aspp():
    assert CLCINet(**NARROW).aspp_channels == 64
    assert CLCINet(**NARROW, aspp_channels=8).aspp.project.conv.out_channels == 32


@pytest.mark.parametrize("size", [(60, 64), (64, 72)])
def test_sizes_not_divisible_by_16_are_refused(size):
    net = CLCINet(**NARROW).eval()
    with pytest.raises(ValueError, match=f"{size[0]}x{size[1]}"):
        net(torch.randn(1, 1, *size))


@pytest.mark.parametrize("kwargs", [{"features": (8,)}, {"aspp_channels": 0}, {"dropout": 1.0}])
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError, match="clcinet"):
        CLCINet(**{**NARROW, **kwargs})


def test_dropout_is_active_in_training_only():
    net = CLCINet(**NARROW)
    x = torch.randn(2, 1, 32, 32)
    with torch.no_grad():
        net.train()
        assert not torch.allclose(net(x), net(x))
        net.eval()
        torch.testing.assert_close(net(x), net(x))


def test_it_learns_a_disc(train_losses):
    net = CLCINet(1, 1, **NARROW)
    losses = train_losses(net, "bce", size=64, lr=3e-3)
    assert losses[-1] <= 0.5 * losses[0], losses
