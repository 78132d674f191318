"""The committed schemas and docs/configuration.md are what the settings models generate, and they are
real JSON schemas: the committed configurations pass them, bad ones do not."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

from lesionbench.cli import main
from lesionbench.config import schema

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("relative", sorted(schema.generated_files()))
def test_committed_file_is_what_the_models_generate(relative):
    committed = (ROOT / relative).read_text(encoding="utf-8")
    assert committed == schema.generated_files()[relative], (
        f"{relative} differs from the settings models: run `lesionbench config-schema --write` and commit it")


def _workflow_validator() -> jsonschema.Draft202012Validator:
    built = schema.workflow_schema()
    jsonschema.Draft202012Validator.check_schema(built)
    return jsonschema.Draft202012Validator(built)


@pytest.mark.parametrize("path", ["config.yaml", "tests/workflow/tiny_config.yaml",
                                  *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "resources" / "datasets").glob("*.yaml"))])
def test_committed_configurations_pass_the_json_schema(path):
    _workflow_validator().validate(yaml.safe_load((ROOT / path).read_text()))


@pytest.mark.parametrize(("where", "value"), [
    (("experiments", "unet", "train", "optimizer", "lr"), -1),
    (("experiments", "unet", "train", "amp"), "fp8"),
    (("datasets", "phantom", "compare", "metrics"), ["dice", "dcie"]),
    (("datasets", "phantom", "compare", "correction"), "approx"),
    (("datasets", "phantom", "preprocess", "spaceing"), [1, 1, 5]),
    (("datasets", "phantom", "source"), {"kind": "phantom", "cases": 12}),  # seed missing
])
def test_bad_configurations_fail_the_json_schema(where, value):
    config = copy.deepcopy(yaml.safe_load((ROOT / "config.yaml").read_text()))
    node = config
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    assert list(_workflow_validator().iter_errors(config))


def test_schema_lists_the_registries():
    text = schema.to_yaml(schema.workflow_schema())
    for name in ("adamw", "bfloat16", "fdr_bh", "hd95", "paper004", "sample_sheet", "dice_bce", "fcn8s"):
        assert name in text


@pytest.mark.parametrize("experiment_set", sorted((ROOT / "resources" / "experiments").glob("*.yaml")))
def test_experiment_set_files_pass_their_schema(experiment_set):
    built = schema.experiment_set_schema()
    jsonschema.Draft202012Validator.check_schema(built)
    jsonschema.validate(yaml.safe_load(experiment_set.read_text()), built)


def test_parse_docstring_reads_the_summary_and_attributes():
    summary, attributes = schema.parse_docstring('''First line
    goes on.

    Attributes:
        alpha: the first
            key, two lines.
        beta (int): the second.

    Raises:
        ValueError: not an attribute.
    ''')
    assert summary == "First line goes on."
    assert attributes == {"alpha": "the first key, two lines.", "beta": "the second."}


def test_config_schema_command_prints_the_schema(capsys):
    assert main(["config-schema"]) == 0
    assert capsys.readouterr().out == schema.to_yaml(schema.workflow_schema())
    assert main(["config-schema", "--experiment-set"]) == 0
    assert "lesionbench experiment set" in capsys.readouterr().out


def test_config_schema_write_refuses_a_folder_that_is_no_checkout(tmp_path, capsys):
    assert main(["config-schema", "--write", str(tmp_path)]) == 2
    assert "not a lesionbench checkout" in capsys.readouterr().err


def test_check_config_command(tmp_path, capsys):
    assert main(["check-config", str(ROOT / "config.yaml")]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {ROOT / 'config.yaml'}: 1 dataset, 2 experiments, 1 comparison")
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["experiments"]["unet"]["train"]["optimizer"]["lr"] = -1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    assert main(["check-config", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == (
        "lesionbench check-config: error: experiments.unet.train.optimizer.lr: must be > 0 (got -1)")
    assert main(["check-config", str(tmp_path / "missing.yaml")]) == 2
    assert "no such configuration file" in capsys.readouterr().err
