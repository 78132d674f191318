import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import lesionbench.networks.improved_unet  # noqa: F401  (registers "improved_unet")
from lesionbench.networks import UNet, create_network
from lesionbench.networks.dropblock import DropBlock2d
from lesionbench.networks.improved_unet import (
    TABLE1_ROWS,
    FeaturePyramidAttention,
    ImprovedUNet,
)

NARROW = (8, 16, 32, 64, 128)
TINY = (8, 16, 32)  # three levels: the learning tests run in about 4 s each on one thread


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    """Parameters of a k x k conv (or transposed conv): k*k*cin*cout weights + cout biases."""
    return k * k * cin * cout + (cout if bias else 0)


def cbm(k: int, cin: int, cout: int) -> int:
    """Conv (no bias) + BN (gamma, beta) + Mish."""
    return conv(k, cin, cout, bias=False) + 2 * cout


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (1, 3, 37, 50), (1, 1, 37, 50)),
        ({"in_channels": 4, "out_channels": 2}, (2, 4, 48, 33), (2, 2, 48, 33)),  # 2.5D input of paper 003
        ({"in_channels": 1, "out_channels": 1, "fpa_pyramid_channels": 128}, (1, 1, 5, 3), (1, 1, 5, 3)),
        ({"in_channels": 1, "out_channels": 2, "residual_blocks": 2, "features": TINY}, (1, 1, 20, 28), (1, 2, 20, 28)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("improved_unet", **{"features": NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


@pytest.mark.parametrize("row", list(TABLE1_ROWS))
def test_every_table1_row_builds_and_segments_the_paper_input_size(row):
    net = ImprovedUNet(1, 2, features=NARROW, **TABLE1_ROWS[row]).eval()
    size = 416 if row == "Ours" else 50  # section 2.1: 416 x 416 x 1 inputs
    with torch.no_grad():
        assert net(torch.randn(1, 1, size, size)).shape == (1, 2, size, size)


@pytest.mark.parametrize("flags", list(itertools.product((False, True), repeat=4)))
def test_every_flag_combination_builds_and_runs(flags):
    rcsp_cbm4, multi, fpa, dropblock = flags
    net = ImprovedUNet(2, 1, features=TINY, rcsp_cbm4=rcsp_cbm4, multi_scale_skips=multi, fpa=fpa,
                       dropblock=dropblock, dropblock_size=3).train()
    assert net(torch.randn(2, 2, 24, 20)).shape == (2, 1, 24, 20)
    assert sum(isinstance(m, DropBlock2d) for m in net.modules()) == (3 if dropblock else 0)
    assert isinstance(net.fpa, FeaturePyramidAttention) == fpa
    # RCSP replaces max pooling by stride-2 convs (section 1.3.2)
    strided = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
    pools = [m for m in net.modules() if isinstance(m, nn.MaxPool2d)]
    assert (len(strided), len(pools)) == ((2, 0) if rcsp_cbm4 else (0, 2))
    assert not any(isinstance(m, nn.ReLU) for m in net.modules())


def test_base_row_is_unet_with_mish_layer_for_layer():
    base = ImprovedUNet(4, 2, features=NARROW, **TABLE1_ROWS["Base"]).eval()
    unet = UNet(2, 4, 2, features=NARROW, activation="mish").eval()
    pairs = list(zip(base.parameters(), unet.parameters(), strict=True))
    with torch.no_grad():
        for mine, theirs in pairs:
            mine.copy_(theirs)
        x = torch.randn(1, 4, 40, 36)
        torch.testing.assert_close(base(x), unet(x))


def test_parameter_counts_at_standard_widths(parameter_count):
    """Hand counts from the layer list (in 1, out 2). Base = Ronneberger's U-Net, 31,030,658
    (test_unet.py); the paper publishes no parameter count for its networks."""
    f = [64, 128, 256, 512, 1024]
    head = conv(1, 64, 2)
    up = sum(conv(2, f[j + 1], f[j]) for j in range(4))

    def rcsp(w: int) -> int:
        h = w // 2
        return cbm(1, h, h) + cbm(1, h, h) + 2 * cbm(3, h, h) + cbm(1, h, h) + cbm(1, w, w)

    encoder = sum(cbm(3, 1 if i == 0 else f[i - 1], w) + rcsp(w) for i, w in enumerate(f))
    cbm4 = sum(cbm(3, 2 * w, w) + 3 * cbm(3, w, w) for w in f[:4])
    multi = sum(cbm(3, e, w // 4) for w in f[:4] for e in f[:4])  # 4 sources of w/4 channels: w in all
    fpa = cbm(1, 1024, 1024) + cbm(5, 1024, 1) + 2 * cbm(3, 1, 1) + conv(1, 1024, 1024)
    expected = {
        "Base+RCSP+CBM4": encoder + up + cbm4 + head,
        "Base+RCSP+CBM4+Multi": encoder + up + cbm4 + multi + head,
        "Base+RCSP+CBM4+FPA": encoder + up + cbm4 + fpa + head,
        "Ours": encoder + up + cbm4 + multi + fpa + head,
    }
    assert expected["Ours"] == 37_677_530
    with torch.device("meta"):
        counts = {row: parameter_count(ImprovedUNet(1, 2, **flags)) for row, flags in TABLE1_ROWS.items()}
    assert counts.pop("Base") == 31_030_658
    assert counts == expected


def test_fpa_computes_x2_plus_x1_times_h():
    fpa = FeaturePyramidAttention(16).eval()
    seen = {}
    for name in ("master", "pyramid", "global_branch"):
        getattr(fpa, name).register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o))
    for i, conv_block in enumerate(fpa.pyramid.convs):
        conv_block.register_forward_hook(lambda m, i_, o, i=i: seen.__setitem__(f"level{i}", o))
    x = torch.randn(2, 16, 13, 9)
    with torch.no_grad():
        out = fpa(x)
    assert out.shape == (2, 16, 13, 9)
    x1, h, x2 = seen["master"], seen["pyramid"], seen["global_branch"]
    assert (x1.shape, h.shape, x2.shape) == ((2, 16, 13, 9), (2, 1, 13, 9), (2, 16, 1, 1))
    torch.testing.assert_close(out, x2.expand(-1, -1, 13, 9) + x1 * h)
    # H(X): levels at 7x5, 4x3, 2x2 (2x average pooling, ceil), summed coarse to fine, upsampled
    levels = [seen[f"level{i}"] for i in range(3)]
    assert [tuple(t.shape[2:]) for t in levels] == [(7, 5), (4, 3), (2, 2)]

    def up(t, like):
        return F.interpolate(t, size=like.shape[2:], mode="bilinear", align_corners=False)

    merged = levels[0] + up(levels[1] + up(levels[2], levels[1]), levels[0])
    torch.testing.assert_close(h, up(merged, x))
    # X2 = Mish(1x1 conv(global average)), the same for every pixel
    gap_conv = fpa.global_branch[1][0]
    torch.testing.assert_close(x2, F.mish(gap_conv(x.mean(dim=(2, 3), keepdim=True))))


def test_fpa_pyramid_convs_are_the_papers():
    fpa = FeaturePyramidAttention(32)
    convs = [block[0] for block in fpa.pyramid.convs]
    assert [(c.kernel_size, c.dilation, c.in_channels, c.out_channels) for c in convs] == [
        ((5, 5), (1, 1), 32, 1), ((3, 3), (3, 3), 1, 1), ((3, 3), (5, 5), 1, 1),
    ]


def test_rcsp_block_splits_channels_and_adds_the_residual():
    net = ImprovedUNet(1, 2, features=TINY)
    rcsp = net.encoders[1][1]
    seen = {}
    rcsp.shortcut.register_forward_hook(lambda m, i, o: seen.__setitem__("shortcut", i[0]))
    rcsp.entry.register_forward_hook(lambda m, i, o: seen.__setitem__("entry", i[0]))
    residual = rcsp.residual[0]
    residual.register_forward_hook(lambda m, i, o: seen.__setitem__("residual", (i[0], o)))
    x = torch.randn(2, 16, 8, 8)
    with torch.no_grad():
        assert rcsp(x).shape == (2, 16, 8, 8)
        torch.testing.assert_close(seen["shortcut"], x[:, :8])  # x0' goes to the end of the stage
        torch.testing.assert_close(seen["entry"], x[:, 8:])  # x0'' goes to the residual block
        r_in, r_out = seen["residual"]
        torch.testing.assert_close(r_out, residual.body(r_in) + r_in)  # eq. 1


def test_multi_scale_skip_fuses_every_encoder_level():
    net = ImprovedUNet(1, 2, features=NARROW, fpa=False, dropblock=False).eval()
    skip = net.skips[2]  # decoder level 1 (16 x 16 for a 32 x 32 input), 16 channels
    sizes = {}
    for source, project in enumerate(skip.projections):
        project.register_forward_hook(lambda m, i, o, s=source: sizes.__setitem__(s, (tuple(i[0].shape), tuple(o.shape))))
    seen = {}
    skip.register_forward_hook(lambda m, i, o: seen.__setitem__("out", o.shape))
    with torch.no_grad():
        net(torch.randn(1, 1, 32, 32))
    assert sizes == {
        0: ((1, 8, 16, 16), (1, 4, 16, 16)),  # full resolution, max-pooled by 2 then projected
        1: ((1, 16, 16, 16), (1, 4, 16, 16)),  # same level
        2: ((1, 32, 8, 8), (1, 4, 8, 8)),  # projected, then upsampled by 2
        3: ((1, 64, 4, 4), (1, 4, 4, 4)),  # projected, then upsampled by 4
    }
    assert tuple(seen["out"]) == (1, 16, 16, 16)
    assert skip.out_channels == 4 * math.ceil(16 / 4)


def test_decoder_blocks_are_cbm4():
    net = ImprovedUNet(1, 2, features=TINY)
    for decoder in net.decoders:
        assert len(decoder) == 4
        assert all(isinstance(b[1], nn.BatchNorm2d) and isinstance(b[2], nn.Mish) for b in decoder)


def test_dropblock_acts_in_training_only():
    net = ImprovedUNet(1, 1, features=TINY, dropblock_prob=0.3, dropblock_size=3)
    x = torch.randn(2, 1, 24, 24)
    net.eval()
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(x))
        reference = net(x)
    for block in net.modules():
        if isinstance(block, nn.BatchNorm2d):
            block.eval()  # isolate DropBlock: batch statistics would also change the output
    net.dropblocks.train()
    with torch.no_grad():
        assert not torch.allclose(net(x), reference)
    assert all(int(d.num_steps) == 1 for d in net.dropblocks)


def test_gradient_reaches_the_first_conv():
    net = ImprovedUNet(1, 2, features=TINY)
    net(torch.randn(2, 1, 32, 32)).sum().backward()
    grad = net.encoders[0][0][0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize(
    "out_channels, loss_name",
    [(2, "dice"), (1, "bce")],  # the full model ("Ours") with the paper's Dice loss, and with BCE
)
def test_it_learns_a_disc(out_channels, loss_name, train_losses):
    net = ImprovedUNet(1, out_channels, features=TINY, dropblock_size=3)
    losses = train_losses(net, loss_name, size=32, lr=1e-2)
    assert losses[-1] <= 0.5 * losses[0], losses


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"features": (1, 2, 4)}, "features needs at least 2 widths of at least 2"),
        ({"features": (8,)}, "features needs at least 2 widths"),
        ({"fpa_pyramid_channels": 3}, "pyramid_channels must be 1 or 128"),
        ({"fpa_pyramid": ((5, 0),)}, "pyramid needs (kernel, dilation) pairs"),
        ({"residual_blocks": -1}, "residual_blocks must be >= 0"),
        ({"dropblock_prob": 1.5}, "drop_prob must be in [0, 1)"),
    ],
)
def test_bad_options_raise(kwargs, message):
    with pytest.raises(ValueError) as err:
        ImprovedUNet(1, 2, **{"features": NARROW, **kwargs})
    assert message in str(err.value)
