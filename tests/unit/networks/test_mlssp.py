"""Paper 001's multi-task networks (MLSSP, Y-Net, He et al.) and the multi-task result helpers."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lesionbench.inference.runtime import segmentation_logits
from lesionbench.networks import (
    MLSSP,
    HeMTL3D,
    MultiTaskOutput,
    UNet,
    YNet3D,
    class_probability,
    classification_logits,
    create_network,
    supported_spatial_dims,
)
from lesionbench.networks.cnn3d import ClassifierTail
from lesionbench.networks.mlssp import MultiTaskUNet3D

NARROW = (4, 8, 16, 32, 64)
SIZE = 32
MULTITASK = ["mlssp", "ynet3d", "he_mtl3d"]
CLASSES = {"mlssp": MLSSP, "ynet3d": YNet3D, "he_mtl3d": HeMTL3D}


def build(name: str, **kwargs) -> MultiTaskUNet3D:
    return create_network(name, **{"spatial_dims": 3, "in_channels": 1, "features": NARROW, "input_size": SIZE,
                                   **kwargs})


def conv3(cin: int, cout: int, k: int = 3, bias: bool = True) -> int:
    """Parameters of a k^3 conv (or transposed conv)."""
    return k ** 3 * cin * cout + (cout if bias else 0)


@pytest.mark.parametrize("name", MULTITASK)
@pytest.mark.parametrize(
    "kwargs, in_channels, out_channels, n_classes",
    [
        ({}, 1, 1, 2),
        ({"norm": None}, 1, 1, 2),
        ({"downsample": "conv", "cls_width": 3}, 2, 2, 3),
        # instance norm needs > 1 voxel: Y-Net's tail at a 32^3 input with 4 levels sees 1^3 (see mlssp.py)
        ({"norm": "instance", "activation": "leaky_relu", "features": (4, 8, 16)}, 1, 1, 2),
    ],
)
def test_output_is_multitask_logits_of_the_right_shapes(name, kwargs, in_channels, out_channels, n_classes):
    net = build(name, in_channels=in_channels, out_channels=out_channels, n_classes=n_classes, **kwargs)
    assert type(net) is CLASSES[name]
    with torch.no_grad():
        out = net.eval()(torch.randn(2, in_channels, SIZE, SIZE, SIZE))
    assert isinstance(out, MultiTaskOutput)
    assert out.seg.shape == (2, out_channels, SIZE, SIZE, SIZE)
    assert out.cls.shape == (2, n_classes)
    # what the trainer / inference and the classification code read
    assert segmentation_logits(out) is out.seg
    assert classification_logits(out) is out.cls


@pytest.mark.parametrize("name", MULTITASK)
def test_registered_as_3d_only_and_built_by_create_network(name):
    assert supported_spatial_dims(name) == (3,)
    net = create_network(name, spatial_dims=3, in_channels=1, out_channels=1, features=NARROW, input_size=16)
    assert isinstance(net, CLASSES[name])
    with torch.no_grad():
        assert net.eval()(torch.zeros(1, 1, 16, 16, 16)).seg.shape == (1, 1, 16, 16, 16)
    with pytest.raises(ValueError, match=rf"network '{name}' supports spatial_dims \[3\], got 2"):
        create_network(name, spatial_dims=2)


@pytest.mark.parametrize("name", MULTITASK)
def test_input_size_must_be_a_multiple_of_the_stride_and_match(name):
    with pytest.raises(ValueError, match=r"input_size \(24, 32, 32\) must be a multiple of the U-Net's total stride 16"):
        build(name, input_size=(24, 32, 32))
    net = build(name, features=(4, 8, 16), input_size=(12, 16, 8))  # stride 4: any multiple of 4
    with torch.no_grad():
        out = net.eval()(torch.randn(1, 1, 12, 16, 8))
    assert out.seg.shape == (1, 1, 12, 16, 8) and out.cls.shape == (1, 2)
    with pytest.raises(ValueError, match=rf"{name}: built for inputs of spatial size \(12, 16, 8\)"):
        net(torch.randn(1, 1, 16, 16, 16))
    with pytest.raises(ValueError, match="input_size must be a positive int or three positive ints"):
        build(name, input_size=(32, 32))


def test_the_classifier_tails_are_one_class_and_the_branch_point_is_the_difference():
    nets = {name: build(name) for name in MULTITASK}
    assert {type(net.classifier) for net in nets.values()} == {ClassifierTail}
    assert all(isinstance(net.unet, UNet) for net in nets.values())
    # same U-Net, same tail layers; only what the tail reads differs
    unet_shapes = {name: [p.shape for p in net.unet.parameters()] for name, net in nets.items()}
    assert unet_shapes["mlssp"] == unet_shapes["ynet3d"] == unet_shapes["he_mtl3d"]
    assert nets["mlssp"].classifier.block1[0][0].in_channels == NARROW[0]
    assert nets["he_mtl3d"].classifier.block1[0][0].in_channels == NARROW[0]
    assert nets["ynet3d"].classifier.block1[0][0].in_channels == NARROW[-1]
    assert nets["mlssp"].classifier.in_size == nets["he_mtl3d"].classifier.in_size == (SIZE,) * 3
    assert nets["ynet3d"].classifier.in_size == (SIZE // 16,) * 3
    # tail blocks 3-5 (paper 001): FC -> 64, FC 64 -> 64, FC 64 -> 2
    tail = nets["mlssp"].classifier
    assert tail.block3[0].out_features == 64 and tail.block4[0].in_features == 64 and tail.block5.out_features == 2
    assert tail.flat_features == NARROW[0] * (SIZE // 4) ** 3


def _params_with_gradient(net: nn.Module, loss: torch.Tensor) -> set[str]:
    net.zero_grad(set_to_none=True)
    loss.backward()
    return {name for name, p in net.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}


def _names_under(net: nn.Module, prefixes: tuple[str, ...]) -> set[str]:
    return {name for name, _ in net.named_parameters() if name.startswith(prefixes)}


@pytest.mark.parametrize(
    "name, shared_prefixes",
    [
        # paper 001: MLSSP shares exactly enc1's two 3x3x3 convs (+ their batch norms)
        ("mlssp", ("unet.encoders.0.",)),
        # Y-Net: the whole encoder, enc1 to the bottleneck
        ("ynet3d", ("unet.encoders.", "unet.bottleneck.", "unet.downsamplers.")),
        # He et al.: the whole U-Net except the 1x1x1 segmentation head
        ("he_mtl3d", ("unet.encoders.", "unet.bottleneck.", "unet.downsamplers.", "unet.up_convs.", "unet.decoders.")),
    ],
)
@pytest.mark.parametrize("downsample", ["maxpool", "conv"])
def test_parameters_reached_by_both_tasks_are_the_shared_ones(name, shared_prefixes, downsample):
    net = build(name, downsample=downsample).train()
    x = torch.randn(2, 1, SIZE, SIZE, SIZE)
    seg_params = _params_with_gradient(net, net(x).seg.square().mean())
    cls_params = _params_with_gradient(net, net(x).cls.square().mean())
    shared = seg_params & cls_params
    expected = _names_under(net, shared_prefixes)
    assert shared == expected
    assert seg_params | cls_params == {n for n, _ in net.named_parameters()}  # every parameter is trained
    assert seg_params - shared == _names_under(net, ("unet.",)) - expected  # the seg-private ones
    assert cls_params - shared == _names_under(net, ("classifier.",))
    # shared_modules() says the same
    declared = {id(p) for module in net.shared_modules() for p in module.parameters()}
    assert declared == {id(p) for n, p in net.named_parameters() if n in expected}
    if name == "mlssp":  # two convs and two batch norms: 2 x (weight) + 2 x (gamma, beta)
        assert sorted(expected) == [
            "unet.encoders.0.0.0.weight", "unet.encoders.0.0.1.bias", "unet.encoders.0.0.1.weight",
            "unet.encoders.0.1.0.weight", "unet.encoders.0.1.1.bias", "unet.encoders.0.1.1.weight",
        ]


def test_mlssp_without_norm_shares_two_convs_with_their_biases():
    net = build("mlssp", norm=None)
    shared = [n for m in net.shared_modules() for n, _ in m.named_parameters()]
    assert shared == ["0.0.weight", "0.0.bias", "1.0.weight", "1.0.bias"]
    assert isinstance(net.unet.encoders[0][0][0], nn.Conv3d) and net.unet.encoders[0][0][0].kernel_size == (3, 3, 3)


def test_mlssp_classifier_reads_the_first_encoder_level():
    # the tail's input is the very tensor enc1 produced (also the U-Net's level-1 skip)
    net = build("mlssp").eval()
    cls_inputs = []
    net.classifier.register_forward_pre_hook(lambda module, args: cls_inputs.append(args[0]))
    skips = []
    net.unet.encoders[0].register_forward_hook(lambda module, args, output: skips.append(output))
    with torch.no_grad():
        net(torch.randn(1, 1, SIZE, SIZE, SIZE))
    assert cls_inputs[0] is skips[0]


@pytest.mark.parametrize("name", MULTITASK)
def test_conv_downsampling_adds_strided_convs_and_keeps_shapes(name, parameter_count):
    pooled, strided = build(name), build(name, downsample="conv")
    extra = sum(conv3(w, w, k=2) for w in NARROW[:-1])  # one 2x2x2 stride-2 conv per encoder level
    assert parameter_count(strided) - parameter_count(pooled) == extra
    convs = [m[0] for m in strided.unet.downsamplers]
    assert all(c.kernel_size == (2, 2, 2) and c.stride == (2, 2, 2) for c in convs)
    assert [c.out_channels for c in convs] == list(NARROW[:-1])
    with torch.no_grad():
        out = strided.eval()(torch.randn(1, 1, SIZE, SIZE, SIZE))
    assert out.seg.shape == (1, 1, SIZE, SIZE, SIZE) and out.cls.shape == (1, 2)


@pytest.mark.parametrize("name", MULTITASK)
def test_he_initialisation(name):
    torch.manual_seed(0)
    net = build(name, features=(16, 32, 64, 128, 256), downsample="conv")
    checked = 0
    for module in net.modules():
        if isinstance(module, (nn.Conv3d, nn.Linear)):
            fan_in = module.weight[0].numel()
        elif isinstance(module, nn.ConvTranspose3d):
            fan_in = module.in_channels  # each output voxel of a 2x2x2 stride-2 up-conv sees C_in inputs
        else:
            continue
        if module.bias is not None:
            assert torch.count_nonzero(module.bias) == 0
        if module.weight.numel() < 2000:
            continue
        std = module.weight.std().item()
        assert abs(std / math.sqrt(2 / fan_in) - 1) < 0.1, (module, std)
        assert abs(module.weight.mean().item()) < 0.1 * std
        checked += 1
    assert checked >= 20
    # the first FC layer of the tail, explicitly (the largest layer, except Y-Net's: 16 x 64 weights)
    fc1 = net.classifier.block3[0]
    if name != "ynet3d":
        assert fc1.weight.numel() == 16 * (SIZE // 4) ** 3 * 64
        assert abs(fc1.weight.std().item() / math.sqrt(2 / fc1.in_features) - 1) < 0.02
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm3d)]
    assert norms and all(bool((m.weight == 1).all() and (m.bias == 0).all()) for m in norms)


def _tail_count(cin: int, in_side: int, k: int, norm: bool = True) -> int:
    side = math.ceil(math.ceil(in_side / 2) / 2)
    convs = conv3(cin, k, bias=not norm) + conv3(k, k, bias=not norm) + (4 * k if norm else 0)
    return convs + (k * side ** 3 * 64 + 64) + (64 * 64 + 64) + (64 * 2 + 2)


def _unet3d_count(features, norm: bool = True) -> int:
    count, cin = 0, 1
    for w in features:  # encoder levels and bottleneck: two 3x3x3 convs (+ BN gamma, beta)
        count += conv3(cin, w, bias=not norm) + conv3(w, w, bias=not norm) + (4 * w if norm else 0)
        cin = w
    for deep, w in zip(features[:0:-1], features[-2::-1]):  # up-conv 2x2x2, then two 3x3x3 convs
        count += conv3(deep, w, k=2) + conv3(2 * w, w, bias=not norm) + conv3(w, w, bias=not norm)
        count += 4 * w if norm else 0
    return count + conv3(features[0], 1, k=1)


@pytest.mark.parametrize("norm", [True, False])
def test_parameter_counts_at_the_paper_widths(norm, parameter_count):
    features = (32, 64, 128, 256, 512)
    unet = _unet3d_count(features, norm)
    expected = {
        "mlssp": unet + _tail_count(32, 64, 32, norm),
        "ynet3d": unet + _tail_count(512, 4, 32, norm),
        "he_mtl3d": unet + _tail_count(32, 64, 32, norm),
    }
    if norm:
        assert unet == 22_578_273
        assert expected == {"mlssp": 31_026_659, "ynet3d": 23_054_819, "he_mtl3d": 31_026_659}
    spec = "batch" if norm else None
    for name, count in expected.items():
        with torch.device("meta"):
            net = create_network(name, spatial_dims=3, in_channels=1, out_channels=1, norm=spec)
        assert parameter_count(net) == count, name
    with torch.device("meta"):
        plain = create_network("unet", spatial_dims=3, in_channels=1, out_channels=1, features=features, norm=spec)
    assert parameter_count(plain) == unet


def test_mlssp_learns_both_tasks_on_a_tiny_problem():
    # bright cube (seg target) whose brightness sign is the class: 12 Adam steps reduce both losses
    gen = torch.Generator().manual_seed(0)
    masks = torch.zeros(4, 1, 16, 16, 16)
    masks[:, :, 4:12, 4:12, 4:12] = 1
    labels = torch.tensor([0, 1, 0, 1])
    images = masks * (2 * labels.float() - 1).view(4, 1, 1, 1, 1) + 0.1 * torch.randn(masks.shape, generator=gen)
    net = build("mlssp", features=(4, 8, 16, 32, 64), input_size=16)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    target = F.one_hot(labels, 2).float()
    history = []
    for _ in range(12):
        optimizer.zero_grad()
        out = net(images)
        probs = torch.sigmoid(out.seg)
        dice = 1 - (2 * (probs * masks).sum() + 1) / (probs.sum() + masks.sum() + 1)
        ce = F.binary_cross_entropy_with_logits(out.cls, target)
        (0.4 * dice + 0.6 * ce).backward()
        optimizer.step()
        history.append((dice.item(), ce.item()))
    assert history[-1][0] < history[0][0] and history[-1][1] < history[0][1], history


def test_classification_logits_of_plain_tensors_and_other_results():
    logits = torch.randn(2, 2)
    assert classification_logits(MultiTaskOutput(seg=torch.zeros(2, 1, 4, 4, 4), cls=logits)) is logits
    assert classification_logits(torch.zeros(2, 1, 4, 4)) is None
    assert classification_logits(logits) is None  # a plain tensor is never read as class logits
    assert classification_logits(object()) is None

    class SideOutputs:
        seg = torch.zeros(1)
        cls = "not a tensor"

    assert classification_logits(SideOutputs()) is None


def test_class_probability_sigmoid_is_the_normalised_pair():
    logits = torch.tensor([[0.0, 0.0], [-1.0, 2.0], [3.0, -3.0], [0.5, 0.5], [-200.0, -100.0]])
    p = torch.sigmoid(logits.double())
    expected = (p[:, 1] / p.sum(1)).float()  # p_AVM / (p_AVM + p_other), docs/paper001.md A-5
    prob = class_probability(logits)
    assert prob.shape == (5,) and prob.dtype == torch.float32
    torch.testing.assert_close(prob, expected)
    torch.testing.assert_close(prob[:4], torch.tensor([0.5, 0.880797 / (0.880797 + 0.268941), 0.047426 / 1.0, 0.5]),
                               atol=1e-5, rtol=0)
    assert torch.isfinite(prob).all() and prob[4] > 0.99  # both sigmoids underflow: still finite
    # class 1 is predicted iff prob >= 0.5 iff its logit is the larger
    assert ((prob >= 0.5) == (logits[:, 1] >= logits[:, 0])).all()


def test_class_probability_softmax_and_errors():
    logits = torch.tensor([[0.0, math.log(3.0)], [2.0, 2.0]], dtype=torch.float64)
    torch.testing.assert_close(class_probability(logits, mode="softmax"), torch.tensor([0.75, 0.5]))
    torch.testing.assert_close(class_probability(torch.tensor([[0.0], [100.0]])), torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="mode must be one of"):
        class_probability(logits, mode="argmax")
    with pytest.raises(ValueError, match=r"expected logits \(B, n_classes\)"):
        class_probability(torch.zeros(2, 2, 3))
    with pytest.raises(ValueError, match="softmax needs at least 2"):
        class_probability(torch.zeros(2, 1), mode="softmax")
