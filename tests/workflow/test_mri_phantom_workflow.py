"""The T1 MRI phantom through the whole workflow: ``tiny_mri_config.yaml`` (6 + 2 ATLAS-like
cases at a quarter resolution, 2.5D samples, one epoch of a small U-Net) from generation to
the cross-validation and test-set metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lesionbench.samples import CaseSamples, SampleSettings, get_layout
from tests.workflow.test_workflow import snakemake

pytestmark = pytest.mark.workflow
TINY_MRI = Path(__file__).with_name("tiny_mri_config.yaml")
METRICS = ("results/mri_tiny/metrics/unet.tsv", "results/mri_tiny/test/metrics/unet.tsv")


def test_the_mri_phantom_runs_to_finite_metrics(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(TINY_MRI.read_text())
    result = snakemake(tmp_path, config, *METRICS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]

    cv, test = (pd.read_csv(tmp_path / path, sep="\t") for path in METRICS)
    assert sorted(cv["case_id"]) == [f"mr{i:03d}" for i in range(6)]
    assert sorted(test["case_id"]) == ["mr006", "mr007"]
    for table in (cv, test):
        assert np.isfinite(table["dice"]).all() and table["dice"].between(0, 1).all()
        assert {"n_lesions", "lesion_kind", "lesion_volume_ml", "has_lesion"} <= set(table.columns)
        assert (table["n_lesions"] >= 1).all() and table["has_lesion"].all()

    meta = json.loads((tmp_path / "results/mri_tiny/meta/mr000.json").read_text())
    assert meta["modality"] == "MR" and meta["labels"]["lesion_kind"] in ("cortical", "subcortical", "mixed")
    assert not (tmp_path / "results/mri_tiny/brain").exists()  # skull-stripped: no brain mask stage
    samples = CaseSamples(tmp_path / "results/mri_tiny/samples/2.5d/mr000")
    settings = SampleSettings.from_dict({"layout": "2.5d", "size": [64, 64]})
    image, _ = get_layout("2.5d").read_sample(samples, samples.targets[0], settings)
    assert image.shape == (4, 64, 64)  # 1 T1 channel x 4 slices: the network's in_channels
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0  # per-volume min-max
