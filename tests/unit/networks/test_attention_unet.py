import math
from itertools import pairwise

import pytest
import torch

from lesionbench.networks import create_network
from lesionbench.networks.attention_unet import AttentionUNet  # registers "attention_unet"
from lesionbench.networks.blocks import AttentionGate

NARROW = (8, 16, 32, 64, 128)


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    """Parameters of a k x k conv: k*k*cin*cout weights + cout biases."""
    return k * k * cin * cout + (cout if bias else 0)


def sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def _set(gate: AttentionGate, theta: float, phi: float, phi_bias: float, psi: float, psi_bias: float) -> None:
    with torch.no_grad():
        gate.theta_x.weight.fill_(theta)
        gate.phi_g.weight.fill_(phi)
        gate.phi_g.bias.fill_(phi_bias)
        gate.psi.weight.fill_(psi)
        gate.psi.bias.fill_(psi_bias)


def test_gate_is_oktay_eq_1_by_hand():
    # alpha = sigmoid(psi * relu(W_x x + W_g g + b_g) + b_psi); x_hat = alpha * x
    gate = AttentionGate(2, skip_channels=1, gating_channels=1, inter_channels=1, stride=1)
    _set(gate, theta=2.0, phi=-1.0, phi_bias=0.5, psi=3.0, psi_bias=-1.0)
    x = torch.tensor([[[[1.0, -1.0]]]])
    g = torch.tensor([[[[0.0, 2.0]]]])
    # pixel 0: relu(2 + 0.5) = 2.5 -> 3 * 2.5 - 1 = 6.5; pixel 1: relu(-2 - 2 + 0.5) = 0 -> -1
    alpha = [sigmoid(6.5), sigmoid(-1.0)]
    torch.testing.assert_close(gate.coefficients(x, g), torch.tensor([[[alpha]]]))
    torch.testing.assert_close(gate(x, g), torch.tensor([[[[alpha[0], -alpha[1]]]]]))
    assert gate.theta_x.bias is None  # W_x has no bias: b_g and b_psi are the only ones (eq. 1)


def test_stride_2_gate_works_at_the_gating_grid_and_resamples_alpha():
    # W_x = 2x2 stride-2 mean: x -> [1, 3]; g = [0, -4]; relu([1, -1]) = [1, 0] -> alpha [s(1), s(0)]
    gate = AttentionGate(2, skip_channels=1, gating_channels=1, inter_channels=1, stride=2)
    _set(gate, theta=0.25, phi=1.0, phi_bias=0.0, psi=1.0, psi_bias=0.0)
    x = torch.tensor([[[[1.0, 1.0, 3.0, 3.0], [1.0, 1.0, 3.0, 3.0]]]])
    g = torch.tensor([[[[0.0, -4.0]]]])
    a, b = sigmoid(1.0), 0.5
    # bilinear 1x2 -> 2x4, pixel centres: sources -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
    row = [a, 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b, b]
    torch.testing.assert_close(gate.coefficients(x, g), torch.tensor([[[row, row]]]))
    assert gate.theta_x.kernel_size == (2, 2) and gate.theta_x.stride == (2, 2)
    assert gate.phi_g.out_channels == 1 and AttentionGate(2, 64, 128).phi_g.out_channels == 32  # F_int = F_l / 2


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (1, 3, 80, 48), (1, 1, 80, 48)),
        ({"in_channels": 4, "out_channels": 2, "gate_full_resolution": True}, (2, 4, 37, 50), (2, 2, 37, 50)),
        ({"in_channels": 1, "out_channels": 1, "attention": False, "norm": None}, (1, 1, 5, 3), (1, 1, 5, 3)),
        ({"in_channels": 1, "out_channels": 1, "activation": "mish", "norm": "instance"}, (2, 1, 33, 16), (2, 1, 33, 16)),
        ({"spatial_dims": 3, "in_channels": 1, "out_channels": 2, "features": (4, 8, 16)}, (1, 1, 6, 10, 9), (1, 2, 6, 10, 9)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("attention_unet", **{"features": NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


@pytest.mark.parametrize(
    "kwargs, gated_levels",
    [({}, [1, 2, 3]), ({"gate_full_resolution": True}, [0, 1, 2, 3]), ({"attention": False}, [])],
)
def test_which_skips_are_gated(kwargs, gated_levels):
    net = AttentionUNet(features=NARROW, **kwargs).eval()
    assert [i for i, g in enumerate(net.gates) if isinstance(g, AttentionGate)] == gated_levels
    with torch.no_grad():
        maps = net.attention_maps(torch.randn(2, 1, 60, 44))  # padded to 64 x 48
    for level, m in enumerate(maps):
        if level in gated_levels:
            assert m.shape == (2, 1, 64 // 2**level, 48 // 2**level)
            assert 0 < m.min() and m.max() < 1
        else:
            assert m is None
    if gated_levels:  # the gate of level l reads the coarser decoder feature (features[l + 1] channels)
        assert net.gates[gated_levels[0]].phi_g.in_channels == NARROW[gated_levels[0] + 1]


def test_unaligned_input_is_zero_padded_then_cropped():
    net = AttentionUNet(features=NARROW, out_channels=1).eval()
    x = torch.randn(1, 1, 60, 44)
    padded = torch.zeros(1, 1, 64, 48)
    padded[..., :60, :44] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :60, :44])


def test_gradient_reaches_the_first_conv_and_the_gates():
    net = AttentionUNet(in_channels=1, out_channels=2, features=NARROW)
    net(torch.randn(2, 1, 32, 32)).sum().backward()
    grad = net.encoders[0][0][0].weight.grad
    assert grad is not None and grad.abs().sum() > 0
    assert all(net.gates[level].psi.weight.grad.abs().sum() > 0 for level in (1, 2, 3))


@pytest.mark.parametrize(
    "kwargs, loss_name, lr",
    [
        ({"out_channels": 1}, "dice", 1e-2),
        ({"out_channels": 1}, "bce", 1e-2),
        ({"out_channels": 2, "gate_full_resolution": True}, "dice", 1e-2),
        ({"out_channels": 1, "norm": None}, "dice", 1e-3),
    ],
)
def test_it_learns_a_disc(kwargs, loss_name, lr, train_losses):
    net = AttentionUNet(in_channels=1, features=NARROW, **kwargs)
    losses = train_losses(net, loss_name, size=32, lr=lr)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_paper_003_input_size():
    # paper 003: 2.5D stacks of 4 slices at 192 x 192
    net = create_network("attention_unet", in_channels=4, out_channels=2, features=(2, 4, 8, 16, 32)).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 4, 192, 192)).shape == (1, 2, 192, 192)


def test_parameter_count_at_standard_widths(parameter_count):
    """Oktay et al.'s 2D Attention U-Net, widths 64..1024, in 1, out 2: 32,416,837 parameters.

    Counted by hand from the layer list below (conv units: 3x3 conv without bias + BN; gates on
    levels 1-3). MONAI's ``AttentionUnet`` at the same widths has 31,739,250: a different
    architecture (strided-conv encoder, gates at the skip's resolution with BN, one merge conv),
    so its count is no reference for this one.
    """
    widths = [64, 128, 256, 512, 1024]

    def unit(cin: int, cout: int) -> int:  # two 3x3 conv (no bias) + BN (gamma, beta)
        return conv(3, cin, cout, bias=False) + 2 * cout + conv(3, cout, cout, bias=False) + 2 * cout

    def gate(w: int, wg: int) -> int:  # W_x 2x2 stride 2 (no bias), W_g 1x1, psi 1x1
        return conv(2, w, w // 2, bias=False) + conv(1, wg, w // 2) + conv(1, w // 2, 1)

    expected = sum(unit(cin, w) for cin, w in zip([1, *widths[:-1]], widths))
    expected += sum(unit(w + wg, w) for w, wg in pairwise(widths))
    expected += sum(gate(w, wg) for w, wg in pairwise(widths[1:]))
    expected += conv(1, 64, 2)
    assert expected == 32_416_837
    with torch.device("meta"):
        net = create_network("attention_unet", in_channels=1, out_channels=2)
        plain = create_network("attention_unet", in_channels=1, out_channels=2, attention=False)
    assert parameter_count(net) == expected
    assert parameter_count(plain) == expected - sum(gate(w, wg) for w, wg in pairwise(widths[1:]))
