import pytest
import torch

from lesionbench.networks.resnet import (
    BasicBlock,
    ResNet,
    ResNetFeatures,
    adapt_input_conv,
    build_resnet,
    load_pretrained,
)

NARROW = (8, 16, 32, 64)


def conv(k: int, cin: int, cout: int) -> int:
    """Weights of a bias-free k x k conv."""
    return k * k * cin * cout


def bn(c: int) -> int:
    return 2 * c


def resnet_parameters(layers, bottleneck: bool, widths=(64, 128, 256, 512), in_channels: int = 3) -> int:
    """He et al.'s ResNet without fc, counted block by block (projection shortcut where the shape changes)."""
    total = conv(7, in_channels, widths[0]) + bn(widths[0])
    cin = widths[0]
    for stage, (planes, depth) in enumerate(zip(widths, layers)):
        for j in range(depth):
            stride = 2 if (j == 0 and stage > 0) else 1
            if bottleneck:
                cout = 4 * planes
                total += conv(1, cin, planes) + bn(planes) + conv(3, planes, planes) + bn(planes)
                total += conv(1, planes, cout) + bn(cout)
            else:
                cout = planes
                total += conv(3, cin, planes) + bn(planes) + conv(3, planes, planes) + bn(planes)
            if stride != 1 or cin != cout:
                total += conv(1, cin, cout) + bn(cout)
            cin = cout
    return total


@pytest.mark.parametrize(
    "name, layers, bottleneck, published",
    [
        # torchvision's published totals minus the ImageNet fc layer (512 * 1000 + 1000 and 2048 * 1000 + 1000)
        ("resnet34", (3, 4, 6, 3), False, 21_797_672 - 513_000),
        ("resnet50", (3, 4, 6, 3), True, 25_557_032 - 2_049_000),
        ("resnet18", (2, 2, 2, 2), False, 11_689_512 - 513_000),
        ("resnet101", (3, 4, 23, 3), True, 44_549_160 - 2_049_000),
    ],
)
def test_parameter_counts_match_torchvision_without_fc(name, layers, bottleneck, published, parameter_count):
    expected = resnet_parameters(layers, bottleneck)
    assert expected == published
    with torch.device("meta"):
        net = build_resnet(name)
    assert parameter_count(net) == expected
    assert {"resnet34": 21_284_672, "resnet50": 23_508_032}.get(name, expected) == expected


@pytest.mark.parametrize(
    "output_stride, sizes",
    [
        (32, (32, 16, 8, 4, 2)),
        (16, (32, 16, 8, 4, 4)),
        (8, (32, 16, 8, 8, 8)),
    ],
)
def test_output_stride_gives_feature_map_sizes(output_stride, sizes):
    net = build_resnet("resnet50", in_channels=1, widths=NARROW, output_stride=output_stride).eval()
    with torch.no_grad():
        features = net(torch.randn(1, 1, 64, 64))
    assert isinstance(features, ResNetFeatures)
    assert tuple(f.shape[-1] for f in features) == sizes
    assert tuple(f.shape[1] for f in features) == net.out_channels == (8, 32, 64, 128, 256)


@pytest.mark.parametrize(
    "output_stride, multi_grid, layer3, layer4",
    [
        (16, None, [1] * 6, [2, 2, 2]),
        (8, None, [2] * 6, [4, 4, 4]),
        (16, (1, 2, 4), [1] * 6, [2, 4, 8]),  # Chen et al. section 3.2: unit rate 2 x (1, 2, 4)
        (8, (1, 2, 4), [2] * 6, [4, 8, 16]),
        (32, None, [1] * 6, [1, 1, 1]),
    ],
)
def test_dilation_replaces_stride_in_every_block(output_stride, multi_grid, layer3, layer4):
    net = build_resnet("resnet50", widths=NARROW, output_stride=output_stride, multi_grid=multi_grid)
    assert [b.conv2.dilation[0] for b in net.layer3] == layer3
    assert [b.conv2.dilation[0] for b in net.layer4] == layer4
    # the first block of a dilated stage keeps stride 1
    assert net.layer4[0].conv2.stride == ((2, 2) if output_stride == 32 else (1, 1))


@pytest.mark.parametrize("in_channels", [1, 3, 4])
def test_input_channels(in_channels):
    net = build_resnet("resnet34", in_channels=in_channels, widths=NARROW).eval()
    assert net.conv1.weight.shape == (8, in_channels, 7, 7)
    with torch.no_grad():
        assert net(torch.randn(2, in_channels, 40, 24)).layer4.shape == (2, 64, 2, 1)


def test_adapt_input_conv_by_hand():
    weight = torch.arange(2 * 3 * 1 * 1, dtype=torch.float32).reshape(2, 3, 1, 1)  # [[0, 1, 2], [3, 4, 5]]
    assert adapt_input_conv(weight, 1).flatten().tolist() == [3.0, 12.0]
    # 4 channels: R, G, B, R scaled by 3 / 4
    assert adapt_input_conv(weight, 4)[0].flatten().tolist() == [0.0, 0.75, 1.5, 0.0]
    assert adapt_input_conv(weight, 3) is weight


def _rgb_state(tmp_path, wrap=None, drop_counters=True):
    """A torchvision-style ResNet-18 state dict (narrow) with an fc layer, saved to a file."""
    source = build_resnet("resnet18", in_channels=3, widths=NARROW)
    with torch.no_grad():  # BN no longer the identity, so the loaded statistics matter
        for module in source.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.1)
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    state = {k: v for k, v in source.state_dict().items() if not (drop_counters and k.endswith("num_batches_tracked"))}
    state["fc.weight"], state["fc.bias"] = torch.randn(10, 64), torch.randn(10)
    if wrap == "module":
        state = {f"module.{k}": v for k, v in state.items()}
    elif wrap == "state_dict":
        state = {"state_dict": state, "epoch": 90}
    path = tmp_path / "resnet18.pth"
    torch.save(state, path)
    return source, path


@pytest.mark.parametrize("wrap", [None, "module", "state_dict"])
def test_pretrained_grey_network_equals_rgb_network_on_grey_images(tmp_path, wrap):
    source, path = _rgb_state(tmp_path, wrap)
    grey = build_resnet("resnet18", in_channels=1, widths=NARROW, pretrained_path=path)
    torch.testing.assert_close(grey.conv1.weight, source.conv1.weight.sum(1, keepdim=True))
    torch.testing.assert_close(grey.layer4[1].conv2.weight, source.layer4[1].conv2.weight)
    x = torch.randn(2, 1, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(grey.eval()(x).layer4, source.eval()(x.expand(-1, 3, -1, -1)).layer4)


def test_pretrained_four_channel_input(tmp_path):
    source, path = _rgb_state(tmp_path, drop_counters=False)
    net = build_resnet("resnet18", in_channels=4, widths=NARROW, pretrained_path=path)
    torch.testing.assert_close(net.conv1.weight[:, 3], source.conv1.weight[:, 0] * 0.75)


def test_pretrained_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        build_resnet("resnet18", pretrained_path=tmp_path / "missing.pth")
    _, path = _rgb_state(tmp_path)
    with pytest.raises(ValueError, match=r"resnet18\.pth.*shape mismatch.*conv1\.weight"):
        build_resnet("resnet18", widths=(16, 16, 32, 64), pretrained_path=path)
    with pytest.raises(ValueError, match=r"resnet18\.pth.*missing \['layer3\.2"):
        load_pretrained(ResNet(3, BasicBlock, (2, 2, 3, 2), NARROW), path)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="garbage.pth"):
        build_resnet("resnet18", widths=NARROW, pretrained_path=garbage)


def test_bad_options():
    with pytest.raises(KeyError, match="resnet101"):
        build_resnet("resnet152")
    with pytest.raises(ValueError, match="output_stride"):
        build_resnet("resnet18", output_stride=4)
    with pytest.raises(ValueError, match="multi_grid"):
        build_resnet("resnet18", multi_grid=(0,))
