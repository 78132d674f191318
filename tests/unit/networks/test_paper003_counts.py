"""Parameter counts of paper 003's 2D baselines against thesis Table 4.3 (one input slice, one logit).

Exact where an existing network reproduces the published layer list (2D U-Net, SegNet); for the
others the count at the closest options is recorded with the hand-counted gap, so a change to a
network that moves it away from (or towards) the thesis shows up here.
"""

import pytest
import torch

from lesionbench.networks import create_network
from lesionbench.networks.resnet import build_resnet

#: Thesis Table 4.3, "Params".
TABLE_4_3 = {
    "2D U-Net": 17_266_241, "SegNet": 29_442_433, "Attention U-Net": 34_877_421,
    "UNet++": 26_897_860, "DeepLab v3": 58_158_145, "PSPNet": 27_494_276,
}
ONE_SLICE = {"in_channels": 1, "out_channels": 1}

#: (Table 4.3 row, network, options): the existing networks' options that reproduce the count.
EXACT = [
    ("2D U-Net", "unet", {"norm": "batch", "upsample": "bilinear", "conv_bias": True}),
    ("SegNet", "segnet", {}),
]


def conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    return k * k * cin * cout + (cout if bias else 0)


def count(name: str, **kwargs) -> int:
    with torch.device("meta"):
        net = create_network(name, **ONE_SLICE, **kwargs)
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("row, name, kwargs", EXACT)
def test_exact_table_4_3_counts(row, name, kwargs):
    assert count(name, **kwargs) == TABLE_4_3[row]


def test_attention_unet_differs_from_the_published_variant_by_its_up_convs_gates_and_biases():
    """Table 4.3's count is the common PyTorch Attention U-Net (hand count below), which
    ``attention_unet`` (Oktay et al.'s gate) does not build with any option."""
    widths = (64, 128, 256, 512)

    def block(cin: int, cout: int, bias: bool = True) -> int:  # two 3x3 conv + BN
        return conv(3, cin, cout, bias) + 2 * cout + conv(3, cout, cout, bias) + 2 * cout

    def published_gate(w: int) -> int:  # W_g, W_x: 1x1 w -> w/2 + BN; psi: 1x1 w/2 -> 1 + BN
        return 2 * (conv(1, w, w // 2) + w) + conv(1, w // 2, 1) + 2

    def our_gate(w: int) -> int:  # W_x 2x2 stride 2 no bias, W_g 1x1 from 2w, psi 1x1
        return 4 * w * (w // 2) + conv(1, 2 * w, w // 2) + conv(1, w // 2, 1)

    encoder = block(1, 64) + sum(block(cin, cout) for cin, cout in zip((64, 128, 256, 512), (128, 256, 512, 1024)))
    decoder = sum(conv(3, 2 * w, w) + 2 * w + published_gate(w) + block(2 * w, w) for w in widths)
    assert encoder + decoder + conv(1, 64, 1) == TABLE_4_3["Attention U-Net"]

    ours = count("attention_unet")
    assert ours == 32_416_772
    conv_biases = 2 * (64 + 128 + 256 + 512 + 1024) + 2 * sum(widths)  # dropped before BN here
    up_convs = sum(conv(3, 2 * w, w) + 2 * w for w in widths)  # up-sample + 3x3 conv + BN there
    wider_decoder = sum(9 * w * w for w in widths)  # here the decoder reads w + 2w, there 2w
    gates = sum(published_gate(w) for w in widths) - sum(our_gate(w) for w in widths[1:])
    assert TABLE_4_3["Attention U-Net"] - ours == conv_biases + up_convs - wider_decoder + gates == 2_460_649


def test_deeplab_v3_is_short_by_exactly_a_deep_stem():
    """ResNet-101 + ASPP (image pooling), output stride 16: 128,896 fewer than Table 4.3, the
    difference between the 7x7 stem (``deeplabv3``'s) and a three-3x3-conv deep stem 1-64-64-128
    (ResNet "v1c"), whose 128-wide output also widens layer1's first 1x1 conv and shortcut."""
    ours = count("deeplabv3", backbone="resnet101")
    assert ours == 58_029_249
    deep_stem = conv(3, 1, 64, False) + conv(3, 64, 64, False) + conv(3, 64, 128, False) + 2 * (64 + 64 + 128)
    wider_layer1 = (128 - 64) * 64 + (128 - 64) * 256
    stem_7x7 = conv(7, 1, 64, False) + 2 * 64
    assert TABLE_4_3["DeepLab v3"] - ours == deep_stem + wider_layer1 - stem_7x7 == 128_896


def test_pspnet_count_is_a_resnet34_psp_with_an_upsampling_decoder():
    """Table 4.3's count is, by hand, a dilated ResNet-34 (7x7 stem, no fc), a pyramid of four
    bias-free 1x1 convs 512 -> 512, a 1x1 bottleneck 2560 -> 1024 (bias), three up-sampling blocks
    (3x3 conv with bias + BN + PReLU: 1024 -> 256 -> 64 -> 64) and a 1x1 head 64 -> 1: a widely
    used PyTorch PSPNet without its auxiliary classifier. ``pspnet`` (Zhao et al.'s head) with the
    same backbone is 1,232,579 parameters smaller."""
    resnet34 = sum(p.numel() for p in build_resnet("resnet34", in_channels=1).parameters())
    assert resnet34 == 21_797_672 - 513_000 - 2 * 49 * 64  # torchvision's, minus fc, 1 input channel
    pyramid = 4 * 512 * 512 + conv(1, 5 * 512, 1024)
    upsampling = sum(conv(3, cin, cout) + 2 * cout + 1 for cin, cout in [(1024, 256), (256, 64), (64, 64)])
    assert resnet34 + pyramid + upsampling + conv(1, 64, 1) == TABLE_4_3["PSPNet"]
    assert count("pspnet", backbone="resnet34") == TABLE_4_3["PSPNet"] - 1_232_579


def test_unetpp_standard_widths_bracket_the_published_count():
    """No option set found: Zhou et al.'s widths (32..512) give a third, U-Net widths (64..1024) 1.34x."""
    narrow, wide = count("unetpp", norm="batch"), count("unetpp", norm="batch", features=(64, 128, 256, 512, 1024))
    assert (narrow, wide) == (9_045_249, 36_164_097)
    assert narrow < TABLE_4_3["UNet++"] < wide
