"""The whole configuration is refused before any job, with the key path of its first problem."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from lesionbench.config import SettingsError
from lesionbench.config.workflow import check_config, config_warnings, fold_group

ROOT = Path(__file__).resolve().parents[3]


def _demo() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def _set(config: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``config`` with the dotted ``path`` set to ``value`` (a copy)."""
    config = copy.deepcopy(config)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return config


def _delete(config: dict[str, Any], path: str) -> dict[str, Any]:
    config = copy.deepcopy(config)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node[key]
    del node[last]
    return config


def _message(config: dict[str, Any]) -> str:
    with pytest.raises(SettingsError) as caught:
        check_config(config, ROOT)
    return str(caught.value)


def test_unknown_key_names_its_path_and_the_valid_keys():
    message = _message(_set(_demo(), "datasets.phantom.preprocess.spaceing", [1, 1, 5]))
    assert message.startswith("datasets.phantom.preprocess.spaceing: unknown setting (valid: ")
    assert "spacing" in message


def test_wrong_type():
    message = _message(_set(_demo(), "experiments.unet.train.epochs", "twelve"))
    assert message.startswith("experiments.unet.train.epochs: ")
    assert "integer" in message and "'twelve'" in message


def test_unknown_metric_lists_the_registry():
    config = _set(_demo(), "datasets.phantom.compare.metrics", ["dice", "ppv", "dcie"])
    message = _message(config)
    assert message.startswith("datasets.phantom.compare.metrics[2]: unknown metric 'dcie' (valid: ")
    assert "hd95" in message and "sensitivity" in message


def test_unknown_correction():
    message = _message(_set(_demo(), "datasets.phantom.compare.correction", "bonferoni"))
    assert message.startswith("datasets.phantom.compare.correction: unknown correction 'bonferoni' (valid: ")
    assert "fdr_bh" in message and "bonferroni" in message


def test_bad_amp_mode():
    message = _message(_set(_demo(), "experiments.unet.train.amp", "fp8"))
    assert message.startswith("experiments.unet.train.amp: unknown amp mode 'fp8' (valid: ")
    assert "bfloat16" in message


def test_bad_network_option_lists_the_constructor_options():
    message = _message(_set(_demo(), "experiments.fcn8s.network.activaton", "relu"))
    assert message.startswith("experiments.fcn8s.network.activaton: unknown option of network 'fcn8s' (valid: ")
    assert "features" in message


def test_bad_experiment_set_key():
    config = _set(_demo(), "experiment_sets", {"paper004": {"dataset": "phantom", "scael": "demo"}})
    message = _message(config)
    assert message.startswith("experiment_sets.paper004.scael: unknown setting (valid: dataset, file, override, scale)")
    assert "scale" in message


def test_bad_key_in_an_experiment_set_override_names_the_experiment_it_lands_in():
    config = _set(_demo(), "experiment_sets",
                  {"paper004": {"dataset": "phantom", "scale": "tiny", "override": {"train": {"epoks": 3}}}})
    message = _message(config)
    assert message.startswith("experiments.paper004_")
    assert ".train.epoks: unknown setting (valid: amp, batch_size, checkpoint, epochs," in message


def test_missing_dataset():
    message = _message(_set(_demo(), "experiments.unet.dataset", "phantm"))
    assert message.startswith("experiments.unet.dataset: unknown dataset 'phantm' (valid: phantom)")


def test_missing_dataset_of_an_experiment_set():
    config = _set(_demo(), "experiment_sets", {"paper004": {"dataset": "nowhere", "scale": "demo"}})
    assert _message(config).startswith("experiment_sets.paper004.dataset: unknown dataset 'nowhere'")


def test_reference_not_in_the_comparison():
    message = _message(_set(_demo(), "datasets.phantom.compare.reference", "resnet"))
    assert message.startswith("datasets.phantom.compare.reference: ")
    assert "'resnet'" in message and "fcn8s" in message and "unet" in message


def test_negative_learning_rate():
    message = _message(_set(_demo(), "experiments.unet.train.optimizer.lr", -1))
    assert message == "experiments.unet.train.optimizer.lr: must be > 0 (got -1)"


def test_missing_required_section():
    message = _message(_delete(_demo(), "datasets.phantom.folds"))
    assert message.startswith("datasets.phantom.folds: ")
    assert "required" in message


def test_unknown_source_kind_lists_the_recipes():
    message = _message(_set(_demo(), "datasets.phantom.source", {"kind": "dicom_folder", "root": "x"}))
    assert message.startswith("datasets.phantom.source.kind: ")
    assert "sample_sheet" in message and "phantom" in message


def test_unknown_table_style():
    message = _message(_set(_demo(), "datasets.phantom.compare.table_styles", ["paper000", "paper999"]))
    assert message.startswith("datasets.phantom.compare.table_styles[1]: unknown table style 'paper999'")


# --- good configurations -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["config.yaml", "tests/workflow/tiny_config.yaml",
                                  *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "resources" / "datasets").glob("*.yaml")),
                                  *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "resources" / "configs").glob("*.yaml"))])
def test_committed_configurations_pass(path):
    config = yaml.safe_load((ROOT / path).read_text())
    resolved = check_config(config, ROOT)
    assert set(resolved["datasets"]) == set(config["datasets"])


@pytest.mark.parametrize("experiment_set", sorted(p.stem for p in (ROOT / "resources" / "experiments").glob("*.yaml")))
@pytest.mark.parametrize("scale", ["paper", "demo", "tiny"])
def test_every_experiment_set_passes_at_every_scale(experiment_set, scale):
    # a set whose models classify (or see part of a 2.5D stack) runs on the dataset of its ready configuration
    configs = ROOT / "resources" / "configs"
    ready = next((p for p in (configs / f"{experiment_set}.yaml", configs / f"{experiment_set}-tiny.yaml")
                  if p.is_file()), None)
    base = yaml.safe_load(ready.read_text()) if ready is not None else _demo()
    dataset = next(iter(base["datasets"]))
    config = _set(base, "experiment_sets", {experiment_set: {"dataset": dataset, "scale": scale}})
    resolved = check_config(config, ROOT)
    assert any(name.startswith(f"{experiment_set}_") for name in resolved["experiments"])
    assert experiment_set in resolved["comparisons"][dataset]


def test_class_losses_and_classifiers_need_what_they_read():
    paper001 = yaml.safe_load((ROOT / "resources" / "configs" / "paper001-tiny.yaml").read_text())
    assert "paper001_cnn3d" in check_config(paper001, ROOT)["experiments"]
    no_target = _delete(paper001, "datasets.ich_avm_tiny.classification")
    assert _message(no_target).startswith("experiments.paper001_cnn3d.loss: 'class_ce' trains on class labels, but "
                                          "dataset 'ich_avm_tiny' has no classification target")
    cnn = {"dataset": "ich_avm_tiny", "network": {"name": "cnn3d"}, "loss": {"name": "dice"},
           "train": {"epochs": 1, "batch_size": 2, "optimizer": {"name": "adam", "lr": 1.0e-3}}}
    paper001 = _set(paper001, "datasets.ich_avm_tiny.compare", {"reference": "cnn", "metrics": ["dice"]})
    assert _message(_set(paper001, "experiments.cnn", cnn)) == (
        "experiments.cnn.loss: network 'cnn3d' only classifies; train it with a class loss (class_ce), not 'dice'")
    sliding = {**cnn, "loss": {"name": "class_ce"}, "predict": {"placement": "sliding_window"}}
    assert "cannot find the lesion itself" in _message(_set(paper001, "experiments.cnn", sliding))
    reference = _set(paper001, "experiments.cnn", {**cnn, "loss": {"name": "class_ce"}})
    assert _message(reference) == ("datasets.ich_avm_tiny.compare.reference: 'cnn' only classifies; the reference of "
                                   "the segmentation statistics must segment")
    scans = {"source": {"kind": "scans", "path": "x"}, "experiments": ["paper001_cnn3d"]}
    assert _message(_set(paper001, "segment.new", scans)) == (
        "segment.new.experiments: ['paper001_cnn3d'] only classify and cannot segment new scans")


def test_a_shared_source_takes_the_owners_cases():
    demo = _demo()
    shared = copy.deepcopy(demo["datasets"]["phantom"])
    for key in ("ingest", "brain_mask", "compare"):
        shared.pop(key, None)
    shared["source"] = {"kind": "dataset", "dataset": "phantom"}
    config = _set(demo, "datasets.again", shared)
    check_config(config, ROOT)
    assert _message(_set(config, "datasets.again.source.dataset", "again")).startswith(
        "datasets.again.source.dataset: 'again' is not another dataset (valid: phantom)")
    assert _message(_set(config, "datasets.again.brain_mask", {})).startswith(
        "datasets.again.brain_mask: the cases are 'phantom''s, converted with its brain_mask")
    assert _message(_set(config, "datasets.again.modality", "MR")).startswith("datasets.again.modality: MR differs")
    chained = _set(config, "datasets.third", {**shared, "source": {"kind": "dataset", "dataset": "again"}})
    assert "shares another dataset's cases itself" in _message(chained)


def test_adamw_and_bfloat16_are_accepted():
    config = _set(_demo(), "experiments.unet.train.optimizer", {"name": "adamw", "lr": 1e-3, "weight_decay": 0.01})
    config = _set(config, "experiments.unet.train.amp", "bfloat16")
    check_config(config, ROOT)


def test_override_lands_in_every_experiment_of_the_set():
    config = _set(_demo(), "experiment_sets", {"paper004": {
        "dataset": "phantom", "scale": "demo", "override": {"train": {"epochs": 30, "batch_size": 4}}}})
    resolved = check_config(config, ROOT)
    members = [e for name, e in resolved["experiments"].items() if name.startswith("paper004_")]
    assert members and all(e["train"]["epochs"] == 30 and e["train"]["batch_size"] == 4 for e in members)


# --- folds without leakage -----------------------------------------------------------------------


def test_group_by_defaults_to_the_recipes_patient_label():
    sheet = yaml.safe_load((ROOT / "resources" / "datasets" / "sample_sheet.yaml").read_text())
    (name,) = sheet["datasets"]
    dataset = _delete(sheet, f"datasets.{name}.folds.group_by")["datasets"][name]
    assert fold_group(dataset) == "group"
    assert fold_group(_set(dataset, "folds.group_by", None)) is None
    assert fold_group(_demo()["datasets"]["phantom"]) is None  # a phantom case is a patient


def test_slices_without_patient_ids_warn():
    covid = yaml.safe_load((ROOT / "resources" / "datasets" / "covid_semiseg_2d.yaml").read_text())
    (warning,) = config_warnings(covid)
    assert "no patient id" in warning and "different folds" in warning
    assert config_warnings(_demo()) == []


# --- held-out test sets ---------------------------------------------------------------------------


def test_test_set_kinds():
    demo = _demo()
    demo["datasets"]["phantom"]["source"].pop("test_cases", None)
    check_config(_set(demo, "datasets.phantom.source.test_cases", 4), ROOT)
    check_config(_set(demo, "datasets.phantom.test", {"fraction": 0.2, "seed": 1}), ROOT)
    check_config(_set(demo, "datasets.phantom.test", {"source": {"kind": "sample_sheet", "sheet": "x.tsv"}}), ROOT)
    both = _set(_set(demo, "datasets.phantom.test", {"fraction": 0.2}), "datasets.phantom.source.test_cases", 2)
    assert _message(both).startswith("datasets.phantom: the phantom's test_cases are the test set already")
    assert _message(_set(demo, "datasets.phantom.test", {"seed": 1})) == "datasets.phantom.test: give either fraction or source"
    assert _message(_set(demo, "datasets.phantom.test", {"fraction": 0.8})) == (
        "datasets.phantom.test.fraction: must be <= 0.5 (got 0.8)")
    phantom_test = _set(demo, "datasets.phantom.test", {"source": {"kind": "phantom", "cases": 3, "seed": 1}})
    assert "test_cases, not a test source" in _message(phantom_test)


# --- segment-only datasets ------------------------------------------------------------------------


def test_segment_sets():
    demo = _demo()
    scans = {"source": {"kind": "scans", "path": "new_scans"}, "masks": "none", "experiments": ["unet"]}
    check_config(_set(demo, "segment.new_scans", scans), ROOT)
    check_config(_set(demo, "segment.later", {"source": {"kind": "scans", "path": "x"}, "folds": [0], "tta": "flips"}), ROOT)
    assert _message(_set(demo, "segment.new_scans", {**scans, "experiments": ["vnet"]})) == (
        "segment.new_scans.experiments: unknown experiment(s) ['vnet'] (valid: fcn8s, unet)")
    assert _message(_set(demo, "segment.phantom", scans)).startswith("segment.phantom: a dataset has this name too")
    assert _message(_set(demo, "segment.new_scans", {**scans, "masks": "some"})).startswith("segment.new_scans.masks: ")
    assert _message(_set(demo, "segment.new_scans", {"source": {"kind": "scans"}})).startswith(
        "segment.new_scans.source.path: ")
