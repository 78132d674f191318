import pytest
import torch

import lesionbench.networks.pspnet  # noqa: F401  (registers "pspnet")
from lesionbench.networks import create_network
from lesionbench.networks.pspnet import PSPNet, PSPNetOutput, PyramidPooling
from lesionbench.networks.resnet import build_resnet

NARROW = {"backbone_widths": (8, 16, 32, 64), "head_channels": 32, "aux_channels": 16}


def conv(k: int, cin: int, cout: int, bias: bool = False) -> int:
    return k * k * cin * cout + (cout if bias else 0)


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (2, 3, 48, 80), (2, 1, 48, 80)),
        ({"in_channels": 4, "out_channels": 2}, (2, 4, 37, 50), (2, 2, 37, 50)),  # not multiples of 8
        ({"in_channels": 4, "out_channels": 1, "output_stride": 16}, (1, 4, 21, 9), (1, 1, 21, 9)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("pspnet", **NARROW, **kwargs).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_unaligned_input_is_zero_padded_then_cropped():
    net = PSPNet(1, 1, **NARROW).eval()
    x = torch.randn(1, 1, 60, 44)
    padded = torch.zeros(1, 1, 64, 48)
    padded[..., :60, :44] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :60, :44])


def test_pyramid_levels_are_1_2_3_6_bins_of_c_over_4():
    ppm = PyramidPooling(256).eval()
    with torch.no_grad():
        pooled = ppm.pooled(torch.randn(2, 256, 12, 12))
        out = ppm(torch.randn(2, 256, 12, 12))
    assert [tuple(p.shape) for p in pooled] == [(2, 64, b, b) for b in (1, 2, 3, 6)]
    assert out.shape == (2, 512, 12, 12) and ppm.out_channels == 512


def test_pyramid_average_pooling_by_hand():
    # without dimension reduction a level is the pooled map itself: bin 2 of a 6x6 ramp
    x = torch.arange(36, dtype=torch.float32).reshape(1, 1, 6, 6)
    ppm = PyramidPooling(1, bins=(1, 2), reduce_dim=False)
    whole, quarters = ppm.pooled(x)
    assert whole.item() == pytest.approx(17.5)
    # top-left 3x3 block: rows 0-2, cols 0-2 -> mean of 0,1,2,6,7,8,12,13,14 = 7
    assert quarters.flatten().tolist() == pytest.approx([7.0, 10.0, 25.0, 28.0])
    out = ppm(x)
    assert out.shape == (1, 3, 6, 6)
    torch.testing.assert_close(out[:, 1], torch.full((1, 6, 6), 17.5))  # the 1x1 level, upsampled
    assert PyramidPooling(1, bins=(2,), pooling="max", reduce_dim=False).pooled(x)[0].flatten().tolist() == [14, 17, 32, 35]


def test_aux_head_returns_side_output_only_when_asked():
    x = torch.randn(2, 4, 40, 40)
    plain = PSPNet(4, 2, **NARROW).eval()
    with torch.no_grad():
        assert isinstance(plain(x), torch.Tensor)
        out = PSPNet(4, 2, aux_head=True, **NARROW).eval()(x)
    assert isinstance(out, PSPNetOutput)
    assert out.seg.shape == (2, 2, 40, 40) and [s.shape for s in out.side_outputs] == [(2, 2, 40, 40)]
    assert out.side_weights == (0.4,)  # Zhao et al. section 4.1
    assert plain.aux is None


@pytest.mark.parametrize(
    "kwargs, head_in",
    [
        ({"use_ppm": False}, 256),  # Zhao et al. Table 1, dilated FCN baseline
        ({"pooling": "max"}, 512),
        ({"reduce_dim": False}, 256 * 5),
        ({"backbone": "resnet18"}, 128),  # basic blocks: 64 features, + 4 x 16
        ({"bins": (1, 2, 4)}, 256 + 3 * 85),
    ],
)
def test_ablations_build_and_run(kwargs, head_in):
    net = PSPNet(1, 1, **NARROW, **kwargs).eval()
    assert net.head[0][0].in_channels == head_in
    with torch.no_grad():
        assert net(torch.randn(2, 1, 33, 33)).shape == (2, 1, 33, 33)


def test_gradient_reaches_the_first_conv():
    net = PSPNet(1, 2, aux_head=True, **NARROW)
    out = net(torch.randn(2, 1, 32, 32))
    (out.seg.sum() + 0.4 * out.side_outputs[0].sum()).backward()
    assert net.encoder.conv1.weight.grad is not None and net.encoder.conv1.weight.grad.abs().sum() > 0


def test_it_learns_a_disc(train_losses):
    net = PSPNet(1, 1, **NARROW)
    losses = train_losses(net, "dice", size=64)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_paper_003_input_size():
    # 2.5D stack of four 192x192 slices (paper 003 section 3.5), narrow widths
    net = create_network("pspnet", in_channels=4, out_channels=1, **NARROW).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 4, 192, 192)).shape == (1, 1, 192, 192)


def test_pretrained_backbone_loads_from_a_local_file(tmp_path):
    source = build_resnet("resnet50", widths=NARROW["backbone_widths"])
    torch.save(source.state_dict(), tmp_path / "r50.pth")
    net = PSPNet(3, 1, pretrained_path=tmp_path / "r50.pth", **NARROW)
    torch.testing.assert_close(net.encoder.layer3[2].conv2.weight, source.layer3[2].conv2.weight)
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        PSPNet(3, 1, pretrained_path=tmp_path / "nowhere.pth", **NARROW)


def test_parameter_count_at_standard_widths(parameter_count):
    """PSPNet ResNet-50, in_channels 3, one output channel, with the auxiliary head: 48,942,402.

    By hand: ResNet-50 without fc 23,508,032 (torchvision); PPM 4 x (1x1 2048 -> 512 + BN)
    = 4,198,400; 3x3 4096 -> 512 + BN 18,875,392; classifier 513; auxiliary 3x3 1024 -> 256 + BN
    2,359,808 and classifier 257. Paper 003 Table 4.3 reports 27,494,276 for its PSPNet, which
    no ResNet-50/101 PSPNet of Zhao et al.'s widths reaches; the thesis does not say which
    variant it used.
    """
    ppm = 4 * (conv(1, 2048, 512) + 2 * 512)
    head = conv(3, 4096, 512) + 2 * 512 + conv(1, 512, 1, bias=True)
    aux = conv(3, 1024, 256) + 2 * 256 + conv(1, 256, 1, bias=True)
    with torch.device("meta"):
        net = create_network("pspnet", in_channels=3, out_channels=1)
        with_aux = create_network("pspnet", in_channels=3, out_channels=1, aux_head=True)
    assert parameter_count(net) == 23_508_032 + ppm + head == 46_582_337
    assert parameter_count(with_aux) == 23_508_032 + ppm + head + aux == 48_942_402
