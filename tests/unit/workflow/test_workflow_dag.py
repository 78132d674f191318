"""What the workflow schedules, read from a dry run (no job runs): a dataset that shares another
dataset's cases converts nothing itself, and a classifier gets no label-map stages."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.workflow.test_workflow import REPO, scheduled_jobs, snakemake


def _dry_run(tmp_path: Path, config: dict) -> list[tuple[str, str]]:
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(tmp_path, tmp_path / "config.yaml", "--dry-run")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return scheduled_jobs(result.stdout)


@pytest.fixture(scope="module")
def paper001_jobs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    config = yaml.safe_load((REPO / "resources" / "configs" / "paper001-tiny.yaml").read_text())
    # the same cases once more, preprocessed for 2D slices
    flat = copy.deepcopy(config["datasets"]["ich_avm_tiny"])
    for key in ("brain_mask", "classification"):
        flat.pop(key)
    flat.update(source={"kind": "dataset", "dataset": "ich_avm_tiny"},
                preprocess={"spacing": [1.0, 1.0, 4.5], "normalize": "window", "window": [40, 80]},
                samples={"layout": "2d", "size": [64, 64]}, augment={"mode": "none"},
                compare={"reference": "unet", "metrics": ["dice"]})
    config["datasets"]["flat"] = flat
    config["experiments"] = {"unet": {"dataset": "flat", "network": {"name": "unet", "features": [4, 8, 16, 32, 64]},
                                      "loss": {"name": "dice"},
                                      "train": {"epochs": 1, "batch_size": 2, "optimizer": {"name": "adam", "lr": 1e-3}}}}
    return _dry_run(tmp_path_factory.mktemp("dag"), config)


def _count(jobs: list[tuple[str, str]], rule: str, where: str = "") -> int:
    return sum(1 for r, wildcards in jobs if r == rule and where in wildcards)


def test_a_shared_source_converts_and_skull_strips_once(paper001_jobs: list[tuple[str, str]]) -> None:
    assert _count(paper001_jobs, "generate_phantom_case") == 8
    assert _count(paper001_jobs, "ingest_case") == 8 and _count(paper001_jobs, "compute_brain_mask") == 8
    assert _count(paper001_jobs, "ingest_case", "dataset=flat") == 0
    assert _count(paper001_jobs, "preprocess_case", "dataset=flat") == 8
    assert _count(paper001_jobs, "preprocess_case", "dataset=ich_avm_tiny") == 8
    assert _count(paper001_jobs, "train_model", "dataset=flat") == 2


def test_the_classifier_has_no_label_map_stages(paper001_jobs: list[tuple[str, str]]) -> None:
    assert _count(paper001_jobs, "train_model", "experiment=paper001_cnn3d") == 2
    assert _count(paper001_jobs, "evaluate_experiment", "experiment=paper001_cnn3d") == 1
    for rule in ("choose_postprocessing", "bundle_model", "evaluate_postprocessed"):
        assert _count(paper001_jobs, rule, "experiment=paper001_cnn3d") == 0, rule
        assert _count(paper001_jobs, rule, "experiment=paper001_mlssp_a04") == 1, rule
