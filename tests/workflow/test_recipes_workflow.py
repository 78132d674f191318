"""Dataset recipes through the workflow: the real ISLES'22 case and COVID slices run through
ingest, preprocessing and samples; a bad case fails alone under --keep-going."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import yaml

from lesionbench.samples import CaseSamples, SampleSettings, get_layout
from tests.shared_data import shared_data
from tests.workflow.test_workflow import snakemake

pytestmark = pytest.mark.workflow
STAGES = {"folds": {"k": 2, "seed": 0}, "augment": {"mode": "none"}}


def write_config(workdir: Path, datasets: dict) -> Path:
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump({"datasets": datasets}))
    return path


def test_isles22_and_covid_run_to_samples(tmp_path: Path) -> None:
    isles, covid = shared_data("isles22_case0009"), shared_data("covid_semiseg_train")
    config = write_config(tmp_path, {
        "isles22": {
            "source": {"kind": "isles22", "root": str(isles)}, "modality": "MR", "channels": 3,
            "preprocess": {"spacing": None, "normalize": "zscore_head", "window": None, "crop_to_brain": False},
            "samples": {"layout": "2.5d", "size": [64, 64], "slice_offsets": [-2, -1, 0, 1], "seed": 0},
            **STAGES,
        },
        "covid": {
            "source": {"kind": "covid_semiseg_2d", "root": str(covid)}, "modality": "CT",
            "preprocess": {"spacing": None, "normalize": "none", "window": None, "crop_to_brain": False},
            "samples": {"layout": "2d", "size": [64, 64], "lesion_free_fraction": 1.0, "seed": 0},
            **STAGES,
        },
    })
    from lesionbench.datasets import RECIPES

    covid_cases = RECIPES["covid_semiseg_2d"].case_ids({"kind": "covid_semiseg_2d", "root": str(covid)})
    assert len(covid_cases) == 50
    targets = ["results/isles22/samples/2.5d/sub-strokecase0009/index.json",
               *[f"results/covid/samples/2d/{case}/index.json" for case in covid_cases[:3]]]
    result = snakemake(tmp_path, config, *targets)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]

    samples = CaseSamples((tmp_path / targets[0]).parent)
    image, _ = get_layout("2.5d").read_sample(samples, samples.targets[0], SampleSettings.from_dict(
        {"layout": "2.5d", "size": [64, 64]}))
    assert image.shape == (12, 64, 64)  # DWI, ADC, FLAIR x 4 slices
    assert any(samples.has_lesion)
    meta = json.loads((tmp_path / "results/isles22/meta/sub-strokecase0009.json").read_text())
    assert meta["labels"]["has_lesion"] is True and meta["preprocess"]["lesion"]["reference_voxels"] == 523
    mask = sitk.ReadImage(str(tmp_path / "results/isles22/masks/sub-strokecase0009.nii.gz"))
    assert int(sitk.GetArrayFromImage(mask).sum()) == 523
    covid_sample = CaseSamples((tmp_path / targets[1]).parent)
    assert covid_sample.images.shape[1:] == (1, 64, 64)
    pixels = covid_sample.images.rows(0, 1)
    assert 0.0 <= pixels.min() and pixels.max() <= 1.0


def _write(array: np.ndarray, spacing: tuple[float, float, float], path: Path) -> None:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    sitk.WriteImage(image, str(path))


def test_bad_case_fails_alone_with_keep_going(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = ["case_id\timage\tmask"]
    rng = np.random.default_rng(0)
    for case in ("c0", "c1", "c2"):
        image = rng.normal(40, 5, (6, 24, 24)).astype(np.float32)
        mask = np.zeros((6, 24, 24), np.uint8)
        mask[2:4, 8:14, 8:14] = 1
        _write(image, (1.0, 1.0, 5.0), data / f"{case}_ct.nii.gz")
        # c2's mask lies on another grid than its image.
        _write(mask, (1.0, 1.0, 5.0) if case != "c2" else (0.5, 0.5, 5.0), data / f"{case}_mask.nii.gz")
        rows.append(f"{case}\t{case}_ct.nii.gz\t{case}_mask.nii.gz")
    (data / "samples.tsv").write_text("\n".join(rows) + "\n")
    config = write_config(tmp_path, {"sheet": {
        "source": {"kind": "sample_sheet", "sheet": str(data / "samples.tsv")}, "modality": "CT",
        "preprocess": {"spacing": None, "normalize": "window", "window": [40, 80], "crop_to_brain": False},
        "samples": {"layout": "2d", "size": [16, 16], "seed": 0}, **STAGES,
    }})
    targets = [f"results/sheet/samples/2d/{case}/index.json" for case in ("c0", "c1", "c2")]
    result = snakemake(tmp_path, config, "--keep-going", *targets)
    assert result.returncode != 0
    assert (tmp_path / targets[0]).is_file() and (tmp_path / targets[1]).is_file()
    for output in ("images/c2.nii.gz", "masks/c2.nii.gz", "meta/ingest/c2.json", "meta/c2.json",
                   "samples/2d/c2/index.json"):
        assert not (tmp_path / "results/sheet" / output).exists(), output
    log = (tmp_path / "results/sheet/logs/ingest/c2.log").read_text()
    assert "c2_mask.nii.gz" in log and "grid" in log.lower(), log
    assert log.count("error") == 1 and "Traceback" not in log, log


def test_the_readmes_own_data_example_is_a_valid_run(tmp_path: Path) -> None:
    """The "Your own data" section of the README: its sample sheet and configuration, as
    printed there, make a valid workflow (a dry run schedules every stage for every case)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Your own data", 1)[1]
    sheet_text = section.split("```\n", 2)[1]
    config = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    sheet = tmp_path / "data" / "mydata" / "samples.tsv"
    sheet.parent.mkdir(parents=True)
    sheet.write_text(sheet_text)
    rng = np.random.default_rng(0)
    for row in sheet_text.strip().splitlines()[1:]:
        _, image, mask, _ = row.split("\t")
        (sheet.parent / image).parent.mkdir(parents=True, exist_ok=True)
        _write(rng.normal(40, 5, (4, 16, 16)).astype(np.float32), (0.9, 0.9, 5.0), sheet.parent / image)
        _write(np.zeros((4, 16, 16), np.uint8), (0.9, 0.9, 5.0), sheet.parent / mask)
    path = tmp_path / "my.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(tmp_path, path, "--dry-run")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for rule, count in (("ingest_case", 3), ("compute_brain_mask", 3), ("train_model", 10), ("compare_models", 1)):
        assert result.stdout.count(f"rule {rule}:") == count, rule


def test_a_separate_test_folder_is_ingested_and_held_out(tmp_path: Path) -> None:
    """Train on one sample sheet, report on another: the test sheet's cases become test_<id>,
    are ingested from their own source, held out of the folds and predicted by each fold ensemble."""
    rng = np.random.default_rng(1)
    for name, cases in (("train", ["a1", "a2", "a3", "a4"]), ("test", ["b1", "b2"])):
        folder = tmp_path / "data" / name
        folder.mkdir(parents=True)
        rows = ["case_id\timage\tmask"]
        for case in cases:
            _write(rng.normal(40, 5, (4, 16, 16)).astype(np.float32), (0.9, 0.9, 5.0), folder / f"{case}.nii.gz")
            _write(np.zeros((4, 16, 16), np.uint8), (0.9, 0.9, 5.0), folder / f"{case}_mask.nii.gz")
            rows.append(f"{case}\t{case}.nii.gz\t{case}_mask.nii.gz")
        (folder / "samples.tsv").write_text("\n".join(rows) + "\n")
    dataset = {
        "source": {"kind": "sample_sheet", "sheet": str(tmp_path / "data/train/samples.tsv")},
        "test": {"source": {"kind": "sample_sheet", "sheet": str(tmp_path / "data/test/samples.tsv")}},
        "modality": "MR", "preprocess": {"spacing": None, "normalize": "zscore_head", "window": None,
                                         "crop_to_brain": False},
        "samples": {"layout": "2d", "size": [16, 16]}, "compare": {"reference": "unet"}, **STAGES,
    }
    experiment = {"dataset": "mine", "loss": {"name": "dice"}, "train": {"epochs": 1}}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"datasets": {"mine": dataset}, "experiments": {
        "unet": {**experiment, "network": {"name": "unet", "features": [4, 8]}},
        "small": {**experiment, "network": {"name": "unet", "features": [2, 4]}}}}))
    result = snakemake(tmp_path, config, "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("rule ingest_case:") == 6 and result.stdout.count("rule predict_test:") == 2
    assert "--case b1 --case-id test_b1" in result.stdout
    folds = [line for line in result.stdout.splitlines() if "lesionbench folds" in line]
    assert len(folds) == 1 and "--test-cases test_b1 test_b2" in folds[0]
    done = snakemake(tmp_path, config, "results/mine/folds.json", "results/mine/meta/ingest/test_b1.json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    meta = json.loads((tmp_path / "results/mine/meta/ingest/test_b1.json").read_text())
    assert meta["case_id"] == "test_b1"
    assert json.loads((tmp_path / "results/mine/folds.json").read_text())["test_set"] == ["test_b1", "test_b2"]
