"""``lesionbench complexity``: parameters, FLOPs and CPU latency of the experiments' networks.

Example (paper 003's input: 4 adjacent slices of 192 x 192)::

    lesionbench complexity \\
        --settings '{"unet": {"network": {"name": "unet"}}, "fcn8s": {"network": {"name": "fcn8s"}}}' \\
        --in-channels 4 --size 192 192 --out-tsv results/phantom/complexity.tsv \\
        --out-md results/phantom/complexity.md --repeats 20 --threads 1
"""

from __future__ import annotations

import argparse

from lesionbench.io.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--settings", required=True, metavar="JSON",
                        help="experiments as inline JSON or a JSON file: {name: {network: {name: ..., ...}}}")
    parser.add_argument("--in-channels", type=int, required=True, metavar="C", help="input channels")
    parser.add_argument("--size", type=int, nargs="+", required=True, metavar="N",
                        help="slice size H W in pixels, or VOI size D H W in voxels (3D networks)")
    parser.add_argument("--out-tsv", required=True, metavar="TSV", help="table to write (one row per experiment)")
    parser.add_argument("--out-md", required=True, metavar="MD", help="Markdown table to write")
    parser.add_argument("--repeats", type=int, default=20, metavar="N", help="timed forward passes (default 20)")
    parser.add_argument("--warmup", type=int, default=3, metavar="N", help="untimed warm-up passes (default 3)")
    parser.add_argument("--threads", type=int, default=1, metavar="N", help="torch threads while timing (default 1)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")


def run(args: argparse.Namespace) -> int:
    from lesionbench.complexity import complexity_table

    complexity_table(load_settings(args.settings), args.in_channels, tuple(args.size), args.out_tsv, args.out_md,
                     device=args.device, repeats=args.repeats, warmup=args.warmup, threads=args.threads)
    print(args.out_tsv)
    print(args.out_md)
    return 0
