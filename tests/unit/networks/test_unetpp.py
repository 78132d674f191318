import pytest
import torch
from torch import nn

from lesionbench.networks import create_network
from lesionbench.networks.unetpp import UNetPlusPlus, UNetPlusPlusOutput  # registers "unetpp"

NARROW = (4, 8, 16, 32, 64)


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    """Parameters of a k x k conv (or transposed conv): k*k*cin*cout weights + cout biases."""
    return k * k * cin * cout + (cout if bias else 0)


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (1, 3, 80, 48), (1, 1, 80, 48)),
        ({"in_channels": 4, "out_channels": 2, "norm": "batch", "activation": "mish"}, (2, 4, 37, 50), (2, 2, 37, 50)),
        ({"in_channels": 1, "out_channels": 1, "dropout": 0.5}, (1, 1, 5, 3), (1, 1, 5, 3)),
        ({"in_channels": 1, "out_channels": 1, "features": (4, 8, 16)}, (1, 1, 20, 13), (1, 1, 20, 13)),
        ({"spatial_dims": 3, "in_channels": 1, "out_channels": 2, "features": (4, 8, 16)}, (1, 1, 6, 10, 9), (1, 2, 6, 10, 9)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("unetpp", **{"features": NARROW, **kwargs}).eval()
    with torch.no_grad():
        out = net(torch.randn(input_shape))
    assert isinstance(out, torch.Tensor) and out.shape == expected_shape


def test_nested_dense_skip_pathways_eq_1():
    # L = 5 levels: 15 nodes X^{i,j} with i + j <= 4; node (i, j >= 1) reads (j + 1) * features[i]
    # channels (j same-level nodes + one up-sampled) and has its own 2x2 up-conv features[i+1] -> features[i]
    net = UNetPlusPlus(features=NARROW)
    assert len(net.nodes) == 15 and len(net.ups) == 10
    assert net.nodes["x_0_4"][0][0].in_channels == 5 * 4
    assert net.nodes["x_1_2"][0][0].in_channels == 3 * 8
    assert net.nodes["x_3_0"][0][0].in_channels == 16 and net.nodes["x_3_0"][0][0].out_channels == 32
    up = net.ups["x_2_1"]
    assert (up.in_channels, up.out_channels, up.kernel_size, up.stride) == (32, 16, (2, 2), (2, 2))


def test_unaligned_input_is_zero_padded_then_cropped():
    net = UNetPlusPlus(features=NARROW).eval()
    x = torch.randn(1, 1, 30, 21)
    padded = torch.zeros(1, 1, 32, 32)
    padded[..., :30, :21] = x
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(padded)[..., :30, :21])


def test_deep_supervision_returns_four_heads_and_the_plain_output_as_seg():
    ds = UNetPlusPlus(in_channels=1, out_channels=2, features=NARROW, deep_supervision=True).eval()
    plain = UNetPlusPlus(in_channels=1, out_channels=2, features=NARROW).eval()
    # the plain network is the deep-supervised one without the heads on X^{0,1..3}
    missing, unexpected = plain.load_state_dict(ds.state_dict(), strict=False)
    assert missing == [] and sorted(unexpected) == [f"heads.{j}.{p}" for j in (1, 2, 3) for p in ("bias", "weight")]
    x = torch.randn(2, 1, 35, 40)
    with torch.no_grad():
        out = ds(x)
        reference = plain(x)
    assert isinstance(out, UNetPlusPlusOutput)
    assert len(out.side_outputs) == 3 and all(s.shape == (2, 2, 35, 40) for s in out.side_outputs)
    torch.testing.assert_close(out.seg, reference)
    # each side output is the 1x1 head of its own node, so they differ from seg
    assert all(not torch.allclose(s, out.seg) for s in out.side_outputs)


def test_dropout_follows_every_conv_of_a_unit():
    net = UNetPlusPlus(features=(4, 8), dropout=0.5)
    dropouts = [m for m in net.modules() if isinstance(m, nn.Dropout)]
    assert len(dropouts) == 3 * 2 and all(d.p == 0.5 for d in dropouts)  # 3 nodes x 2 convs
    assert not any(isinstance(m, nn.Dropout) for m in UNetPlusPlus(features=(4, 8)).modules())


def test_invalid_options_are_clear_errors():
    with pytest.raises(ValueError, match="unetpp: features needs at least 2 positive widths"):
        UNetPlusPlus(features=(8,))
    with pytest.raises(ValueError, match=r"unetpp: dropout must be in \[0, 1\), got 1.0"):
        UNetPlusPlus(dropout=1.0)
    with pytest.raises(ValueError, match="unknown option"):
        create_network("unetpp", deep_supervison=True)


def test_gradient_reaches_the_first_conv():
    net = UNetPlusPlus(in_channels=1, out_channels=2, features=NARROW, deep_supervision=True)
    out = net(torch.randn(2, 1, 32, 32))
    (out.seg.sum() + sum(s.sum() for s in out.side_outputs)).backward()
    grad = net.nodes["x_0_0"][0][0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize(
    "kwargs, loss_name, lr",
    [
        ({"out_channels": 1}, "dice", 1e-3),
        ({"out_channels": 1}, "bce", 1e-3),
        ({"out_channels": 2, "activation": "mish", "norm": "batch"}, "dice", 1e-2),
    ],
)
def test_it_learns_a_disc(kwargs, loss_name, lr, train_losses):
    net = UNetPlusPlus(in_channels=1, features=NARROW, **kwargs)
    losses = train_losses(net, loss_name, size=32, lr=lr)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_paper_000_input_size():
    net = create_network("unetpp", in_channels=1, out_channels=2, features=(2, 4, 8, 16, 32)).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 1, 416, 416)).shape == (1, 2, 416, 416)


def test_parameter_count_at_standard_widths(parameter_count):
    """Zhou et al.'s U-Net++ (32..512 kernels, in 1, out 1): 9,041,601 parameters.

    Counted by hand from the layer list below; Zhou et al. Table 1 reports 9.04M for U-Net++
    with and without deep supervision (the three extra 1x1 heads add 3 x 33 = 99).
    """
    widths = [32, 64, 128, 256, 512]
    expected = 0
    for i, w in enumerate(widths):  # encoder nodes X^{i,0}: two 3x3 convs
        expected += conv(3, 1 if i == 0 else widths[i - 1], w) + conv(3, w, w)
    for j in range(1, 5):  # nested nodes X^{i,j}: a 2x2 up-conv, then two 3x3 convs on (j+1)*w channels
        for i in range(5 - j):
            w = widths[i]
            expected += conv(2, widths[i + 1], w) + conv(3, (j + 1) * w, w) + conv(3, w, w)
    expected += conv(1, 32, 1)
    assert expected == 9_041_601
    with torch.device("meta"):
        net = create_network("unetpp", in_channels=1, out_channels=1)
        ds = create_network("unetpp", in_channels=1, out_channels=1, deep_supervision=True)
    assert parameter_count(net) == expected
    assert parameter_count(ds) == expected + 3 * conv(1, 32, 1) == 9_041_700
