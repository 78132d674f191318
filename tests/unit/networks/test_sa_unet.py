import math

import pytest
import torch

import lesionbench.networks.sa_unet  # noqa: F401  (registers "sa_unet")
from lesionbench.networks import create_network
from lesionbench.networks.sa_unet import (
    SAUNet,
    _SelfAttention2d,
    sinusoidal_encoding_2d,
)

NARROW = (8, 16, 32, 64)

# Table 7 of paper 002 (and the baseline the modules were added to).
TABLE7 = {
    "baseline": {"self_attention": False, "channel_attention": False, "spatial_attention": False},
    "SA": {"self_attention": True, "channel_attention": False, "spatial_attention": False},
    "SA+CA": {"self_attention": True, "channel_attention": True, "spatial_attention": False},
    "SA+CA+SPA": {},
}


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    return k * k * cin * cout + (cout if bias else 0)


def expected_parameters(widths, in_channels, out_channels, sa=True, ca=True, spa=True, reduction=16) -> int:
    """Hand count from the layer list of section 1.2 (BN: gamma and beta per channel)."""
    total, cin = 0, in_channels
    for w in widths:  # residual block: two 3x3 conv+BN, 1x1 projection+BN
        total += conv(3, cin, w, False) + 2 * w + conv(3, w, w, False) + 2 * w + conv(1, cin, w, False) + 2 * w
        cin = w
    c = widths[-1]
    if sa:  # W_q, W_k, W_v (with biases) and the output projection W_o
        total += 3 * c * c + 3 * c + c * c + c
    up = c
    for level in reversed(range(len(widths))):
        w = widths[level]
        if ca:  # shared MLP C -> C/r -> C, as 1x1 convs with biases
            h = max(1, w // reduction)
            total += conv(1, w, h) + conv(1, h, w)
        if spa:  # 7x7 conv 2 -> 1
            total += conv(7, 2, 1)
        out = widths[max(level - 1, 0)]
        total += conv(3, w + up, out, False) + 2 * out + conv(3, out, out, False) + 2 * out
        up = out
    return total + conv(3, widths[0], out_channels)


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 1}, (2, 1, 64, 64), (2, 1, 64, 64)),
        ({"in_channels": 1, "out_channels": 2}, (1, 1, 37, 50), (1, 2, 37, 50)),
        ({"in_channels": 3, "out_channels": 2}, (2, 3, 48, 32), (2, 2, 48, 32)),
        ({"in_channels": 4, "out_channels": 1}, (1, 4, 40, 24), (1, 1, 40, 24)),
        ({"in_channels": 4, "out_channels": 2, "num_heads": 4}, (2, 4, 5, 3), (2, 2, 5, 3)),
        ({"in_channels": 1, "out_channels": 2, "positional_encoding": "learned", "token_grid": (4, 4)},
         (1, 1, 96, 64), (1, 2, 96, 64)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("sa_unet", **{"features": NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_unaligned_input_is_zero_padded_then_cropped():
    net = SAUNet(features=NARROW).eval()
    x = torch.randn(1, 1, 60, 44)
    padded = torch.zeros(1, 1, 64, 48)
    padded[..., :60, :44] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :60, :44])


def test_sinusoidal_encoding_values():
    pe = sinusoidal_encoding_2d(8, 3, 5)
    assert pe.shape == (8, 3, 5)
    y, x = 2, 4
    # first half: x with frequencies 1 and 10000 ** (-1/2); second half: y, same frequencies
    expected = [math.sin(x), math.cos(x), math.sin(x / 100), math.cos(x / 100),
                math.sin(y), math.cos(y), math.sin(y / 100), math.cos(y / 100)]
    torch.testing.assert_close(pe[:, y, x], torch.tensor(expected))
    with pytest.raises(ValueError, match="divisible by 4"):
        sinusoidal_encoding_2d(6, 2, 2)


def test_positional_encoding_breaks_permutation_equivariance():
    """Without an encoding self-attention commutes with moving tokens; with one it must not."""
    x = torch.randn(1, 16, 4, 4)
    def shift(t: torch.Tensor) -> torch.Tensor:
        return torch.roll(t, shifts=(1, 2), dims=(2, 3))

    plain = _SelfAttention2d(16, 4, "none", (4, 4), 0.0, False).eval()
    torch.manual_seed(0)
    encoded = _SelfAttention2d(16, 4, "sinusoidal", (4, 4), 0.0, False).eval()
    encoded.load_state_dict(plain.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(plain(shift(x)), shift(plain(x)))
        assert (encoded(shift(x)) - shift(encoded(x))).abs().max() > 1e-3


def test_attention_is_global():
    """Changing one bottleneck token changes the attention output at every token (eq. 1)."""
    att = _SelfAttention2d(16, 4, "sinusoidal", (4, 4), 0.0, False).eval()
    x = torch.randn(1, 16, 4, 4)
    x2 = x.clone()
    x2[..., 0, 0] += 5.0
    with torch.no_grad():
        changed = (att(x2) - att(x)).abs().amax(dim=1)  # (1, 4, 4)
    assert (changed > 1e-4).all()


def test_attention_runs_on_the_paper_token_grid():
    """At the paper's 512x512 input, the attention sees 32 x 32 = 1024 tokens of width features[-1]."""
    net = SAUNet(features=NARROW, out_channels=2).eval()
    seen = []
    net.attention.attention.register_forward_hook(lambda m, args, out: seen.append(args[0].shape))
    with torch.no_grad():
        assert net(torch.rand(1, 1, 512, 512)).shape == (1, 2, 512, 512)
    assert seen == [torch.Size([1, 1024, 64])]


@pytest.mark.parametrize("name", list(TABLE7))
def test_table7_ablations_build_run_and_count(name, parameter_count):
    flags = {"self_attention": True, "channel_attention": True, "spatial_attention": True, **TABLE7[name]}
    net = SAUNet(in_channels=1, out_channels=2, features=NARROW, **flags).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 1, 32, 32)).shape == (1, 2, 32, 32)
    assert isinstance(net.attention, _SelfAttention2d) == flags["self_attention"]
    expected = expected_parameters(
        NARROW, 1, 2, sa=flags["self_attention"], ca=flags["channel_attention"], spa=flags["spatial_attention"]
    )
    assert parameter_count(net) == expected


@pytest.mark.parametrize(
    "kwargs", [{"positional_encoding": "none"}, {"positional_encoding": "learned"}, {"attention_residual": True}]
)
def test_attention_options_run(kwargs):
    net = SAUNet(features=NARROW, **kwargs).eval()
    with torch.no_grad():
        out = net(torch.randn(1, 1, 32, 32))
    assert out.shape == (1, 1, 32, 32) and torch.isfinite(out).all()


def test_residual_option_adds_the_input_back():
    plain = _SelfAttention2d(16, 4, "sinusoidal", (4, 4), 0.0, False).eval()
    residual = _SelfAttention2d(16, 4, "sinusoidal", (4, 4), 0.0, True).eval()
    residual.load_state_dict(plain.state_dict())
    x = torch.randn(2, 16, 4, 4)
    with torch.no_grad():
        torch.testing.assert_close(residual(x), plain(x) + x)


def test_skip_gate_is_channel_then_spatial_attention():
    net = SAUNet(features=NARROW)
    gate = net.skip_gates[0]  # deepest skip: 64 channels, CBAM MLP 64 -> 4 -> 64
    assert [type(m).__name__ for m in gate] == ["_ChannelAttention", "_SpatialAttention"]
    assert gate[0].mlp[0].out_channels == 4 and gate[1].conv.kernel_size == (7, 7)
    x = torch.rand(1, 64, 8, 8)
    with torch.no_grad():  # every weight is a sigmoid in (0, 1): the gate only scales
        ratio = gate(x) / x
    assert (ratio > 0).all() and (ratio < 1).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_heads": 5}, "not divisible by num_heads=5"),
        ({"positional_encoding": "rope"}, "'learned', 'none', 'sinusoidal'"),
        ({"features": (8, 16, 32, 66), "num_heads": 2}, "divisible by 4, got 66"),
        ({"spatial_kernel_size": 4}, "spatial_kernel_size must be odd"),
    ],
)
def test_bad_options_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SAUNet(**{"features": NARROW, **kwargs})


def test_gradient_reaches_the_first_conv():
    net = SAUNet(in_channels=4, out_channels=2, features=NARROW)
    net(torch.randn(2, 4, 32, 32)).sum().backward()
    grad = net.encoders[0].conv1[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize(
    "kwargs, loss_name",
    [({"out_channels": 1}, "dice"), ({"out_channels": 2}, "ce"), ({"out_channels": 1, **TABLE7["baseline"]}, "bce")],
)
def test_it_learns_a_disc(kwargs, loss_name, train_losses):
    # lr 3e-3: with BN after every conv, 30 steps at 1e-3 only take the Dice loss from 0.84 to 0.65
    net = SAUNet(in_channels=1, features=NARROW, **kwargs)
    losses = train_losses(net, loss_name, size=32, lr=3e-3)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_parameter_count_at_standard_widths(parameter_count):
    """Full model, in 1 / out 1 (the paper's grey slice and sigmoid head), standard widths.

    Paper 002 publishes no parameter count; the reference is the hand count of the layer list
    above (section 1.2 with CBAM's reduction 16): 9,939,657, of which the self-attention is
    4 * 512 ** 2 + 4 * 512 = 1,050,624.
    """
    expected = expected_parameters([64, 128, 256, 512], 1, 1)
    assert expected == 9_939_657
    with torch.device("meta"):
        full = create_network("sa_unet", in_channels=1, out_channels=1)
        no_sa = create_network("sa_unet", in_channels=1, out_channels=1, self_attention=False)
    assert parameter_count(full) == expected
    assert parameter_count(full) - parameter_count(no_sa) == 1_050_624
