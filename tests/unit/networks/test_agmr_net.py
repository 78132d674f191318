import pytest
import torch
import torch.nn.functional as F

from lesionbench.networks import create_network
from lesionbench.networks.agmr_net import AGMRNet
from lesionbench.networks.dunet import DUNet
from lesionbench.networks.outputs import AttentionOutput
from lesionbench.networks.stroke_blocks import (
    CrossDimensionFusion,
    MultiScaleDeconv,
    PatchAttention,
    replicate_patches,
)

NARROW = {"features": (8, 16, 32, 64, 128), "features_3d": (8, 16, 32)}
#: Published counts (thesis Table 3.7): AGMR-Net (3/5/7/9) and "Size = k".
PUBLISHED = {None: 23_799_283, 3: 12_658_163, 5: 18_228_723, 7: 26_584_563, 9: 37_725_683}


@pytest.mark.parametrize(
    "kwargs, n_maps",
    [
        ({}, 5),
        ({"cpa": False}, 0),
        ({"cff": False, "mdu": False}, 5),
        ({"attention": "fa", "cff": False, "mdu": False}, 0),
        ({"fusion": "cff_concat", "kernels": 3}, 5),
        ({"fusion": "concat", "mdu_position": "encoder"}, 5),
        ({"fusion": "add", "mdu_position": "skip", "cff_hidden": "separate"}, 5),
    ],
)
def test_output_is_typed_with_cpa_maps(kwargs, n_maps):
    net = create_network("agmr_net", **NARROW, **kwargs).eval()
    with torch.no_grad():
        out = net(torch.randn(2, 4, 96, 96))
    assert isinstance(out, AttentionOutput)
    assert out.seg.shape == (2, 1, 96, 96) and out.side_outputs == ()
    assert [tuple(m.shape) for m in out.attention_maps] == [(2, 1, 6, 6)] * n_maps


def test_rectangular_input_and_two_classes():
    net = AGMRNet(out_channels=2, **NARROW).eval()
    with torch.no_grad():
        out = net(torch.randn(1, 4, 96, 192))
    assert out.seg.shape == (1, 2, 96, 192) and out.attention_maps[0].shape == (1, 1, 6, 6)


def test_cpa_needs_multiples_of_96():
    with pytest.raises(ValueError, match=r"\(64, 64\) must be a multiple of 96"):
        AGMRNet(**NARROW)(torch.randn(1, 4, 64, 64))
    # without CPA the D-UNet multiple (16) is enough
    assert AGMRNet(cpa=False, **NARROW).eval()(torch.randn(1, 4, 64, 64)).seg.shape == (1, 1, 64, 64)


def test_all_flags_off_is_dunet(parameter_count):
    off = AGMRNet(cpa=False, cff=False, mdu=False)
    assert parameter_count(off) == 9_503_779
    dunet = DUNet()
    assert {k: v.shape for k, v in off.state_dict().items()} == {k: v.shape for k, v in dunet.state_dict().items()}


def test_table_3_1_module_counts(parameter_count):
    cpa = 5 * (36 * 18 + 18 + 18 * 36 + 36)  # 5 stages of FC 36 -> 18 -> 36 with biases
    cff = (64**2 + 128**2) - (64**2 + 128**2) // 4  # shared CFF (R = 8): C^2, minus D-UNet's SE pair C^2 / 4
    assert parameter_count(AGMRNet(cff=False, mdu=False)) == 9_503_779 + cpa
    assert parameter_count(AGMRNet(cpa=False, mdu=False)) == 9_503_779 + cff
    assert parameter_count(AGMRNet(mdu=False)) == 9_503_779 + cpa + cff
    assert parameter_count(AGMRNet(attention="fa", cff=False, mdu=False)) == 9_503_779 + 5 * (2 * 49 + 1)


def test_mdu_kernel_differences_match_table_3_7(parameter_count):
    # sum over the 4 levels of C_in * C' = 512^2 + 256^2 + 128^2 + 64^2 = 348,160 (C' = C_in)
    counts = {k: parameter_count(AGMRNet(kernels=k)) for k in (3, 5, 7, 9)}
    counts[None] = parameter_count(AGMRNet())
    for k in (5, 7, 9):
        assert counts[k] - counts[3] == 348_160 * (k * k - 9) == PUBLISHED[k] - PUBLISHED[3]
    assert counts[None] - counts[3] == 348_160 * (41 - 9) == PUBLISHED[None] - PUBLISHED[3]
    # the offset to the published counts (not explained by the thesis) is the same in every row
    assert {PUBLISHED[k] - counts[k] for k in counts} == {779_794}
    assert parameter_count(AGMRNet(kernels=(3, 3, 3, 3))) == counts[3]


def test_patch_replication_by_hand():
    omega = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
    expected = torch.tensor([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], dtype=torch.float32)
    torch.testing.assert_close(replicate_patches(omega, (4, 4))[0, 0], expected)
    with pytest.raises(ValueError, match="not a multiple"):
        replicate_patches(omega, (5, 4))


def test_cpa_is_a_residual_patch_attention():
    cpa = PatchAttention()
    x = torch.randn(2, 3, 24, 12)
    out, logits = cpa(x)
    assert logits.shape == (2, 1, 6, 6)
    # eqs. 3.1-3.2: channel mean, then the mean over each 4 x 2 patch
    pooled = x.mean(dim=1).view(2, 6, 4, 6, 2).mean(dim=(2, 4)).flatten(1)
    torch.testing.assert_close(logits.flatten(1), cpa.fc(pooled))
    # eq. 3.4 and the residual: out = A * F + F with A constant on every patch
    gain = (out / x).view(2, 3, 6, 4, 6, 2)
    expected = 1 + torch.sigmoid(logits)[:, :, :, None, :, None].expand_as(gain)
    torch.testing.assert_close(gain, expected)
    with pytest.raises(ValueError, match="patch grid"):
        cpa(torch.randn(1, 3, 20, 12))


def test_cff_weights_see_both_dimensions():
    cff = CrossDimensionFusion(channels=16, channels_3d=8, depth=2, reduction=8).eval()
    fm_2d, fm_3d = torch.randn(2, 16, 6, 6), torch.randn(2, 8, 2, 6, 6)
    with torch.no_grad():
        out = cff(fm_2d, fm_3d)
        w2, w3 = cff.last_weights_2d, cff.last_weights_3d
        assert w2.shape == w3.shape == (2, 16)
        torch.testing.assert_close(out, cff.transform(fm_3d) * w3[:, :, None, None] + fm_2d * w2[:, :, None, None])
        cff(fm_2d, fm_3d + torch.randn_like(fm_3d))  # changing the 3D input changes the 2D weights
        assert not torch.allclose(cff.last_weights_2d, w2)
        cff(fm_2d + torch.randn_like(fm_2d), fm_3d)  # and the 2D input the 3D weights
        assert not torch.allclose(cff.last_weights_3d, w3)


@pytest.mark.parametrize("channels, reduction", [(64, 8), (128, 32), (16, 4)])
def test_cff_fc_counts(channels, reduction):
    c, r = channels, reduction
    fc = lambda m: sum(p.numel() for n, p in m.named_parameters() if n.startswith(("f1", "head")))  # noqa: E731
    shared = CrossDimensionFusion(c, 8, 2, reduction=r, hidden="shared")
    assert fc(shared) == 2 * c * (2 * c // r) + 2 * (2 * c // r * c)  # thesis section 3.6.4 (2)
    separate = CrossDimensionFusion(c, 8, 2, reduction=r, hidden="separate")
    assert fc(separate) == 2 * (2 * c * (c // r) + (c // r) * c)


def test_agmr_exposes_cff_weights():
    net = AGMRNet(**NARROW).eval()
    assert net.cff_weights() == ()
    with torch.no_grad():
        net(torch.randn(3, 4, 96, 96))
    assert [tuple(w.shape) for w in net.cff_weights()] == [(3, 16), (3, 32)]
    assert AGMRNet(cff=False, **NARROW).cff_weights() == ()


@pytest.mark.parametrize("kernel", [3, 5, 7, 9])
@pytest.mark.parametrize("size", [(5, 7), (12, 12)])
def test_mdu_doubles_the_size_exactly(kernel, size):
    mdu = MultiScaleDeconv(8, 8, kernels=kernel).eval()
    assert all(b[0].kernel_size == (kernel, kernel) for b in mdu.branches) and len(mdu.branches) == 4
    assert mdu(torch.randn(1, 8, *size)).shape == (1, 8, 2 * size[0], 2 * size[1])


def test_mdu_multi_scale_branches():
    mdu = MultiScaleDeconv(16, 16)
    assert [b[0].kernel_size[0] for b in mdu.branches] == [3, 5, 7, 9]
    assert [b[0].out_channels for b in mdu.branches] == [4] * 4
    with pytest.raises(ValueError, match="odd"):
        MultiScaleDeconv(16, 16, kernels=(3, 4))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cpa": False, "attention": "cpa"}, "cpa=False contradicts attention='cpa'"),
        ({"cff": False, "fusion": "cff"}, "cff=False contradicts fusion='cff'"),
        ({"mdu": False, "mdu_position": "skip"}, "mdu=False contradicts"),
        ({"attention": "se"}, "attention must be one of"),
        ({"mdu_position": "bottleneck"}, "mdu_position must be one of"),
        ({"cff_hidden": "tied"}, "cff_hidden must be one of"),
        ({"reduction": 0}, "reduction must be at least 1"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AGMRNet(**{**NARROW, **kwargs})


def test_adam_steps_decrease_the_loss(stack_batch):
    images, masks = stack_batch(2, 96)
    prior = F.max_pool2d(masks, 16)  # 6 x 6 prior map
    net = AGMRNet(features=(4, 8, 16, 32, 64), features_3d=(4, 8, 16))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        out = net(images)
        loss = F.binary_cross_entropy_with_logits(out.seg, masks) + 0.15 * sum(
            F.binary_cross_entropy_with_logits(m, prior) for m in out.attention_maps
        )
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


@pytest.mark.parametrize("position", ["encoder", "skip"])
def test_mdu_position_encoder_or_skip(position):
    net = AGMRNet(mdu_position=position, **NARROW).eval()
    assert all(isinstance(up[0], torch.nn.Upsample) for up in net.ups)  # the decoder up-samples as D-UNet
    seen = {}

    def keep(module, inputs, output):
        seen["in"], seen["out"] = inputs[0], output

    net.stage_mdus[0].register_forward_hook(keep)
    with torch.no_grad():
        stages, _ = net.encode(torch.randn(1, 4, 96, 96))
        if position == "encoder":  # after the stage, before the pooling: the stage output is the MDU's
            torch.testing.assert_close(stages[0], seen["out"])
        else:  # on the skip only: the encoder stage is unchanged, the decoder reads the MDU output
            assert "in" not in seen
            net.decode(stages, [])
            torch.testing.assert_close(seen["in"], stages[0])
