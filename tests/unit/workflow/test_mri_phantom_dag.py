"""What the workflow schedules for a ``phantom_mr`` dataset, read from a dry run (no job runs):
one generation and one NIfTI ingest per case, no brain mask, the 2.5D samples, one training per
fold and the test cases through the fold ensemble."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.workflow.test_workflow import REPO, scheduled_jobs, snakemake

TINY_MRI = REPO / "tests" / "workflow" / "tiny_mri_config.yaml"


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[tuple[str, str]], str]:
    workdir = tmp_path_factory.mktemp("mri_dag")
    (workdir / "config.yaml").write_text(TINY_MRI.read_text())
    result = snakemake(workdir, workdir / "config.yaml", "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return scheduled_jobs(result.stdout), result.stdout


def _count(jobs: list[tuple[str, str]], rule: str, where: str = "") -> int:
    return sum(1 for r, wildcards in jobs if r == rule and where in wildcards)


def test_every_case_is_generated_and_ingested_once(dry_run: tuple[list[tuple[str, str]], str]) -> None:
    jobs, _ = dry_run
    config = yaml.safe_load(TINY_MRI.read_text())["datasets"]["mri_tiny"]
    cases = config["source"]["cases"] + config["source"]["test_cases"]
    generated = sorted(w for r, w in jobs if r == "generate_mri_phantom_case")
    assert generated == [f"dataset=mri_tiny, case=mr{i:03d}" for i in range(cases)]
    for rule in ("ingest_case", "preprocess_case", "extract_samples"):
        assert _count(jobs, rule, "dataset=mri_tiny") == cases, rule
    assert _count(jobs, "compute_brain_mask") == 0 and _count(jobs, "generate_phantom_case") == 0
    assert _count(jobs, "make_folds") == 1
    assert _count(jobs, "train_model", "experiment=unet") == config["folds"]["k"]
    assert _count(jobs, "predict_fold", "experiment=unet") == config["folds"]["k"]
    for rule in ("evaluate_experiment", "predict_test", "evaluate_test", "bundle_model"):
        assert _count(jobs, rule, "experiment=unet") == 1, rule


def test_the_commands_wire_generation_ingest_and_the_test_cases(dry_run: tuple[list[tuple[str, str]], str]) -> None:
    _, output = dry_run
    generate = re.findall(r"python -m lesionbench phantom-mr (\S+) --case-index (\d+) --settings '(\{.*?\})'", output)
    assert len(generate) == 8 and {root for root, _, _ in generate} == {"results/mri_tiny/raw/mr"}
    settings = yaml.safe_load(generate[0][2])
    assert settings["cases"] == 8 and "test_cases" not in settings and settings["scale"] == 0.25
    assert ("dataset ingest --kind phantom_mr --source '{\"root\":\"results/mri_tiny/raw/mr\"}' --case mr007 "
            "--case-id mr007 --image results/mri_tiny/images/mr007.nii.gz") in output
    assert "--test-cases mr006 mr007" in output
    assert "\"normalize\":\"minmax\"" in output
    samples = re.search(r"python -m lesionbench samples .*mr000.*", output)
    assert samples is not None and "2.5d" in samples.group(0)
