import pytest
import torch
import torch.nn.functional as F

from lesionbench.networks import create_network
from lesionbench.networks.dunet import DUNet
from lesionbench.networks.stroke_blocks import DimensionTransform, SqueezeExcite, UpConv, bn_block

NARROW = {"features": (8, 16, 32, 64, 128), "features_3d": (8, 16, 32)}


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({}, (2, 4, 64, 64), (2, 1, 64, 64)),
        ({"out_channels": 2}, (1, 4, 32, 48), (1, 2, 32, 48)),
        ({"upsample": "nearest", "fusion": "cff"}, (1, 4, 48, 32), (1, 1, 48, 32)),
        ({"fusion": "concat"}, (1, 4, 16, 16), (1, 1, 16, 16)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("dunet", **NARROW, **kwargs).eval()
    with torch.no_grad():
        out = net(torch.randn(input_shape))
    assert isinstance(out, torch.Tensor) and out.shape == expected_shape


def test_paper_parameter_count_is_exact(parameter_count):
    # thesis Table 4.3: D-UNet 9,503,779 (3x3 up-convs, BN weight + bias, conv biases, SE without bias)
    assert parameter_count(DUNet()) == 9_503_779


def test_cff_at_r32_has_the_same_count_as_dunet(parameter_count):
    # thesis section 3.6.4 (2): CFF(R = 32) has 2C * 2C/32 + 2 (2C/32 * C) = C^2 / 4 weights, as D-UNet's fusion
    assert parameter_count(DUNet(fusion="cff", reduction=32)) == 9_503_779
    assert parameter_count(DUNet(fusion="cff", reduction=8)) == 9_503_779 + 3 * (64**2 + 128**2) // 4


def test_bn_block_and_se_counts(parameter_count):
    assert parameter_count(bn_block(2, 4, 32)) == (4 * 9 * 32 + 32 + 64) + (32 * 9 * 32 + 32 + 64)
    assert parameter_count(bn_block(3, 1, 8)) == (27 * 8 + 8 + 16) + (8 * 27 * 8 + 8 + 16)
    assert parameter_count(SqueezeExcite(64, 16)) == 2 * 64 * 4
    x = torch.randn(2, 64, 5, 5)
    se = SqueezeExcite(64)
    gate = torch.sigmoid(se.fc[2](torch.relu(se.fc[0](x.mean(dim=(2, 3))))))
    torch.testing.assert_close(se(x), x * gate[:, :, None, None])


def test_dimension_transform_turns_depth_into_channels():
    block = DimensionTransform(channels_3d=3, depth=2, out_channels=5)
    with torch.no_grad():
        block.squeeze.weight.copy_(torch.tensor([1.0, 2.0, -1.0]).view(1, 3, 1, 1, 1))
        block.squeeze.bias.fill_(0.5)
        x = torch.randn(1, 3, 2, 4, 4)
        squeezed = block.squeeze(x)
        expected = x[:, 0] + 2 * x[:, 1] - x[:, 2] + 0.5  # (1, D=2, 4, 4): depth on the channel axis
        torch.testing.assert_close(squeezed[:, 0], expected)
        conv = block.conv[0]
        torch.testing.assert_close(block(x), torch.relu(conv(expected)))
    assert conv.in_channels == 2 and block(x).shape == (1, 5, 4, 4)
    with pytest.raises(ValueError, match=r"\(B, C3, 2, h, w\)"):
        block(torch.randn(1, 3, 4, 4, 4))


def test_upconv_is_bilinear_then_3x3():
    up = UpConv(4, 2)
    x = torch.randn(1, 4, 3, 5)
    expected = torch.relu(up[1][0](F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)))
    torch.testing.assert_close(up(x), expected)
    assert up[1][0].kernel_size == (3, 3)


def test_fusion_uses_the_3d_path():
    net = DUNet(**NARROW).eval()
    x = torch.randn(1, 4, 32, 32)
    stages = {}

    def keep_inputs(module, inputs, output):
        stages["in"] = inputs

    net.fusions["1"].register_forward_hook(keep_inputs)
    with torch.no_grad():
        net(x)
    fm_2d, fm_3d = stages["in"]
    assert fm_2d.shape == (1, 16, 16, 16) and fm_3d.shape == (1, 16, 2, 16, 16)  # 3D stage 2: depth 2


def test_he_normal_init():
    net = DUNet()
    w = net.encoders[1][0][0].weight  # 32 -> 64, 3x3: fan-in 288
    assert abs(w.std().item() - (2 / 288) ** 0.5) < 0.002
    assert net.encoders[1][0][0].bias.abs().max() == 0


@pytest.mark.parametrize(
    "kwargs, shape, message",
    [
        ({}, (1, 4, 40, 64), "multiple of 16"),
        ({}, (1, 3, 64, 64), r"\(B, 4, H, W\)"),
    ],
)
def test_bad_inputs_are_named(kwargs, shape, message):
    with pytest.raises(ValueError, match=message):
        DUNet(**NARROW, **kwargs)(torch.randn(shape))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"in_channels": 3}, "in_channels"),
        ({"fusion": "sum"}, "fusion must be one of"),
        ({"upsample": "cubic"}, "upsample must be one of"),
        ({"se_ratio": 0}, "se_ratio must be at least 1"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DUNet(**{**NARROW, **kwargs})


def test_adam_steps_decrease_the_loss(stack_batch):
    images, masks = stack_batch(2, 32)
    net = DUNet(**NARROW)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    losses = []
    for _ in range(12):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(net(images), masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
