"""A small trained-model bundle (a real U-Net, two folds) and phantom head CTs to segment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import torch

from lesionbench.bundle import write_manifest
from lesionbench.networks import create_network
from lesionbench.phantom import PhantomSettings, generate_case
from lesionbench.samples import SampleSettings

NETWORK = {"name": "unet", "features": [4, 8, 8, 8, 8]}
SAMPLES = SampleSettings.from_dict({"layout": "2d", "size": [32, 32], "fit": "pad"})
SETTINGS = {
    "experiment": "unet", "dataset": "phantom", "label": "U-Net", "modality": "CT", "channels": 1,
    "network": NETWORK, "ingest": {}, "brain_mask": {},
    "preprocess": {"spacing": [1.8, 1.8, 5.0], "normalize": "window", "window": [40, 80], "crop_to_brain": True,
                   "crop_margin_mm": 2.0},
    "samples": SAMPLES.geometry(), "predict": {"threshold": 0.5, "batch_size": 8},
}


def write_checkpoint(path: Path, seed: int) -> Path:
    """A checkpoint of a small 2D U-Net whose output bias is raised, so it marks bright tissue."""
    torch.manual_seed(seed)
    kwargs = {"features": NETWORK["features"], "spatial_dims": 2, "in_channels": 1, "out_channels": 1}
    model = create_network("unet", **kwargs)
    checkpoint = {"network": {"name": "unet", "kwargs": kwargs}, "state_dict": model.state_dict(), "epoch": 1,
                  "best_epoch": 1, "best_val_dice": 0.5,
                  "data": {"in_channels": 1, "sample_shape": list(SAMPLES.size), "samples": SAMPLES.geometry()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, path)
    return path


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``models/unet`` with two folds and its ``model.json`` (post-processing: largest component)."""
    root = tmp_path_factory.mktemp("bundle") / "unet"
    checkpoints = [write_checkpoint(root / f"fold-{k}" / "best.pt", seed=k) for k in range(2)]
    decision = {"chosen": {"name": "largest_component"}, "candidates": []}
    write_manifest(root, SETTINGS, checkpoints, decision)
    return root


@pytest.fixture(scope="session")
def phantom_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two phantom head CTs (64 x 64 x 8, shuffled files) as DICOM, with their masks."""
    root = tmp_path_factory.mktemp("phantom")
    settings = PhantomSettings.from_dict({"cases": 2, "seed": 5, "matrix": 64, "slices": 8,
                                          "lesion_free_fraction": 0.0, "shuffled_fraction": 1.0})
    for index in range(2):
        generate_case(root, index, settings)
    return root


def nifti_of(series: Path, out: Path) -> Path:
    """The series converted as ``lesionbench dicom2nifti`` converts it."""
    from lesionbench.ingest.convert import convert_series

    convert_series(series, out)
    return out


def array(path: Path) -> np.ndarray:
    return sitk.GetArrayFromImage(sitk.ReadImage(str(path)))
