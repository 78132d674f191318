import pytest
import torch

import lesionbench.networks.deeplabv3  # noqa: F401  (registers "deeplabv3")
from lesionbench.networks import create_network
from lesionbench.networks.deeplabv3 import ASPP, DeepLabV3, ImagePooling
from lesionbench.networks.resnet import build_resnet

NARROW = {"backbone_widths": (8, 16, 32, 64), "aspp_channels": 32}


def conv(k: int, cin: int, cout: int, bias: bool = False) -> int:
    return k * k * cin * cout + (cout if bias else 0)


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (2, 3, 48, 80), (2, 1, 48, 80)),
        ({"in_channels": 4, "out_channels": 2}, (2, 4, 37, 50), (2, 2, 37, 50)),  # not multiples of 16
        ({"in_channels": 4, "out_channels": 1, "output_stride": 8}, (2, 4, 21, 9), (2, 1, 21, 9)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("deeplabv3", **NARROW, **kwargs).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_unaligned_input_is_zero_padded_then_cropped():
    net = DeepLabV3(1, 1, **NARROW).eval()
    x = torch.randn(1, 1, 60, 44)
    padded = torch.zeros(1, 1, 64, 48)
    padded[..., :60, :44] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :60, :44])


def _dilations(aspp: ASPP) -> list:
    return ["pool" if isinstance(b, ImagePooling) else (b[0].kernel_size[0], b[0].dilation[0]) for b in aspp.branches]


@pytest.mark.parametrize(
    "output_stride, expected, layer4",
    [
        (16, [(1, 1), (3, 6), (3, 12), (3, 18), "pool"], [2, 4, 8]),
        (8, [(1, 1), (3, 12), (3, 24), (3, 36), "pool"], [4, 8, 16]),  # rates doubled (section 3.3)
    ],
)
def test_aspp_has_five_branches_with_the_papers_rates(output_stride, expected, layer4):
    net = DeepLabV3(1, 1, output_stride=output_stride, **NARROW)
    assert _dilations(net.aspp) == expected
    assert net.aspp.project[0][0].in_channels == 5 * 32
    assert [b.conv2.dilation[0] for b in net.encoder.layer4] == layer4  # multi-grid (1, 2, 4)
    x = torch.randn(2, 256, 5, 7)
    with torch.no_grad():
        assert net.aspp.eval()(x).shape == (2, 32, 5, 7)


def test_image_pooling_branch_is_constant_over_the_image():
    branch = ImagePooling(8, 4).eval()
    x = torch.randn(2, 8, 5, 7)
    with torch.no_grad():
        out = branch(x)
        expected = branch.conv(x.mean(dim=(2, 3), keepdim=True))
    assert out.shape == (2, 4, 5, 7)
    torch.testing.assert_close(out, expected.expand(-1, -1, 5, 7))


@pytest.mark.parametrize(
    "kwargs, branches",
    [
        ({"image_pooling": False}, [(1, 1), (3, 6), (3, 12), (3, 18)]),  # Chen et al. Table 5 ablation
        ({"multi_grid": None}, [(1, 1), (3, 6), (3, 12), (3, 18), "pool"]),
        ({"atrous_rates": (6, 12, 18, 24)}, [(1, 1), (3, 6), (3, 12), (3, 18), (3, 24), "pool"]),
        ({"backbone": "resnet34", "output_stride": 8}, [(1, 1), (3, 12), (3, 24), (3, 36), "pool"]),
    ],
)
def test_ablations_build_and_run(kwargs, branches):
    net = DeepLabV3(1, 1, **NARROW, **kwargs).eval()
    assert _dilations(net.aspp) == branches
    assert net.aspp.project[0][0].in_channels == len(branches) * 32
    with torch.no_grad():
        assert net(torch.randn(2, 1, 33, 33)).shape == (2, 1, 33, 33)


def test_gradient_reaches_the_first_conv():
    net = DeepLabV3(1, 2, **NARROW)
    net(torch.randn(2, 1, 32, 32)).sum().backward()
    assert net.encoder.conv1.weight.grad is not None and net.encoder.conv1.weight.grad.abs().sum() > 0


def test_it_learns_a_disc(train_losses):
    net = DeepLabV3(1, 1, **NARROW)
    losses = train_losses(net, "bce", size=64)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_paper_003_input_size():
    net = create_network("deeplabv3", in_channels=4, out_channels=1, **NARROW).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 4, 192, 192)).shape == (1, 1, 192, 192)


def test_pretrained_backbone_loads_from_a_local_file(tmp_path):
    source = build_resnet("resnet101", widths=NARROW["backbone_widths"])
    torch.save(source.state_dict(), tmp_path / "r101.pth")
    net = DeepLabV3(1, 1, pretrained_path=tmp_path / "r101.pth", **NARROW)
    torch.testing.assert_close(net.encoder.layer3[22].conv3.weight, source.layer3[22].conv3.weight)
    torch.testing.assert_close(net.encoder.conv1.weight, source.conv1.weight.sum(1, keepdim=True))


def test_parameter_count_at_standard_widths(parameter_count):
    """DeepLab v3 ResNet-101, 3 inputs, one output channel: 58,035,521 parameters.

    By hand: ResNet-101 without fc 42,500,160 (torchvision 44,549,160 - 2,049,000); ASPP 1x1
    2048 -> 256 + BN, three 3x3 2048 -> 256 + BN, image pooling 1x1 2048 -> 256 + BN,
    projection 1x1 1280 -> 256 + BN: 15,535,104; classifier 257. Paper 003 Table 4.3 reports
    58,158,145 for its DeepLab v3 (0.2 % more; the thesis does not list its layers).
    """
    aspp = 5 * 512 + conv(1, 2048, 256) * 2 + 3 * conv(3, 2048, 256) + conv(1, 1280, 256) + 512
    assert aspp == 15_535_104
    with torch.device("meta"):
        net = create_network("deeplabv3", in_channels=3, out_channels=1)
    assert parameter_count(net) == 42_500_160 + aspp + conv(1, 256, 1, bias=True) == 58_035_521
