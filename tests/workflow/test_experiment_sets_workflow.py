"""The three experiment sets of issue 4 run end to end at their tiny scale (one epoch, narrow
networks) on the tiny phantom, each producing its comparison table and complexity table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.workflow.test_workflow import TINY, snakemake

pytestmark = pytest.mark.workflow

SETS = {"paper000": "ours", "paper002": "sa_ca_spa", "paper004": "resatt_unet"}


@pytest.fixture(scope="module")
def sets_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("sets")
    config = yaml.safe_load(TINY.read_text())
    config["experiments"] = {}
    del config["datasets"]["tiny"]["compare"]
    config["experiment_sets"] = {name: {"dataset": "tiny", "scale": "tiny"} for name in SETS}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(workdir, workdir / "config.yaml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-8000:]
    return workdir


@pytest.mark.parametrize("name", sorted(SETS))
def test_each_set_has_its_table_against_the_papers_model(sets_run: Path, name: str) -> None:
    stats = sets_run / "results" / "tiny" / "stats" / name
    tests = pd.read_csv(stats / "tests.tsv", sep="\t")
    assert set(tests["reference"]) == {f"{name}_{SETS[name]}"}
    data = yaml.safe_load((Path(__file__).parents[2] / "resources" / "experiments" / f"{name}.yaml").read_text())
    others = {f"{name}_{e}" for e in data["experiments"]} - {f"{name}_{SETS[name]}"}
    assert set(tests["model"]) == others
    complexity = pd.read_csv(stats / "complexity.tsv", sep="\t")
    assert sorted(complexity["experiment"]) == sorted(f"{name}_{e}" for e in data["experiments"])
    assert (complexity["parameters"] > 0).all() and (complexity["flops"] > 0).all()
    first_metric = data["compare"]["metrics"][0]
    assert (sets_run / "results" / "tiny" / "figures" / name / f"boxplot_{first_metric}.png").is_file()
    style = data["compare"]["table_styles"][0] if "table_styles" in data["compare"] else "paper000"
    assert (stats / f"table_{style}.md").read_text().count("|") > 10
