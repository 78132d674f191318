import pytest
import torch
import torch.nn.functional as F
from torch import nn

import lesionbench.networks.segnet  # noqa: F401  (registers "segnet")
from lesionbench.networks import create_network
from lesionbench.networks.segnet import VGG16_CONVS, PretrainedWeightsError, SegNet

NARROW = (4, 8, 16, 32, 32)


def conv_bn(cin: int, cout: int, bn: bool = True) -> int:
    """A 3x3 conv with bias (as the Caffe model), plus BN gamma and beta."""
    return 9 * cin * cout + cout + (2 * cout if bn else 0)


def segnet_layers(in_channels: int, widths=(64, 128, 256, 512, 512)) -> list[tuple[int, int]]:
    """(cin, cout) of the 25 conv-BN-ReLU layers of SegNet (encoder, then decoder), by hand."""
    encoder = [(in_channels, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
               (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
    decoder = [(512, 512), (512, 512), (512, 512),  # conv5_3_D .. conv5_1_D
               (512, 512), (512, 512), (512, 256),  # conv4_3_D .. conv4_1_D
               (256, 256), (256, 256), (256, 128),  # conv3_*_D
               (128, 128), (128, 64),  # conv2_*_D
               (64, 64)]  # conv1_2_D; conv1_1_D is the classifier
    assert tuple(widths) == (64, 128, 256, 512, 512)
    return encoder + decoder


@pytest.mark.parametrize(
    "kwargs, input_shape, expected_shape",
    [
        ({"in_channels": 1, "out_channels": 2}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ({"in_channels": 1, "out_channels": 1}, (1, 1, 37, 50), (1, 1, 37, 50)),
        ({"in_channels": 3, "out_channels": 2}, (2, 3, 48, 32), (2, 2, 48, 32)),
        ({"in_channels": 4, "out_channels": 1}, (1, 4, 33, 65), (1, 1, 33, 65)),
        ({"in_channels": 4, "out_channels": 2, "norm": None}, (2, 4, 1, 3), (2, 2, 1, 3)),
    ],
)
def test_output_shape(kwargs, input_shape, expected_shape):
    net = create_network("segnet", **{"features": NARROW, **kwargs}).eval()
    with torch.no_grad():
        assert net(torch.randn(input_shape)).shape == expected_shape


def test_unpooling_puts_each_value_back_at_its_argmax():
    """The first unpooling (block 5) returns pool5's values at their argmax, zeros elsewhere:
    per 2x2 window one non-zero, equal to the window's maximum of the encoder map (sec. 3)."""
    net = SegNet(in_channels=1, features=NARROW).eval()
    captured = {}
    net.encoders[4].register_forward_hook(lambda m, a, out: captured.update(encoder=out))
    net.unpool.register_forward_hook(lambda m, a, out: None if "unpooled" in captured else captured.update(unpooled=out))
    with torch.no_grad():
        net(torch.rand(1, 1, 64, 96))
    encoder, unpooled = captured["encoder"], captured["unpooled"]  # (1, 32, 4, 6)
    assert unpooled.shape == encoder.shape == (1, 32, 4, 6)
    nonzero_per_window = F.avg_pool2d((unpooled != 0).float(), 2) * 4
    assert nonzero_per_window.max() <= 1
    torch.testing.assert_close(F.avg_pool2d(unpooled, 2) * 4, F.max_pool2d(encoder, 2))
    positions = unpooled != 0
    torch.testing.assert_close(unpooled[positions], encoder[positions])
    assert positions.sum() > 0.2 * positions.numel() / 4  # most windows have a positive maximum


def test_layer_counts_follow_vgg16():
    net = SegNet(features=NARROW)
    convs = [m for m in net.encoders.modules() if isinstance(m, nn.Conv2d)]
    decoder_convs = [m for m in net.decoders.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 13 == sum(VGG16_CONVS)
    assert len(decoder_convs) == 12  # + the classifier = 13 decoder convs
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == 25


def test_gradient_reaches_the_first_conv():
    net = SegNet(in_channels=4, out_channels=2, features=NARROW)
    net(torch.randn(2, 4, 32, 32)).sum().backward()
    grad = net.encoders[0][0][0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize(
    "out_channels, loss_name, lr",
    # soft Dice on a sigmoid moves slowly through 26 BN layers: 30 steps at 3e-3 take it only
    # from 0.83 to 0.63, at 1e-2 to 0.14
    [(1, "bce", 3e-3), (2, "ce", 3e-3), (1, "dice", 1e-2)],
)
def test_it_learns_a_disc(out_channels, loss_name, lr, train_losses):
    net = SegNet(in_channels=1, out_channels=out_channels, features=(8, 16, 32, 64, 64))
    losses = train_losses(net, loss_name, size=32, lr=lr)
    assert losses[-1] <= 0.5 * losses[0], losses


def test_paper_input_size():
    """Paper 002 segments 512x512 slices (section 1.1)."""
    net = SegNet(in_channels=1, out_channels=2, features=(2, 4, 8, 8, 8)).eval()
    with torch.no_grad():
        assert net(torch.rand(1, 1, 512, 512)).shape == (1, 2, 512, 512)


def test_parameter_count_at_standard_widths(parameter_count):
    """Paper 003 Table 4.3 lists SegNet with 29,442,433 parameters (in 1 / out 1): the count of
    the Caffe layer list (biased 3x3 convs + BN, 3x3 classifier without BN), reproduced here.
    In 3 / out 11 (CamVid, Badrinarayanan et al.) the same list gives 29,449,355."""
    def count(cin: int, classes: int, bn: bool = True) -> int:
        return sum(conv_bn(a, b, bn) for a, b in segnet_layers(cin)) + conv_bn(64, classes, bn=False)

    assert count(1, 1) == 29_442_433
    assert count(3, 11) == 29_449_355
    with torch.device("meta"):
        net = create_network("segnet", in_channels=1, out_channels=1)
        camvid = create_network("segnet", in_channels=3, out_channels=11)
        no_bn = create_network("segnet", in_channels=1, out_channels=1, norm=None)
    assert parameter_count(net) == count(1, 1)
    assert parameter_count(camvid) == count(3, 11)
    assert parameter_count(no_bn) == count(1, 1, bn=False)


def vgg_state_dict(widths, batch_norm: bool = True, in_channels: int = 3) -> dict[str, torch.Tensor]:
    """A random state dict laid out as torchvision's vgg16_bn / vgg16 ``features`` (+ a classifier)."""
    state, index, cin = {}, 0, in_channels
    for width, num_convs in zip(widths, VGG16_CONVS):
        for _ in range(num_convs):
            state[f"features.{index}.weight"] = torch.randn(width, cin, 3, 3)
            state[f"features.{index}.bias"] = torch.randn(width)
            index += 1
            if batch_norm:
                state[f"features.{index}.weight"] = torch.rand(width) + 0.5
                state[f"features.{index}.bias"] = torch.randn(width)
                state[f"features.{index}.running_mean"] = torch.randn(width)
                state[f"features.{index}.running_var"] = torch.rand(width) + 0.5
                state[f"features.{index}.num_batches_tracked"] = torch.tensor(7)
                index += 1
            index += 1  # ReLU
            cin = width
        index += 1  # max pooling
    state["classifier.0.weight"] = torch.randn(10, 4)
    return state


def test_pretrained_vgg16_bn_encoder_is_loaded(tmp_path):
    state = vgg_state_dict(NARROW)
    path = tmp_path / "vgg16_bn.pt"
    torch.save(state, path)
    net = SegNet(in_channels=3, out_channels=2, features=NARROW, pretrained_path=path)
    first_conv, first_bn = net.encoders[0][0][0], net.encoders[0][0][1]
    torch.testing.assert_close(first_conv.weight, state["features.0.weight"])
    torch.testing.assert_close(first_bn.running_var, state["features.1.running_var"])
    last_conv = net.encoders[4][2][0]  # conv5_3: vgg16_bn features.40
    torch.testing.assert_close(last_conv.bias, state["features.40.bias"])
    # a grey image: 1 channel gets the RGB kernels summed, 4 channels a quarter of the sum each
    torch.save({"state_dict": state}, path)
    grey = SegNet(in_channels=1, features=NARROW, pretrained_path=path).encoders[0][0][0].weight
    stack = SegNet(in_channels=4, features=NARROW, pretrained_path=path).encoders[0][0][0].weight
    torch.testing.assert_close(grey, state["features.0.weight"].sum(1, keepdim=True))
    torch.testing.assert_close(stack.sum(1), grey[:, 0])
    assert stack.shape == (4, 4, 3, 3)


def test_pretrained_plain_vgg16_loads_convs_only(tmp_path):
    state = vgg_state_dict(NARROW, batch_norm=False)
    path = tmp_path / "vgg16.pt"
    torch.save(state, path)
    net = SegNet(in_channels=3, features=NARROW, pretrained_path=path)
    torch.testing.assert_close(net.encoders[1][1][0].weight, state["features.7.weight"])  # conv2_2
    torch.testing.assert_close(net.encoders[1][1][1].running_mean, torch.zeros(8))  # BN untouched


@pytest.mark.parametrize(
    "content, error, message",
    [
        (None, FileNotFoundError, "does not exist"),
        (b"not a checkpoint", PretrainedWeightsError, "cannot read pretrained weights"),
        ("wide", PretrainedWeightsError, r"has shape \(8, 3, 3, 3\), the encoder needs \(4, 3, 3, 3\)"),
        ("short", PretrainedWeightsError, "has 24 weighted 'features' layers, the encoder needs 26"),
    ],
)
def test_bad_pretrained_file_raises(tmp_path, content, error, message):
    path = tmp_path / "weights.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "wide":
        torch.save(vgg_state_dict((8, 8, 16, 32, 32)), path)
    elif content == "short":
        state = vgg_state_dict(NARROW)
        torch.save({k: v for k, v in state.items() if not k.startswith(("features.40.", "features.41."))}, path)
    with pytest.raises(error, match=message) as info:
        SegNet(in_channels=3, features=NARROW, pretrained_path=path)
    assert str(path) in str(info.value)
