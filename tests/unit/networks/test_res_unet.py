import pytest
import torch

from lesionbench.networks import create_network
from lesionbench.networks.blocks import AttentionGate
from lesionbench.networks.res_unet import ResAttUNet, ResUNet  # registers "res_unet", "resatt_unet"

NARROW = (8, 16, 32, 64)
RESNET34_BLOCKS = (3, 4, 6, 3)


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    """Parameters of a k x k conv (or transposed conv): k*k*cin*cout weights + cout biases."""
    return k * k * cin * cout + (cout if bias else 0)


def torchvision_resnet34_state(widths, in_channels: int = 3, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors under torchvision's resnet34 key names and shapes, with its ``fc`` and
    without ``num_batches_tracked`` (as torchvision's ImageNet file); written from torchvision's
    layout, independently of the network code."""
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=gen)

    def bn(prefix: str, c: int) -> dict[str, torch.Tensor]:
        return {f"{prefix}.weight": rand(c), f"{prefix}.bias": rand(c),
                f"{prefix}.running_mean": rand(c), f"{prefix}.running_var": rand(c).abs() + 0.5}

    state = {"conv1.weight": rand(widths[0], in_channels, 7, 7), **bn("bn1", widths[0])}
    cin = widths[0]
    for stage, (width, blocks) in enumerate(zip(widths, RESNET34_BLOCKS), start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            state[f"{p}.conv1.weight"] = rand(width, cin, 3, 3)
            state.update(bn(f"{p}.bn1", width))
            state[f"{p}.conv2.weight"] = rand(width, width, 3, 3)
            state.update(bn(f"{p}.bn2", width))
            if b == 0 and stage > 1:
                state[f"{p}.downsample.0.weight"] = rand(width, cin, 1, 1)
                state.update(bn(f"{p}.downsample.1", width))
            cin = width
    state["fc.weight"], state["fc.bias"] = rand(1000, widths[-1]), rand(1000)
    return state


@pytest.mark.parametrize("name", ["res_unet", "resatt_unet"])
@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (1, 3, 96, 32), (1, 1, 96, 32)),
        ({"in_channels": 4, "out_channels": 2}, (2, 4, 37, 50), (2, 2, 37, 50)),
        ({"in_channels": 1, "out_channels": 1, "norm": "instance", "activation": "mish"}, (1, 1, 5, 3), (1, 1, 5, 3)),
        ({"in_channels": 1, "out_channels": 1, "encoder": "resnet18"}, (1, 1, 40, 40), (1, 1, 40, 40)),
    ],
)
def test_output_shape(name, kwargs, input_shape, expected_shape):
    net = create_network(name, **{"encoder_widths": NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_decoder_mirrors_the_encoder_paper_004_section_2_3():
    with torch.device("meta"):  # shapes only
        net = ResAttUNet(3, 1)
        # feature maps of a 256 x 256 input: Layer 0 128^2 x 64, Layers 1-4 64^2 x 64 ... 8^2 x 512
        features = net.encoder(torch.zeros(1, 3, 256, 256))
    assert [tuple(f.shape[1:]) for f in features] == [
        (64, 128, 128), (64, 64, 64), (128, 32, 32), (256, 16, 16), (512, 8, 8)
    ]
    # four up-conv + two-conv groups with the skip's width, then one more up-conv and the 1x1 head
    assert [(up[0].in_channels, up[0].out_channels) for up in net.ups] == [(64, 64), (128, 64), (256, 128), (512, 256)]
    assert [d[0][0].in_channels for d in net.decoders] == [128, 128, 256, 512]
    assert (net.final_up[0].in_channels, net.final_up[0].out_channels, net.head.in_channels) == (64, 64, 64)


def test_gates_are_the_ablation_flag():
    assert all(isinstance(g, AttentionGate) for g in ResAttUNet(encoder_widths=NARROW).gates)
    assert not any(isinstance(g, AttentionGate) for g in ResUNet(encoder_widths=NARROW).gates)
    assert not any(isinstance(g, AttentionGate) for g in ResAttUNet(encoder_widths=NARROW, attention_gates=False).gates)
    gate = ResAttUNet(encoder_widths=NARROW).gates[2]  # on Layer 2 (16 ch): g = the up-conv of Layer 3, same grid
    assert (gate.theta_x.in_channels, gate.phi_g.in_channels, gate.theta_x.stride) == (16, 16, (1, 1))


def test_unaligned_input_is_zero_padded_then_cropped():
    net = ResAttUNet(1, 1, encoder_widths=NARROW).eval()
    x = torch.randn(1, 1, 50, 70)
    padded = torch.zeros(1, 1, 64, 96)
    padded[..., :50, :70] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :50, :70])


@pytest.mark.parametrize("name", ["res_unet", "resatt_unet"])
def test_pretrained_torchvision_state_dict_loads_into_the_encoder(name, tmp_path):
    state = torchvision_resnet34_state(NARROW)
    path = tmp_path / "resnet34.pth"
    torch.save(state, path)
    net = create_network(name, in_channels=3, out_channels=1, encoder_widths=NARROW, pretrained_path=str(path))
    own = net.state_dict()
    for key, value in state.items():
        if key.startswith("fc."):
            assert f"encoder.{key}" not in own
        else:
            torch.testing.assert_close(own[f"encoder.{key}"], value, rtol=0, atol=0)
    # one grey channel: the RGB filters of conv1 are summed
    grey = create_network(name, in_channels=1, out_channels=1, encoder_widths=NARROW, pretrained_path=str(path))
    torch.testing.assert_close(grey.encoder.conv1.weight, state["conv1.weight"].sum(dim=1, keepdim=True))
    torch.testing.assert_close(grey.encoder.layer2[0].downsample[0].weight, state["layer2.0.downsample.0.weight"])


def test_pretrained_errors_name_the_file(tmp_path):
    missing = tmp_path / "absent.pth"
    with pytest.raises(FileNotFoundError, match="absent.pth"):
        ResUNet(3, 1, encoder_widths=NARROW, pretrained_path=missing)
    wide = tmp_path / "resnet34-standard.pth"
    torch.save(torchvision_resnet34_state((64, 128, 256, 512)), wide)  # standard widths into a narrow encoder
    with pytest.raises(ValueError, match="resnet34-standard.pth.*shape mismatch"):
        ResUNet(3, 1, encoder_widths=NARROW, pretrained_path=wide)


def test_gradient_reaches_the_stem_conv():
    net = ResAttUNet(in_channels=1, out_channels=2, encoder_widths=NARROW)
    net(torch.randn(2, 1, 64, 64)).sum().backward()
    grad = net.encoder.conv1.weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize(
    "name, out_channels, loss_name",
    [("res_unet", 1, "bce"), ("resatt_unet", 1, "bce"), ("resatt_unet", 2, "dice")],
)
def test_it_learns_a_disc(name, out_channels, loss_name, train_losses):
    # paper 004 trains with BCE-with-logits and Adam (section 3.2)
    net = create_network(name, in_channels=1, out_channels=out_channels, encoder_widths=NARROW)
    losses = train_losses(net, loss_name, size=64, lr=1e-2)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_paper_004_input_size():
    net = create_network("resatt_unet", in_channels=3, out_channels=1, encoder_widths=(4, 8, 16, 32)).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 256, 256)).shape == (1, 1, 256, 256)


def test_parameter_count_at_standard_widths(parameter_count):
    """ResNet34 encoder (torchvision ``resnet34`` without ``fc``): 21,284,672 parameters.

    Whole networks, in 3 / out 1 (paper 004): Res-Unet 24,441,857, ResAttUnet 24,532,485, by
    hand from the layer lists below (the paper does not print parameter counts).
    """
    widths = [64, 128, 256, 512]

    def bn(c: int) -> int:  # BN gamma and beta
        return 2 * c

    encoder = conv(7, 3, 64, bias=False) + bn(64)
    cin = 64
    for width, blocks in zip(widths, RESNET34_BLOCKS):
        for b in range(blocks):
            encoder += conv(3, cin, width, bias=False) + bn(width) + conv(3, width, width, bias=False) + bn(width)
            if cin != width:  # 1x1 projection shortcut of the first block of stages 2-4
                encoder += conv(1, cin, width, bias=False) + bn(width)
            cin = width
    assert encoder == 21_284_672  # torchvision resnet34: 21,797,672 - fc (512 * 1000 + 1000)
    skips, deeps = [64, 64, 128, 256], [64, 128, 256, 512]
    decoder = sum(
        conv(2, deep, skip, bias=False) + bn(skip)  # up-conv + BN
        + conv(3, 2 * skip, skip, bias=False) + bn(skip) + conv(3, skip, skip, bias=False) + bn(skip)
        for deep, skip in zip(deeps, skips)
    )
    decoder += conv(2, 64, 64, bias=False) + bn(64) + conv(1, 64, 1)  # final up-conv, 1x1 head
    gates = sum(conv(1, c, c // 2, bias=False) + conv(1, c, c // 2) + conv(1, c // 2, 1) for c in skips)
    assert encoder + decoder == 24_441_857 and encoder + decoder + gates == 24_532_485
    with torch.device("meta"):
        res = create_network("res_unet", in_channels=3, out_channels=1)
        resatt = create_network("resatt_unet", in_channels=3, out_channels=1)
    assert parameter_count(res.encoder) == encoder
    assert parameter_count(res) == encoder + decoder
    assert parameter_count(resatt) == encoder + decoder + gates
