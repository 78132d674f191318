import math

import pytest
import torch
import torch.nn.functional as F

from lesionbench.networks import create_network
from lesionbench.networks.agmr_net import AGMRNet
from lesionbench.networks.outputs import AttentionOutput
from lesionbench.networks.tsrl_net import (
    TSRLNet,
    foreground_probability,
    patch_attention_residual,
    reverse_attention,
)

NARROW = {"features": (8, 16, 32, 64, 128), "features_3d": (8, 16, 32)}


@pytest.mark.parametrize(
    "kwargs, out_channels, n_sides",
    [
        ({}, 1, 4),
        ({"ra_only": True}, 1, 4),
        ({"out_channels": 2}, 2, 4),
        ({"crl": False}, 1, 0),
        ({"crl": False, "side_outputs": True}, 1, 4),
    ],
)
def test_output_is_typed_with_sides_and_maps(kwargs, out_channels, n_sides):
    net = create_network("tsrl_net", **NARROW, **kwargs).eval()
    with torch.no_grad():
        out = net(torch.randn(2, 4, 96, 96))
    assert isinstance(out, AttentionOutput)
    assert out.seg.shape == (2, out_channels, 96, 96)
    sides = [(2, out_channels, s, s) for s in (12, 24, 48, 96)][:n_sides]  # coarse to fine, own resolution
    assert [tuple(s.shape) for s in out.side_outputs] == sides
    assert [tuple(m.shape) for m in out.attention_maps] == [(2, 1, 6, 6)] * 5


def test_reverse_attention_by_hand():
    # thesis eq. 4.1: RF = C^2 * (1 - sigmoid(P))
    skip = torch.tensor([1.0, 2.0, 3.0, -1.0]).view(1, 1, 2, 2)
    logits = torch.tensor([0.0, math.log(3.0), -math.log(3.0), 40.0]).view(1, 1, 2, 2)  # P = .5, .75, .25, 1
    expected = torch.tensor([0.5, 1.0, 6.75, 0.0]).view(1, 1, 2, 2)
    torch.testing.assert_close(reverse_attention(skip, logits), expected)
    # a two-channel (softmax) side output: P = 1 - p(background)
    two = torch.cat([torch.zeros_like(logits), logits], dim=1)
    torch.testing.assert_close(foreground_probability(two), torch.sigmoid(logits))


def test_patch_attention_unit_replicates_cpa5():
    skip = torch.full((1, 2, 12, 12), 2.0)
    logits = torch.randn(1, 1, 6, 6)
    out = patch_attention_residual(skip, logits)
    expected = 2 * torch.sigmoid(logits).repeat_interleave(2, 2).repeat_interleave(2, 3)
    torch.testing.assert_close(out, expected.expand(1, 2, 12, 12))


@pytest.mark.parametrize("ra_only", [False, True])
def test_crl_replaces_the_skip(ra_only):
    net = TSRLNet(ra_only=ra_only, **NARROW).eval()
    x = torch.randn(1, 4, 96, 96)
    seen = {}

    def keep_input(module, inputs, output):
        seen["in"] = inputs[0]

    net.decoders[1].register_forward_hook(keep_input)
    with torch.no_grad():
        stages, maps = net.encode(x)
        out = net(x)
        u = net.ups[1](net.decoders[0](seen_first_level(net, stages, maps)))
        side = net.side_heads[1](u)
        skip = stages[-3]  # 24 x 24 with 32 channels
        o = skip**2 * (1 - torch.sigmoid(side))
        if not ra_only:
            o = o + skip * torch.sigmoid(maps[-1]).repeat_interleave(4, 2).repeat_interleave(4, 3)
    torch.testing.assert_close(out.side_outputs[1], side)
    torch.testing.assert_close(seen["in"], torch.cat([o, u], dim=1))


def seen_first_level(net, stages, maps):
    """The input of decoder block 0 written out: ``concat(O_1, U_1)``."""
    u = net.ups[0](stages[-1])
    side = net.side_heads[0](u)
    skip = stages[-2]
    o = reverse_attention(skip, side)
    if not net.ra_only:
        o = o + patch_attention_residual(skip, maps[-1])
    return torch.cat([o, u], dim=1)


def test_counts_at_paper_settings(parameter_count):
    full = parameter_count(TSRLNet())
    # published 12,854,496 (Table 4.3); the thesis does not describe the remaining 977,083
    assert full == 11_877_413
    no_heads = parameter_count(TSRLNet(crl=False, up_width="same"))
    assert full - no_heads == (512 + 256 + 128 + 64) + 4  # four 1x1 side heads, nothing else (CRL has none)
    assert parameter_count(TSRLNet(ra_only=True)) == full


def test_crl_off_is_agmr_without_mdu(parameter_count):
    baseline, agmr = TSRLNet(crl=False), AGMRNet(mdu=False)
    assert parameter_count(baseline) == parameter_count(agmr) == 9_525_889
    assert {k: v.shape for k, v in baseline.state_dict().items()} == {k: v.shape for k, v in agmr.state_dict().items()}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"crl": False, "ra_only": True}, "ra_only=True needs crl=True"),
        ({"side_outputs": False}, "crl=True needs side_outputs"),
        ({"up_width": "double"}, "up_width must be one of"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TSRLNet(**{**NARROW, **kwargs})


def test_input_size_is_checked():
    with pytest.raises(ValueError, match="multiple of 96"):
        TSRLNet(**NARROW)(torch.randn(1, 4, 48, 48))


def test_adam_steps_decrease_the_loss(stack_batch):
    images, masks = stack_batch(2, 96)
    net = TSRLNet(features=(4, 8, 16, 32, 64), features_3d=(4, 8, 16))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        out = net(images)
        loss = F.binary_cross_entropy_with_logits(out.seg, masks) + sum(
            F.binary_cross_entropy_with_logits(s, F.adaptive_max_pool2d(masks, s.shape[2:])) for s in out.side_outputs
        )
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
