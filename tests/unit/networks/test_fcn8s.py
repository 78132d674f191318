import pytest
import torch
import torch.nn.functional as F

from lesionbench.networks import FCN8s, create_network

NARROW = {"features": (8, 16, 32, 64, 64), "fc_channels": 64}


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    """Parameters of a k x k conv (or transposed conv): k*k*cin*cout weights + cout biases."""
    return k * k * cin * cout + (cout if bias else 0)


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 3, "out_channels": 1}, (1, 3, 80, 48), (1, 1, 80, 48)),
        ({"in_channels": 4, "out_channels": 2}, (1, 4, 37, 21), (1, 2, 37, 21)),
        ({"in_channels": 1, "out_channels": 1}, (1, 1, 7, 9), (1, 1, 7, 9)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("fcn8s", **kwargs, **NARROW).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_final_upsampling_is_fixed_bilinear_by_default():
    net = FCN8s(1, 2, **NARROW)
    assert not net.upscore8.weight.requires_grad
    assert net.upscore2.weight.requires_grad and net.upscore_pool4.weight.requires_grad
    assert FCN8s(1, 2, learn_final_upsampling=True, **NARROW).upscore8.weight.requires_grad
    # channel 0 -> 0 gets the 16-tap bilinear kernel (centre taps 1 - 0.5/8), 0 -> 1 gets nothing
    weight = net.upscore8.weight
    assert weight.shape == (2, 2, 16, 16)
    assert weight[0, 0, 7, 7].item() == pytest.approx((1 - 0.5 / 8) ** 2)
    assert weight[0, 1].abs().sum().item() == 0


def test_final_upsampling_is_aligned_with_bilinear_interpolation():
    # pixel-centre alignment: a constant map stays constant and matches F.interpolate inside
    net = FCN8s(1, 1, **NARROW).eval()
    score = torch.ones(1, 1, 4, 4)
    up = net.upscore8(score)
    assert up.shape == (1, 1, 32, 32)
    torch.testing.assert_close(up[..., 8:-8, 8:-8], torch.ones(1, 1, 16, 16))
    reference = F.interpolate(score, scale_factor=8, mode="bilinear", align_corners=False)
    torch.testing.assert_close(up[..., 8:-8, 8:-8], reference[..., 8:-8, 8:-8])


def test_gradient_reaches_the_first_conv():
    net = FCN8s(1, 2, **NARROW)
    net(torch.randn(2, 1, 32, 32)).sum().backward()
    grad = net.stages[0][0][0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_it_learns_a_disc(train_losses):
    net = FCN8s(1, 1, **NARROW)
    losses = train_losses(net, "bce", size=64)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_parameter_count_at_standard_widths(parameter_count):
    """Long et al.'s FCN-8s (VGG16, 21 classes, in_channels=3): 134,489,759 parameters.

    By hand: VGG16 convs 14,714,688; fc6 (7x7, 512 -> 4096) 102,764,544; fc7 16,781,312;
    score_fr 86,037; score_pool4 10,773; score_pool3 5,397; upscore2 and upscore_pool4 (4x4,
    21 -> 21, no bias) 7,056 each; upscore8 (16x16, no bias) 112,896. Without the three
    upsampling layers (fixed or bilinear in the reference model) this is 134,362,751, the
    "134M" of Long et al. Table 1.
    """
    vgg = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
           (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
    vgg_params = sum(conv(3, cin, cout) for cin, cout in vgg)
    assert vgg_params == 14_714_688
    head = conv(7, 512, 4096) + conv(1, 4096, 4096) + conv(1, 4096, 21) + conv(1, 512, 21) + conv(1, 256, 21)
    upsampling = 2 * conv(4, 21, 21, bias=False) + conv(16, 21, 21, bias=False)
    assert vgg_params + head == 134_362_751
    with torch.device("meta"):
        net = create_network("fcn8s", in_channels=3, out_channels=21)
    assert parameter_count(net) == vgg_params + head + upsampling == 134_489_759
