"""Wall time per case of ``lesionbench segment`` on a 512 x 512 x 32 phantom head CT, split by stage.

The scan is a DICOM series of the phantom (case 0 of seed 0, 512 x 512 x 32, 5 mm slices,
shuffled file order). The model is a bundle: either ``--model`` (an experiment's
``results/{dataset}/models/{experiment}``, e.g. the demo's U-Net after ``snakemake``) or, by
default, a bundle written here with the demo's preprocessing and a U-Net of the demo's size
(features 16-256, 3 folds, random weights: the timing does not depend on the weights).
Printed per device (the CPU, and CUDA when available): the median over ``--repeat`` runs of
the whole case and of each stage (conversion, brain mask, preprocessing, network, write),
the non-network part against its goal (3 s on the CPU) and the GPU total against the field's
anchor of about 2 s per head CT on one GPU.

Usage::

    python benchmarks/segment_speed.py [--model DIR] [--repeat 3] [--check]

``--check`` exits 1 when the CPU's non-network time is over the goal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import torch

from lesionbench.bundle import load_bundle, write_manifest
from lesionbench.networks import create_network
from lesionbench.phantom import PhantomSettings, generate_case
from lesionbench.samples import SampleSettings
from lesionbench.segment import STAGES, find_scans, load_models, segment_scan

CPU_NON_NETWORK_GOAL_S = 3.0
GPU_ANCHOR_S = 2.0
DEMO_SAMPLES = {"layout": "2d", "size": [64, 64], "fit": "pad"}


def demo_bundle(root: Path) -> Path:
    """A bundle with the demo's preprocessing and U-Net (random weights), 3 folds."""
    samples = SampleSettings.from_dict(DEMO_SAMPLES)
    kwargs = {"features": [16, 32, 64, 128, 256], "activation": "mish", "norm": "batch", "spatial_dims": 2,
              "in_channels": 1, "out_channels": 1}
    checkpoints = []
    for fold in range(3):
        torch.manual_seed(fold)
        path = root / "unet" / f"fold-{fold}" / "best.pt"
        path.parent.mkdir(parents=True)
        torch.save({"network": {"name": "unet", "kwargs": kwargs}, "state_dict": create_network("unet", **kwargs).state_dict(),
                    "data": {"in_channels": 1, "sample_shape": samples.size, "samples": samples.geometry()}}, path)
        checkpoints.append(path)
    settings = {"experiment": "unet", "dataset": "phantom", "modality": "CT", "channels": 1,
                "network": {"name": "unet", "features": kwargs["features"], "activation": "mish", "norm": "batch"},
                "brain_mask": {}, "samples": samples.geometry(),
                "preprocess": {"spacing": [1.8, 1.8, 5.0], "normalize": "window", "window": [40, 80],
                               "crop_to_brain": True, "crop_margin_mm": 2.0}}
    write_manifest(root / "unet", settings, checkpoints)
    return root / "unet"


def measure(bundle_dir: Path, series: Path, out: Path, device: str, repeat: int) -> dict[str, float]:
    """Median seconds of each stage and of the whole case over ``repeat`` runs (after one warm-up)."""
    bundle = load_bundle(bundle_dir)
    ensemble = load_models(bundle, device=device)
    (scan,) = find_scans(series)
    segment_scan(scan, bundle, ensemble, out)  # warm-up: imports, cuDNN autotuning
    runs = [segment_scan(scan, bundle, ensemble, out).timings for _ in range(repeat)]
    medians = {stage: statistics.median(run.get(stage, 0.0) for run in runs) for stage in STAGES}
    medians["total"] = statistics.median(sum(run.values()) for run in runs)
    medians["non_network"] = medians["total"] - medians["network"]
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="a bundle folder (default: a demo-sized U-Net)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when the CPU's non-network time is over the goal")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        settings = PhantomSettings.from_dict({"cases": 1, "seed": 0, "matrix": 512, "slices": 32})
        truth = generate_case(work_dir / "phantom", 0, settings)
        series = work_dir / "phantom" / "dicom" / truth.case_id
        bundle_dir = args.model or demo_bundle(work_dir / "models")
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        print(f"segment, one 512 x 512 x 32 phantom CT, bundle {bundle_dir.name}, median of {args.repeat} runs")
        print(f"{'device':<6} " + " ".join(f"{stage:>13}" for stage in (*STAGES, "non_network", "total")))
        failed = False
        for device in devices:
            times = measure(bundle_dir, series, work_dir / f"out-{device}", device, args.repeat)
            print(f"{device:<6} " + " ".join(f"{times[s]:>12.2f}s" for s in (*STAGES, "non_network", "total")))
            if device == "cpu":
                ratio = times["non_network"] / CPU_NON_NETWORK_GOAL_S
                failed = ratio > 1.0
                print(f"       cpu non-network / goal {CPU_NON_NETWORK_GOAL_S:.0f} s = {ratio:.2f}")
            else:
                print(f"       gpu total / anchor {GPU_ANCHOR_S:.0f} s per head CT = {times['total'] / GPU_ANCHOR_S:.2f}")
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
