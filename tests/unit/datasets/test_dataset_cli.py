"""``lesionbench dataset cases|ingest``, the recipe registry and the recipe configs in resources/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from dataset_files import head_phantom, write_volume

from lesionbench.augment.settings import AugmentSettings
from lesionbench.cli import main
from lesionbench.datasets import RECIPES, DatasetError, get_recipe
from lesionbench.preprocess import PreprocessSettings
from lesionbench.samples import SampleSettings

RESOURCES = Path(__file__).resolve().parents[3] / "resources" / "datasets"


@pytest.fixture
def sheet(tmp_path):
    image, lesion = head_phantom((6, 8, 10))
    write_volume(tmp_path / "a" / "ct.nii.gz", image)
    write_volume(tmp_path / "a" / "mask.nii.gz", lesion)
    path = tmp_path / "samples.tsv"
    path.write_text("case_id\timage\tmask\tgroup\ncase01\ta/ct.nii.gz\ta/mask.nii.gz\tp7\n")
    return path


def test_cases_prints_one_id_a_line(sheet, capsys):
    assert main(["dataset", "cases", "--kind", "sample_sheet", "--source", json.dumps({"sheet": str(sheet)})]) == 0
    assert capsys.readouterr().out == "case01\n"


def test_ingest_writes_the_three_outputs(sheet, tmp_path):
    out = tmp_path / "results"
    source = json.dumps({"kind": "sample_sheet", "sheet": str(sheet), "modality": "CT"})
    code = main(["dataset", "ingest", "--kind", "sample_sheet", "--source", source, "--case", "case01",
                 "--image", str(out / "images/case01.nii.gz"), "--mask", str(out / "masks/case01.nii.gz"),
                 "--meta", str(out / "meta/case01.json"), "--salt", "pepper"])
    assert code == 0
    meta = json.loads((out / "meta/case01.json").read_text())
    assert meta["labels"]["group"] == "p7" and meta["modality"] == "CT" and meta["size"] == [10, 8, 6]
    assert (out / "images/case01.nii.gz").is_file() and (out / "masks/case01.nii.gz").is_file()


def test_bad_input_exits_2_with_one_message(sheet, tmp_path, capsys):
    sheet.write_text("case_id\timage\tmask\ncase01\ta/missing.nii.gz\ta/mask.nii.gz\n")
    assert main(["dataset", "cases", "--kind", "sample_sheet", "--source", json.dumps({"sheet": str(sheet)})]) == 2
    assert capsys.readouterr().err.strip().endswith(
        f"{sheet}: line 2, column image: file {tmp_path / 'a' / 'missing.nii.gz'} does not exist")
    assert main(["dataset", "cases", "--kind", "dicom", "--source", "{}"]) == 2
    assert "unknown dataset kind 'dicom'; valid kinds are ['atlas', 'atlas_r1', 'covid_semiseg_2d', 'ct_ich', " \
           "'isles15', 'isles22', 'sample_sheet']" in capsys.readouterr().err


def test_registry_and_source_checks():
    assert sorted(RECIPES) == ["atlas", "atlas_r1", "covid_semiseg_2d", "ct_ich", "isles15", "isles22", "sample_sheet"]
    assert all(kind == recipe.kind for kind, recipe in RECIPES.items())
    with pytest.raises(KeyError, match="valid kinds are"):
        get_recipe("nifti")
    with pytest.raises(DatasetError, match=r"source kind 'atlas' given to the 'ct_ich' recipe"):
        RECIPES["ct_ich"].case_ids({"kind": "atlas", "root": "x"})
    with pytest.raises(DatasetError, match=r"atlas source: missing key 'root'"):
        RECIPES["atlas"].case_ids({})


@pytest.mark.parametrize("name", ["ct_ich", "isles22", "atlas", "covid_semiseg_2d", "sample_sheet"])
def test_recipe_configs_parse_with_the_stage_settings(name):
    config = yaml.safe_load((RESOURCES / f"{name}.yaml").read_text())
    (dataset,) = config["datasets"].values()
    assert set(dataset) >= {"source", "modality", "preprocess", "folds", "samples", "augment", "compare"}
    recipe = get_recipe(dataset["source"]["kind"])
    assert recipe.kind == name
    recipe.parse_source(dataset["source"])  # every key is one the recipe knows
    preprocess = PreprocessSettings.from_dict(dataset["preprocess"])
    samples = SampleSettings.from_dict(dataset["samples"])
    AugmentSettings.from_dict(dataset["augment"])
    channels = len(dataset["source"].get("channels", [None])) if name == "isles22" else 1
    assert dataset.get("channels", 1) == channels
    if recipe.modality == "MR":
        assert preprocess.normalize == "zscore_head" and preprocess.window is None and "brain_mask" not in dataset
    if name in ("atlas", "isles22"):
        assert samples.layout == "2.5d" and samples.slice_offsets == (-2, -1, 0, 1) and samples.size == (192, 192)
    if name == "covid_semiseg_2d":
        assert preprocess.normalize == "none" and preprocess.spacing is None and "brain_mask" not in dataset
        assert samples.size == (256, 256)
