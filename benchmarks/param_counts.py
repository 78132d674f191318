"""Parameter counts and multiply-accumulates of paper 003's networks against the thesis's Table 4.3.

The counts are the verification target of the architectures (docs/paper003.md, "Parameter
counts"): D-UNet, X-Net, the 2D U-Net and SegNet must match exactly; the others as close as the
text allows. Each network is built at the thesis's settings (2.5D networks: 4 input slices; the
2D baselines: the target slice alone, thesis Table 4.3 / docs/paper003.md B-26), one output
channel. Prints one line per network::

    NAME params=N published=M diff=N-M [macs=... published_flops=...]

``macs`` is lesionbench's count of convolution and matrix-product multiply-accumulates for one
input ``1 x C x 192 x 192`` (:func:`lesionbench.complexity.measure.count_flops` / 2); Table 4.3's
"FLOPs" are thop-style MACs that also count bias and batch-norm element operations, so ``macs`` is
a little lower where the architecture matches. Usage::

    python benchmarks/param_counts.py            # counts only (seconds)
    python benchmarks/param_counts.py --flops    # and MACs (one forward pass each at 192 x 192, ~1 min on a CPU)
"""

from __future__ import annotations

import argparse

import torch

from lesionbench.complexity.measure import count_flops, count_parameters
from lesionbench.networks import create_network

#: name -> (registry name, options, input channels, published params, published FLOPs); Table 4.3
#: order, then the thesis's other networks (no published count: ``None``).
TABLE_4_3: dict[str, tuple[str, dict, int, int | None, int | None]] = {
    "AGMR-Net": ("agmr_net", {}, 4, 23_799_283, 42_872_026_884),
    "D-UNet": ("dunet", {}, 4, 9_503_779, 18_089_374_976),
    "X-Net": ("xnet", {}, 1, 15_072_332, 15_103_904),
    "UNet++": ("unetpp", {"norm": "batch"}, 1, 26_897_860, 42_154_868_736),
    "Attention U-Net": ("attention_unet", {}, 1, 34_877_421, 37_437_947_136),
    "DeepLab v3": ("deeplabv3", {"backbone": "resnet101"}, 1, 58_158_145, 10_454_852_496),
    "SegNet": ("segnet", {}, 1, 29_442_433, 22_531_276_800),
    "PSPNet": ("pspnet", {"backbone": "resnet34"}, 1, 27_494_276, 22_378_374_144),
    "2D U-Net": ("unet", {"spatial_dims": 2, "norm": "batch", "upsample": "bilinear", "conv_bias": True}, 1,
                 17_266_241, 22_545_469_440),
    "TSRL-Net": ("tsrl_net", {}, 4, 12_854_496, 23_916_119_454),
    # Table 3.7: AGMR-Net with one kernel size in all four MDU branches
    "AGMR-Net size 3": ("agmr_net", {"kernels": 3}, 4, 12_658_163, None),
    "AGMR-Net size 5": ("agmr_net", {"kernels": 5}, 4, 18_228_723, None),
    "AGMR-Net size 7": ("agmr_net", {"kernels": 7}, 4, 26_584_563, None),
    "AGMR-Net size 9": ("agmr_net", {"kernels": 9}, 4, 37_725_683, None),
    # compared in Table 3.2 but not counted in Table 4.3
    "CLCI-Net": ("clcinet", {}, 1, None, None),
    "3D U-Net": ("unet3d_25d", {}, 4, None, None),
}

SIZE = 192


def _number(value: int | None) -> str:
    return "-" if value is None else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flops", action="store_true", help="also count MACs at 1 x C x 192 x 192")
    parser.add_argument("--only", nargs="*", default=None, help="these Table 4.3 names only")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    for label, (name, options, channels, published, published_flops) in TABLE_4_3.items():
        if args.only and label not in args.only:
            continue
        model = create_network(name, in_channels=channels, out_channels=1, **options)
        params = count_parameters(model)
        diff = "-" if published is None else f"{params - published:+d}"
        line = f"{label.replace(' ', '_')} params={params} published={_number(published)} diff={diff}"
        if args.flops:
            flops, _ = count_flops(model, torch.zeros(1, channels, SIZE, SIZE))
            line += f" macs={flops // 2} published_flops={_number(published_flops)}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
