import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.networks.blocks import (
    ConvNormAct,
    ConvStack,
    bilinear_kernel,
    crop_spatial,
    init_bilinear_,
    make_activation,
    make_norm,
    pad_to_multiple,
    split_spec,
)


def test_mish_is_x_tanh_softplus_paper_000_eq_3():
    x = torch.tensor([-2.0, 0.0, 1.0])
    # by hand: softplus(1) = ln(1 + e) = 1.3132617, tanh(1.3132617) = 0.8650984
    expected = torch.tensor([-2.0 * torch.tanh(torch.log1p(torch.exp(torch.tensor(-2.0)))).item(), 0.0, 0.8650984])
    out = make_activation("mish")(x)
    assert isinstance(make_activation("mish"), nn.Mish)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=0)
    assert out[0].item() == pytest.approx(-0.2525015, abs=1e-6)


def test_activation_specs():
    leaky = make_activation(("leaky_relu", {"negative_slope": 0.1}))
    assert leaky(torch.tensor([-10.0])).item() == pytest.approx(-1.0)
    assert isinstance(make_activation(None), nn.Identity)
    assert isinstance(make_activation("ReLU"), nn.ReLU)
    assert split_spec(["group", {"num_groups": 2}]) == ("group", {"num_groups": 2})
    with pytest.raises(KeyError, match="unknown activation 'swish'; valid names: elu, gelu, leaky_relu, mish, prelu, relu"):
        make_activation("swish")
    with pytest.raises(ValueError, match="layer spec"):
        split_spec(3)


def test_norms_by_dimension():
    assert isinstance(make_norm("batch", 3, 4), nn.BatchNorm3d)
    assert isinstance(make_norm("instance", 2, 4), nn.InstanceNorm2d)
    assert make_norm(("group", {"num_groups": 2}), 2, 4).num_groups == 2
    assert make_norm(None, 2, 4) is None
    with pytest.raises(ValueError, match="6 channels are not divisible by num_groups=4"):
        make_norm(("group", {"num_groups": 4}), 2, 6)
    with pytest.raises(KeyError, match="unknown norm 'layer'"):
        make_norm("layer", 2, 4)


def test_conv_norm_act_drops_bias_before_a_norm_and_keeps_size():
    plain = ConvNormAct(2, 3, 5)
    normed = ConvNormAct(2, 3, 5, norm="batch", activation="mish")
    assert plain[0].bias is not None and len(plain) == 2
    assert normed[0].bias is None and isinstance(normed[1], nn.BatchNorm2d) and isinstance(normed[2], nn.Mish)
    assert sum(p.numel() for p in plain.parameters()) == 9 * 3 * 5 + 5
    assert sum(p.numel() for p in normed.parameters()) == 9 * 3 * 5 + 2 * 5
    assert ConvNormAct(2, 3, 5, kernel_size=3, dilation=3)(torch.zeros(1, 3, 11, 7)).shape == (1, 5, 11, 7)
    assert len(ConvStack(2, 3, 5, num_convs=3)) == 3


def test_pad_to_multiple_then_crop_roundtrip():
    x = torch.arange(2 * 5 * 3, dtype=torch.float32).reshape(1, 2, 5, 3)
    padded, size = pad_to_multiple(x, 4)
    assert padded.shape == (1, 2, 8, 4) and size == (5, 3)
    assert padded[..., 5:, :].abs().sum() == 0 and padded[..., 3].abs().sum() == 0
    torch.testing.assert_close(crop_spatial(padded, size), x)
    same, _ = pad_to_multiple(torch.zeros(1, 1, 8, 8), 4)
    assert same.shape == (1, 1, 8, 8)


def test_bilinear_kernel_values_by_hand():
    # factor 2 (k = 4): 1 - |i - 1.5| / 2 -> 0.25, 0.75, 0.75, 0.25
    torch.testing.assert_close(bilinear_kernel(4), torch.tensor([0.25, 0.75, 0.75, 0.25]))
    # factor 8 (k = 16): the first tap is 1 - 7.5 / 8 = 0.0625
    assert bilinear_kernel(16)[0].item() == pytest.approx(0.0625)


@pytest.mark.parametrize("factor", [2, 8])
def test_bilinear_transposed_conv_equals_interpolation_away_from_borders(factor):
    up = init_bilinear_(nn.ConvTranspose2d(2, 2, 2 * factor, stride=factor, padding=factor // 2, bias=False))
    x = torch.randn(1, 2, 6, 5)
    ours = up(x)
    reference = F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)
    assert ours.shape == reference.shape == (1, 2, 6 * factor, 5 * factor)
    inner = (slice(None), slice(None), slice(factor, -factor), slice(factor, -factor))
    torch.testing.assert_close(ours[inner], reference[inner], atol=1e-5, rtol=0)


def test_bilinear_init_rejects_non_square_layers():
    with pytest.raises(ValueError, match="C -> C"):
        init_bilinear_(nn.ConvTranspose2d(2, 3, 4, stride=2))
