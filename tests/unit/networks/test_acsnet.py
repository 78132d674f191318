import math

import pytest
import torch

import lesionbench.networks.acsnet  # noqa: F401  (registers "acsnet")
from lesionbench.networks import create_network
from lesionbench.networks.acsnet import (
    ACSNet,
    ACSNetOutput,
    AdaptiveSelection,
    GlobalContext,
    NonLocal,
    SqueezeExcitation,
    local_context_attention,
)
from lesionbench.networks.resnet import build_resnet

NARROW = {"backbone_widths": (8, 16, 32, 64), "gcm_channels": 8}


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (2, 3, 32, 96), (2, 1, 32, 96)),
        ({"in_channels": 4, "out_channels": 2}, (2, 4, 37, 50), (2, 2, 37, 50)),  # not multiples of 32
        ({"in_channels": 4, "out_channels": 1}, (1, 4, 5, 3), (1, 1, 5, 3)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("acsnet", **NARROW, **kwargs).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_unaligned_input_is_zero_padded_then_cropped():
    net = ACSNet(1, 1, **NARROW).eval()
    x = torch.randn(1, 1, 60, 44)
    padded = torch.zeros(1, 1, 64, 64)
    padded[..., :60, :44] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :60, :44])


def test_local_context_attention_by_hand():
    # Zhang et al. eq. 1: A = 1 - |P - 0.5| / 0.5; output F * A + F
    features = torch.full((1, 2, 1, 4), 2.0)
    logits = torch.tensor([0.0, math.log(3.0), -math.log(3.0), 30.0]).reshape(1, 1, 1, 4)  # P = .5, .75, .25, ~1
    out = local_context_attention(features, logits)
    torch.testing.assert_close(out[0, 0, 0], torch.tensor([4.0, 3.0, 3.0, 2.0]))
    # two-class softmax logits: P is the foreground probability 1 - p(background)
    two = torch.stack([torch.zeros(1, 1, 4), logits[0]], dim=1)
    torch.testing.assert_close(local_context_attention(features, two), out)
    # a coarser prediction map is resized to the features
    assert local_context_attention(torch.ones(1, 3, 8, 8), torch.zeros(1, 1, 4, 4)).unique().tolist() == [2.0]


def test_non_local_block_starts_as_identity_and_then_mixes_positions():
    block = NonLocal(8).eval()
    x = torch.randn(2, 8, 6, 5)
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)
        block.out[1].weight.fill_(1.0)
        y = block(x)
        x2 = x.clone()
        x2[:, :, 0, 0] += 1.0  # changing one position changes the others' outputs
        assert not torch.allclose(block(x2)[:, :, 5, 4], y[:, :, 5, 4])


def test_non_local_block_is_the_unscaled_embedded_gaussian():
    # Wang et al. eq. 3 written out: softmax over theta(x_i)^T phi(x_j), no 1/sqrt(d) scaling.
    block = NonLocal(6).eval()
    x = torch.randn(2, 6, 5, 7)
    with torch.no_grad():
        block.out[1].weight.fill_(1.0)
        query = block.theta(x).flatten(2).transpose(1, 2)
        key = block.pool(block.phi(x)).flatten(2)
        value = block.pool(block.g(x)).flatten(2).transpose(1, 2)
        y = torch.softmax(query @ key, dim=-1) @ value
        expected = block.out(y.transpose(1, 2).reshape(2, 3, 5, 7)) + x
        torch.testing.assert_close(block(x), expected)


def test_squeeze_excitation_by_hand():
    se = SqueezeExcitation(32, reduction=16)
    assert se.fc[0].out_features == 2
    with torch.no_grad():
        for layer in (se.fc[0], se.fc[2]):
            layer.weight.zero_()
            layer.bias.zero_()
        se.fc[2].bias[0] = math.log(3.0)  # sigmoid -> 0.75 for channel 0, 0.5 for the others
    x = torch.randn(2, 32, 3, 3)
    out = se(x)
    torch.testing.assert_close(out[:, 0], 0.75 * x[:, 0])
    torch.testing.assert_close(out[:, 1:], 0.5 * x[:, 1:])


def test_global_context_delivers_one_map_per_stage():
    gcm = GlobalContext(64, stage_channels=(32, 16, 8, 8), channels=8).eval()
    assert [type(p[0]).__name__ for p in gcm.pooled] == ["AdaptiveAvgPool2d"] * 3
    assert [p[0].output_size for p in gcm.pooled] == [1, 3, 5]
    assert gcm.outputs[0][0].in_channels == 4 * 8  # three pooling branches + non-local
    sizes = [(4, 6), (8, 12), (16, 24), (32, 48)]
    with torch.no_grad():
        maps = gcm(torch.randn(2, 64, 2, 3), sizes)
    assert [tuple(m.shape) for m in maps] == [(2, c, *s) for c, s in zip((32, 16, 8, 8), sizes)]
    assert GlobalContext(64, (8,), channels=8, non_local=False).outputs[0][0].in_channels == 3 * 8


def test_adaptive_selection_concatenates_local_decoder_global():
    asm = AdaptiveSelection(channels=4 + 6 + 4, decoder_channels=6).eval()
    local, decoder, context = torch.randn(1, 4, 8, 8), torch.randn(1, 6, 8, 8), torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        out = asm(local, decoder, [context])
        weights = asm.select.fc(torch.cat([local, decoder, context], 1).mean(dim=(2, 3)))  # non-local is identity at init
    assert out.shape == (1, 14, 8, 8)
    torch.testing.assert_close(out[:, :4], local * weights[:, :4, None, None])


def test_standard_widths_follow_the_encoder():
    with torch.device("meta"):
        net = ACSNet(4, 1)
    assert net.encoder.out_channels == (64, 64, 128, 256, 512)  # ResNet-34
    # ASM inputs at stages 4..1: local E_i + decoder of stage i+1 + global (width of E_i)
    assert [s.select.fc[0].in_features for s in net.selections] == [1024, 512, 256, 192]
    assert [d[1][0].out_channels for d in (net.decoder5, *net.decoders)] == [512, 256, 128, 64, 64]


def test_deep_supervision_returns_four_side_outputs():
    x = torch.randn(2, 1, 40, 40)
    net = ACSNet(1, 2, deep_supervision=True, **NARROW).eval()
    with torch.no_grad():
        out = net(x)
    assert isinstance(out, ACSNetOutput)
    assert out.seg.shape == (2, 2, 40, 40)
    assert [tuple(s.shape) for s in out.side_outputs] == [(2, 2, 40, 40)] * 4
    net.deep_supervision = False
    with torch.no_grad():
        torch.testing.assert_close(net(x), out.seg)


@pytest.mark.parametrize(
    "kwargs",
    [{"use_lca": False}, {"use_gcm": False}, {"use_asm": False}, {"gcm_non_local": False},
     {"asm_non_local": False}, {"use_lca": False, "use_gcm": False, "use_asm": False}, {"backbone": "resnet50"}],
)
def test_ablations_build_and_run(kwargs):
    net = ACSNet(1, 1, **NARROW, **kwargs).eval()
    with torch.no_grad():
        assert net(torch.randn(2, 1, 33, 33)).shape == (2, 1, 33, 33)


def test_lca_flag_changes_the_output_with_the_same_weights():
    with_lca = ACSNet(1, 1, **NARROW).eval()
    without = ACSNet(1, 1, use_lca=False, **NARROW).eval()
    without.load_state_dict(with_lca.state_dict())  # LCA has no parameters
    x = torch.randn(1, 1, 64, 64)
    with torch.no_grad():
        assert not torch.allclose(with_lca(x), without(x))


def test_gradient_reaches_the_first_conv():
    net = ACSNet(1, 1, deep_supervision=True, **NARROW)
    out = net(torch.randn(2, 1, 64, 64))
    (out.seg.sum() + sum(s.sum() for s in out.side_outputs)).backward()
    assert net.encoder.conv1.weight.grad is not None and net.encoder.conv1.weight.grad.abs().sum() > 0


def test_it_learns_a_disc(train_losses):
    net = ACSNet(1, 1, se_reduction=4, **NARROW)
    losses = train_losses(net, "bce", size=64, lr=3e-3)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_paper_003_input_size():
    net = create_network("acsnet", in_channels=4, out_channels=1, **NARROW).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 4, 192, 192)).shape == (1, 1, 192, 192)


def test_pretrained_backbone_loads_from_a_local_file(tmp_path):
    source = build_resnet("resnet34", widths=NARROW["backbone_widths"])
    torch.save({"state_dict": source.state_dict()}, tmp_path / "r34.pth")
    net = ACSNet(3, 1, pretrained_path=tmp_path / "r34.pth", **NARROW)
    torch.testing.assert_close(net.encoder.layer4[2].conv1.weight, source.layer4[2].conv1.weight)


def test_encoder_parameter_count_is_resnet34(parameter_count):
    with torch.device("meta"):
        net = create_network("acsnet", in_channels=3, out_channels=1)
    assert parameter_count(net.encoder) == 21_284_672  # torchvision ResNet-34 without fc
