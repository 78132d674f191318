"""HD95 and ASD: lesionbench (scipy, bounding box) against MONAI on the same masks.

Prints the time of each and the ratio MONAI / lesionbench (above 1 means lesionbench is faster),
and the largest disagreement in mm. Usage::

    python benchmarks/distance_metrics.py [--cases 10] [--shape 30 256 256]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from monai.metrics import compute_average_surface_distance, compute_hausdorff_distance
from scipy import ndimage

from lesionbench.metrics import asd, hd95, surface_distances


def random_lesion(rng: np.random.Generator, shape: tuple[int, int, int]) -> np.ndarray:
    """A smooth random blob of a few mL somewhere in the volume."""
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=(1, 8, 8))
    centre = tuple(rng.integers(s // 4, 3 * s // 4) for s in shape)
    grid = np.indices(shape, dtype=float)
    distance = sum(((g - c) / (s / 6)) ** 2 for g, c, s in zip(grid, centre, shape))
    return (noise * 8 - distance) > -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--shape", type=int, nargs=3, default=[30, 256, 256])
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    spacing = (5.0, 0.45, 0.45)
    pairs = [(random_lesion(rng, tuple(args.shape)), random_lesion(rng, tuple(args.shape))) for _ in range(args.cases)]

    start = time.perf_counter()
    ours = []
    for pred, ref in pairs:
        distances = surface_distances(pred, ref, spacing)
        ours.append((hd95(distances), asd(distances)))
    ours_seconds = time.perf_counter() - start

    start = time.perf_counter()
    theirs = []
    for pred, ref in pairs:
        p = torch.from_numpy(pred[None, None])
        r = torch.from_numpy(ref[None, None])
        theirs.append((
            float(compute_hausdorff_distance(p, r, percentile=95, spacing=spacing)),
            float(compute_average_surface_distance(p, r, symmetric=True, spacing=spacing)),
        ))
    monai_seconds = time.perf_counter() - start

    difference = np.max(np.abs(np.array(ours) - np.array(theirs)))
    print(f"{args.cases} mask pairs of shape {tuple(args.shape)}, spacing {spacing} mm")
    print(f"lesionbench: {ours_seconds:.2f} s   MONAI: {monai_seconds:.2f} s   "
          f"ratio MONAI/lesionbench: {monai_seconds / ours_seconds:.2f}")
    print(f"largest |difference| of HD95/ASD: {difference:.2e} mm")


if __name__ == "__main__":
    main()
