"""Paper 001's single-task CNN classifier (section 2.2) and its classifier tail."""

import math

import pytest
import torch
from torch import nn

from lesionbench.networks import (
    CNN3D,
    ClassifierTail,
    ClassOutput,
    classification_logits,
    create_network,
    network_outputs,
    segments,
    supported_spatial_dims,
)


@pytest.mark.parametrize("size", [16, 32, (16, 32, 24)])
@pytest.mark.parametrize("norm", ["batch", None])
def test_logits_of_small_inputs(size, norm):
    net = create_network("cnn3d", spatial_dims=3, in_channels=1, out_channels=1, features=(4, 8), cls_width=3,
                         norm=norm, input_size=size)
    shape = (size,) * 3 if isinstance(size, int) else size
    with torch.no_grad():
        output = net.eval()(torch.randn(2, 1, *shape))
    assert isinstance(output, ClassOutput) and not hasattr(output, "seg")
    assert classification_logits(output) is output.cls and output.cls.shape == (2, 2)


def test_the_registry_says_what_each_network_predicts():
    assert network_outputs("cnn3d") == ("cls",) and not segments("cnn3d")
    assert network_outputs("mlssp") == network_outputs("ynet3d") == network_outputs("he_mtl3d") == ("seg", "cls")
    assert network_outputs("unet") == ("seg",) and segments("unet") and segments("mlssp")


def test_layer_list_of_section_2_2():
    net = CNN3D(features=(32,), input_size=64)
    assert supported_spatial_dims("cnn3d") == (3,)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv3d)]
    # two input convs, then blocks 1-2: all 3x3x3 stride 1, width K = F1 = 32
    assert [(c.in_channels, c.out_channels) for c in convs] == [(1, 32), (32, 32), (32, 32), (32, 32)]
    assert all(c.kernel_size == (3, 3, 3) and c.stride == (1, 1, 1) and c.padding == (1, 1, 1) for c in convs)
    pools = [m for m in net.modules() if isinstance(m, nn.MaxPool3d)]
    assert len(pools) == 2 and all(p.kernel_size == 2 and p.stride == 2 for p in pools)
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(fc.in_features, fc.out_features) for fc in linears] == [(32 * 16 ** 3, 64), (64, 64), (64, 2)]
    assert sum(isinstance(m, nn.ReLU) for m in net.modules()) == 2 + 2 + 2  # no activation after block 5
    assert isinstance(net.classifier, ClassifierTail)


def test_parameter_count_at_the_paper_widths(parameter_count):
    # stem 1->32->32 and blocks 1-2 (no conv bias with BN; gamma, beta per channel), FC 131072->64->64->2
    convs = 27 * 1 * 32 + 27 * 32 * 32 * 3 + 4 * 2 * 32
    fcs = (32 * 16 ** 3 * 64 + 64) + (64 * 64 + 64) + (64 * 2 + 2)
    with torch.device("meta"):
        net = create_network("cnn3d", spatial_dims=3, in_channels=1, out_channels=1)
    assert parameter_count(net) == convs + fcs == 8_477_026


def test_cls_width_and_n_classes():
    net = CNN3D(features=(4,), cls_width=6, n_classes=3, input_size=8)
    assert net.classifier.block1[0][0].out_channels == 6 and net.classifier.block2[0][0].in_channels == 6
    assert net.classifier.flat_features == 6 * 2 ** 3
    assert net(torch.randn(2, 1, 8, 8, 8)).cls.shape == (2, 3)


def test_odd_sizes_pool_with_ceil_mode():
    # 5 -> 3 -> 2 per axis; 1 stays 1
    tail = ClassifierTail(2, (5, 1, 4), width=3)
    assert tail.flat_features == 3 * 2 * 1 * 1
    assert tail.eval()(torch.randn(1, 2, 5, 1, 4)).shape == (1, 2)


def test_wrong_input_size_and_bad_options_are_value_errors():
    net = CNN3D(features=(4,), input_size=16)
    with pytest.raises(ValueError, match=r"cnn3d: built for inputs of spatial size \(16, 16, 16\)"):
        net(torch.randn(1, 1, 32, 32, 32))
    with pytest.raises(ValueError, match="input_size must be a positive int or three"):
        CNN3D(input_size=(16, 16))
    with pytest.raises(ValueError, match="input_size must be a positive int or three"):
        CNN3D(input_size=0)
    with pytest.raises(ValueError, match="must be positive"):
        CNN3D(features=(4,), cls_width=0, input_size=8)
    with pytest.raises(ValueError, match="supports spatial_dims"):
        create_network("cnn3d", spatial_dims=2)


def test_he_initialisation():
    net = CNN3D(features=(16,), input_size=16)
    for module in net.modules():
        if isinstance(module, (nn.Conv3d, nn.Linear)):
            fan_in = module.weight[0].numel()
            if module.weight.numel() >= 2000:
                assert abs(module.weight.std().item() / math.sqrt(2 / fan_in) - 1) < 0.1, module
            if module.bias is not None:
                assert torch.count_nonzero(module.bias) == 0
