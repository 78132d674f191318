"""End-to-end test of the Snakemake workflow on a tiny phantom configuration.

Runs the ``snakemake`` command line in a subprocess (the Python API changes between releases,
the Python API of Snakemake changes between releases): a full run, then a dry run that must have nothing to do, then a dry run
after changing one experiment's learning rate, which must schedule only that experiment's
training, prediction and evaluation plus the comparison and figures.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
import yaml

REPO = Path(__file__).resolve().parents[2]
TINY = Path(__file__).with_name("tiny_config.yaml")

pytestmark = pytest.mark.workflow


def snakemake(workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--configfile", str(config), "--cores", "2", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir, timeout=1500)


def scheduled_jobs(dry_run_output: str) -> list[tuple[str, str]]:
    """(rule, wildcards) of every job a dry run lists."""
    jobs = []
    rule = None
    for line in dry_run_output.splitlines():
        match = re.match(r"^(?:local)?rule (\w+):", line.strip())
        if match:
            rule = match.group(1)
            jobs.append((rule, ""))
        elif rule and line.strip().startswith("wildcards:"):
            jobs[-1] = (rule, line.strip().removeprefix("wildcards:").strip())
    return jobs


def lesionbench(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "lesionbench", *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def write_new_scans(workdir: Path) -> Path:
    """Two unlabelled scans for the segment-only dataset: a DICOM series and a NIfTI file."""
    raw = workdir / "new_raw"
    lesionbench("phantom", str(raw), "--cases", "2", "--seed", "7", "--matrix", "64", "--slices", "12")
    scans = workdir / "new_scans"
    scans.mkdir()
    shutil.copytree(raw / "dicom" / "ph000", scans / "scanA")
    lesionbench("dicom2nifti", str(raw / "dicom" / "ph000"), str(raw / "scanA.nii.gz"))  # its grid, for the test
    lesionbench("dicom2nifti", str(raw / "dicom" / "ph001"), str(scans / "scanB.nii.gz"))
    return scans


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny config, plus a segment-only dataset of two new scans segmented by the U-Net."""
    workdir = tmp_path_factory.mktemp("workflow")
    write_new_scans(workdir)
    config = yaml.safe_load(TINY.read_text())
    config["segment"] = {"new_scans": {"source": {"kind": "scans", "path": "new_scans"}, "masks": "none",
                                       "experiments": ["unet"], "tta": "flips"}}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(workdir, workdir / "config.yaml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    return workdir


def test_outputs_exist_and_parse(finished_run: Path) -> None:
    root = finished_run / "results" / "tiny"
    metrics = {name: pd.read_csv(root / "metrics" / f"{name}.tsv", sep="\t") for name in ("unet", "fcn8s")}
    for name, frame in metrics.items():
        assert sorted(frame["case_id"]) == ["ph000", "ph001", "ph002", "ph003"], name
        assert frame["dice"].between(0, 1).all(), name
        assert set(frame["fold"]) == {0, 1}
    tests = pd.read_csv(root / "stats" / "main" / "tests.tsv", sep="\t")
    assert set(tests["model"]) == {"fcn8s"}
    assert set(tests["metric"]) == {"dice", "ppv", "sensitivity"}
    assert (root / "stats" / "main" / "table.md").read_text().count("|") > 10
    folds = json.loads((root / "folds.json").read_text())
    tested = sorted(case for fold in folds["folds"] for case in fold["test"])
    assert tested == ["ph000", "ph001", "ph002", "ph003"]
    for fold in (0, 1):
        history = pd.read_csv(root / "models" / "unet" / f"fold-{fold}" / "history.tsv", sep="\t")
        assert list(history["epoch"]) == [1]
    # Predictions are on the original image grid, with the source geometry.
    for fold in folds["folds"]:
        for case in fold["test"]:
            prediction = sitk.ReadImage(str(root / "predictions" / "unet" / f"fold-{fold['fold']}" / f"{case}.nii.gz"))
            image = sitk.ReadImage(str(root / "images" / f"{case}.nii.gz"))
            assert prediction.GetSize() == image.GetSize()
            assert np.allclose(prediction.GetOrigin(), image.GetOrigin(), atol=1e-4)
            assert np.allclose(prediction.GetDirection(), image.GetDirection(), atol=1e-6)
            assert set(np.unique(sitk.GetArrayFromImage(prediction))) <= {0, 1}
    pngs = sorted(path.name for path in (root / "figures" / "main").glob("*.png"))
    assert "learning_curves.png" in pngs and "boxplot_dice.png" in pngs, pngs
    # samples are per-case folders; the preprocessing QC table has one row per case
    every = ["ph000", "ph001", "ph002", "ph003", "ph004", "ph005"]  # with the 2 test cases
    assert sorted(p.name for p in (root / "samples" / "2d").iterdir()) == every
    assert sorted(p.name for p in (root / "samples" / "2d" / "ph000").iterdir()) == ["images.npy", "index.json", "masks.npy"]
    qc = pd.read_csv(root / "qc" / "preprocess.tsv", sep="\t")
    assert qc["case_id"].tolist() == every and (qc["kept_ml"] <= qc["reference_ml"]).all()
    meta = json.loads((root / "meta" / "ph000.json").read_text())
    assert meta["preprocess"]["lesion"]["reference_ml"] == qc["reference_ml"][0] and meta["labels"]
    # fcn8s trained with online augmentation, unet with the dataset's offline expansion (x2)
    for name, mode in (("fcn8s", "online"), ("unet", "offline")):
        assert f"augment {mode}" in (root / "logs" / "train" / name / "fold-0.log").read_text()


def test_model_bundle_round_trip(finished_run: Path, tmp_path: Path) -> None:
    """model.json and the post-processing decision exist; the exported bundle segments a raw
    DICOM series exactly as the workflow predicted it (the fold that held the case out, then
    the chosen post-processing)."""
    root = finished_run / "results" / "tiny"
    manifest = json.loads((root / "models" / "unet" / "model.json").read_text())
    decision = json.loads((root / "models" / "unet" / "postprocessing.json").read_text())
    assert manifest["postprocessing"]["name"] == decision["chosen"]["name"]
    assert [entry["fold"] for entry in manifest["folds"]] == [0, 1]
    assert manifest["preprocess"]["spacing"] and manifest["samples"]["size"] and manifest["brain_mask"] is not None
    for name in ("unet", "fcn8s"):
        raw = pd.read_csv(root / "metrics" / f"{name}.tsv", sep="\t")
        processed = pd.read_csv(root / "metrics" / "postprocessed" / f"{name}.tsv", sep="\t")
        assert sorted(processed["case_id"]) == sorted(raw["case_id"]) and processed["dice"].between(0, 1).all()
    zipped = tmp_path / "unet.zip"
    exported = subprocess.run([sys.executable, "-m", "lesionbench", "export-model", str(root / "models" / "unet"),
                               str(zipped)], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    folds = json.loads((root / "folds.json").read_text())["folds"]
    fold = next(f["fold"] for f in folds if "ph000" in f["test"])
    segmented = subprocess.run([sys.executable, "-m", "lesionbench", "segment", str(root / "raw" / "dicom" / "ph000"),
                                str(tmp_path / "seg"), "--model", str(zipped), "--folds", str(fold), "--quiet"],
                               capture_output=True, text=True)
    assert segmented.returncode == 0, segmented.stderr[-3000:]
    ours = sitk.ReadImage(str(tmp_path / "seg" / "ph000.nii.gz"))
    workflow = sitk.ReadImage(str(root / "postprocessed" / "unet" / f"fold-{fold}" / "ph000.nii.gz"))
    assert ours.GetSize() == workflow.GetSize()
    np.testing.assert_allclose(ours.GetOrigin(), workflow.GetOrigin(), atol=1e-4)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(ours), sitk.GetArrayFromImage(workflow))
    assert (tmp_path / "seg" / "ph000.seg.dcm").is_file()
    volumes = pd.read_csv(tmp_path / "seg" / "volumes.tsv", sep="\t")
    assert volumes["case"].tolist() == ["ph000"]


def test_the_held_out_test_set(finished_run: Path) -> None:
    """The phantom's 2 test cases: in no fold, predicted by each experiment's fold ensemble,
    evaluated raw and post-processed, compared and plotted under results/tiny/test/."""
    root = finished_run / "results" / "tiny"
    folds = json.loads((root / "folds.json").read_text())
    assert folds["test_set"] == ["ph004", "ph005"]
    assert all(not {"ph004", "ph005"} & set(f["train"] + f["val"] + f["test"]) for f in folds["folds"])
    for name in ("unet", "fcn8s"):
        for table in (root / "test" / "metrics" / f"{name}.tsv", root / "test" / "metrics" / "postprocessed" / f"{name}.tsv"):
            frame = pd.read_csv(table, sep="\t")
            assert sorted(frame["case_id"]) == ["ph004", "ph005"] and set(frame["fold"]) == {"ensemble"}
        for case in ("ph004", "ph005"):
            prediction = sitk.ReadImage(str(root / "test" / "predictions" / name / "ensemble" / f"{case}.nii.gz"))
            assert prediction.GetSize() == sitk.ReadImage(str(root / "images" / f"{case}.nii.gz")).GetSize()
    tests = pd.read_csv(root / "test" / "stats" / "main" / "tests.tsv", sep="\t")
    assert set(tests["model"]) == {"fcn8s"}
    assert (root / "test" / "stats" / "main" / "table.md").is_file()
    assert any((root / "test" / "figures" / "main").glob("boxplot_*.png"))


def test_the_segment_only_dataset(finished_run: Path) -> None:
    """Each new scan is one cached job: its label map lies on the scan's own grid (the DICOM
    series as dicom2nifti converts it), the DICOM input gets a DICOM-SEG, and volumes.tsv
    gathers one row per scan that agrees with the label maps."""
    from lesionbench.metrics.volume import volume_ml

    root = finished_run / "results" / "new_scans" / "segment" / "unet"
    volumes = pd.read_csv(root / "volumes.tsv", sep="\t")
    assert volumes["case"].tolist() == ["scanA", "scanB"] and volumes["input"].tolist() == ["dicom", "image"]
    references = {"scanA": finished_run / "new_raw" / "scanA.nii.gz", "scanB": finished_run / "new_scans" / "scanB.nii.gz"}
    for case, row in zip(volumes["case"], volumes.itertuples()):
        reference = sitk.ReadImage(str(references[case]))
        label = sitk.ReadImage(str(root / "cases" / case / f"{case}.nii.gz"))
        assert label.GetSize() == reference.GetSize()
        np.testing.assert_allclose(label.GetOrigin(), reference.GetOrigin(), atol=1e-4)
        np.testing.assert_allclose(label.GetSpacing(), reference.GetSpacing(), atol=1e-4)
        mask = sitk.GetArrayFromImage(label) > 0
        assert row.volume_ml == pytest.approx(volume_ml(mask, label.GetSpacing()[::-1]), abs=1e-3)
    assert (root / "cases" / "scanA" / "scanA.seg.dcm").is_file()
    assert not (root / "cases" / "scanB" / "scanB.seg.dcm").exists()


def test_second_dry_run_has_nothing_to_do(finished_run: Path) -> None:
    result = snakemake(finished_run, finished_run / "config.yaml", "--dry-run")
    assert result.returncode == 0, result.stderr[-4000:]
    assert scheduled_jobs(result.stdout) == [], result.stdout[-3000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def test_changed_learning_rate_reruns_only_that_experiment(finished_run: Path) -> None:
    config = yaml.safe_load(TINY.read_text())
    config["experiments"]["fcn8s"]["train"]["optimizer"]["lr"] = 5.0e-4
    changed = finished_run / "changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    result = snakemake(finished_run, changed, "--dry-run")
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = scheduled_jobs(result.stdout)
    rules = sorted({rule for rule, _ in jobs})
    assert rules == ["all", "bundle_model", "choose_postprocessing", "compare_models", "compare_test",
                     "evaluate_experiment", "evaluate_postprocessed", "evaluate_test", "evaluate_test_postprocessed",
                     "plot_figures", "plot_test_figures", "postprocess_fold", "postprocess_test", "predict_fold",
                     "predict_test", "train_model"], rules
    for rule, wildcards in jobs:
        if rule not in ("all", "compare_models", "compare_test", "plot_figures", "plot_test_figures"):
            assert "experiment=fcn8s" in wildcards, (rule, wildcards)
    assert sum(rule == "train_model" for rule, _ in jobs) == 2


def test_changed_threshold_reruns_prediction_but_no_training(finished_run: Path) -> None:
    config = yaml.safe_load(TINY.read_text())
    config["experiments"]["fcn8s"]["predict"] = {"threshold": 0.4}
    changed = finished_run / "threshold.yaml"
    changed.write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(finished_run, changed, "--dry-run")
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = scheduled_jobs(result.stdout)
    rules = sorted({rule for rule, _ in jobs})
    assert rules == ["all", "bundle_model", "choose_postprocessing", "compare_models", "compare_test",
                     "evaluate_experiment", "evaluate_postprocessed", "evaluate_test", "evaluate_test_postprocessed",
                     "plot_figures", "plot_test_figures", "postprocess_fold", "postprocess_test", "predict_fold",
                     "predict_test"], rules
    assert sum(rule == "predict_fold" for rule, _ in jobs) == 2
    shared = ("all", "compare_models", "compare_test", "plot_figures", "plot_test_figures")
    assert all("experiment=fcn8s" in w for rule, w in jobs if rule not in shared)


@pytest.mark.parametrize(("section", "change", "expected"), [
    ("compare", {"alpha": 0.01}, ["all", "compare_models", "compare_test", "plot_figures", "plot_test_figures"]),
    ("figures", {"dpi": 100}, ["all", "plot_figures", "plot_test_figures"]),
])
def test_compare_and_figure_changes_rerun_only_their_rules(finished_run: Path, section: str, change: dict,
                                                           expected: list[str]) -> None:
    config = yaml.safe_load(TINY.read_text())
    config["datasets"]["tiny"][section] = {**config["datasets"]["tiny"].get(section, {}), **change}
    changed = finished_run / f"{section}.yaml"
    changed.write_text(yaml.safe_dump(config, sort_keys=False))  # the experiments' order is the tables' order
    result = snakemake(finished_run, changed, "--dry-run")
    assert result.returncode == 0, result.stderr[-4000:]
    assert sorted({rule for rule, _ in scheduled_jobs(result.stdout)}) == expected


def test_changed_augmentation_retrains_only_that_experiment(finished_run: Path) -> None:
    config = yaml.safe_load(TINY.read_text())
    config["experiments"]["fcn8s"]["augment"] = {"mode": "online", "online": {"gamma": {"prob": 0.9}}}
    changed = finished_run / "augment.yaml"
    changed.write_text(yaml.safe_dump(config, sort_keys=False))
    jobs = scheduled_jobs(snakemake(finished_run, changed, "--dry-run").stdout)
    trained = sorted(w for rule, w in jobs if rule == "train_model")
    assert len(trained) == 2 and all("experiment=fcn8s" in w for w in trained)
    assert not any(rule in ("extract_samples", "preprocess_case") for rule, _ in jobs)


def test_a_users_config_file_replaces_the_embedded_demo(tmp_path: Path) -> None:
    """In a checkout (the demo's config.yaml beside the Snakefile), --configfile runs only the
    user's datasets; without it the demo runs, and --config refines it."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copy(TINY, tmp_path / "my.yaml")
    base = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path),
            "--cores", "1", "--dry-run"]
    own = subprocess.run([*base, "--configfile", str(tmp_path / "my.yaml")], capture_output=True, text=True)
    assert own.returncode == 0, own.stderr[-3000:]
    assert "results/tiny/" in own.stdout and "results/phantom/" not in own.stdout
    demo = subprocess.run([*base, "--config", "train_threads=1"], capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "results/phantom/" in demo.stdout and "results/tiny/" not in demo.stdout


def test_unknown_config_key_is_a_clear_error(tmp_path: Path) -> None:
    config = yaml.safe_load(TINY.read_text())
    config["datasets"]["tiny"]["preprocess"]["spacnig"] = [1, 1, 1]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, bad, "--dry-run")
    assert result.returncode != 0
    assert ("lesionbench: invalid configuration: datasets.tiny.preprocess.spacnig: unknown setting (valid: "
            in result.stdout + result.stderr)


def test_segment_sets_schedule_one_job_per_scan_and_experiment(tmp_path: Path) -> None:
    """Without experiments listed every experiment segments; folds, TTA and DICOM-SEG reach the
    command; a missing folder stops the run with one line naming it."""
    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("a.nii.gz", "b.nii.gz"):
        (scans / name).write_bytes(b"")  # listed by name only in a dry run
    config = yaml.safe_load(TINY.read_text())
    config["segment"] = {"later": {"source": {"kind": "scans", "path": "scans"}, "folds": [1], "tta": "flips",
                                   "dicom_seg": False}}
    path = tmp_path / "segment.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(tmp_path, path, "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = scheduled_jobs(result.stdout)
    segmented = sorted(w for rule, w in jobs if rule == "segment_case")
    assert len(segmented) == 4 and sum(rule == "gather_segment_volumes" for rule, _ in jobs) == 2
    commands = [line for line in result.stdout.splitlines() if "lesionbench segment scans" in line]
    assert len(commands) == 4
    assert all("--folds 1 --tta flips --no-dicom-seg" in line for line in commands), commands
    assert any("--model results/tiny/models/fcn8s --case b" in line for line in commands), commands
    config["segment"]["later"]["source"]["path"] = "nowhere"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    missing = snakemake(tmp_path, path, "--dry-run")
    assert missing.returncode != 0
    assert "lesionbench: invalid configuration: segment.later.source.path: nowhere: no such file or folder" in (
        missing.stdout + missing.stderr)


def test_folds_group_by_reaches_the_folds_command(tmp_path: Path) -> None:
    config = yaml.safe_load(TINY.read_text())
    config["datasets"]["tiny"]["folds"]["group_by"] = "lesion_class"
    grouped = tmp_path / "grouped.yaml"
    grouped.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, grouped, "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stderr[-4000:]
    commands = [line for line in result.stdout.splitlines() if "lesionbench folds" in line]
    assert len(commands) == 1 and commands[0].rstrip().endswith("--group-by lesion_class > results/tiny/logs/folds.log 2>&1")


def _decoded_bytes(path: Path) -> bytes:
    """The content of an output file as stored, with gzip and zip (npz, pt) containers opened."""
    import gzip
    import zipfile

    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    return data


def test_no_identifying_dicom_field_reaches_an_output(finished_run: Path) -> None:
    """Every output (everything but the phantom's own DICOM input under raw/) is free of the
    phantom's fake patient-identifying values, including logs, metadata and NIfTI headers."""
    from lesionbench.phantom import FAKE_IDENTIFIERS

    needles = [value.encode() for value in FAKE_IDENTIFIERS.values()]
    results = finished_run / "results" / "tiny"
    checked = 0
    for path in sorted(results.rglob("*")):
        if not path.is_file() or (results / "raw" / "dicom") in path.parents:
            continue
        content = _decoded_bytes(path)
        checked += 1
        for needle in needles:
            assert needle not in content, f"{needle!r} found in {path}"
    assert checked > 40
    # The check itself can fail: the DICOM input does hold the values.
    dicom = next((results / "raw" / "dicom").rglob("*.dcm"))
    assert FAKE_IDENTIFIERS["InstitutionName"].encode() in dicom.read_bytes()
