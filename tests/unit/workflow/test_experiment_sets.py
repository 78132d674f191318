"""Experiment sets expand into experiments and comparisons (lesionbench.workflow)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lesionbench.workflow import (
    ExperimentSetError, deep_merge, load_experiment_set, resolve_config, scaled_experiments,
)

REPO = Path(__file__).resolve().parents[3]

SET = {
    "description": "toy",
    "reference": "ours",
    "compare": {"metrics": ["dice"]},
    "defaults": {"loss": {"name": "dice"}, "train": {"epochs": 240, "batch_size": 3, "optimizer": {"name": "adam", "lr": 4e-5}}},
    "experiments": {
        "ours": {"label": "Ours", "network": {"name": "unet", "activation": "mish"}},
        "fcn": {"network": {"name": "fcn8s"}, "loss": {"name": "bce"}},
    },
    "scales": {
        "tiny": {
            "all": {"train": {"epochs": 1, "batch_size": 8}},
            "experiments": {"ours": {"network": {"features": [4, 8, 16, 32, 64]}}},
        }
    },
}


def config_with_set(tmp_path: Path, scale: str) -> dict:
    (tmp_path / "resources" / "experiments").mkdir(parents=True)
    (tmp_path / "resources" / "experiments" / "toy.yaml").write_text(yaml.safe_dump(SET))
    return {
        "datasets": {"ph": {"compare": {"reference": "base", "metrics": ["dice", "ppv"], "alpha": 0.01}}},
        "experiments": {"base": {"dataset": "ph", "network": {"name": "unet"}, "loss": {"name": "dice"}, "train": {}}},
        "experiment_sets": {"toy": {"dataset": "ph", "scale": scale}},
    }


def test_deep_merge_merges_mappings_and_replaces_the_rest() -> None:
    assert deep_merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "e": 2}) == {"a": {"b": 1, "c": [2]}, "d": 1, "e": 2}


def test_set_experiments_get_defaults_scale_and_prefix(tmp_path: Path) -> None:
    config = resolve_config(config_with_set(tmp_path, "tiny"), tmp_path)
    ours = config["experiments"]["toy_ours"]
    assert ours["dataset"] == "ph" and ours["label"] == "Ours"
    assert ours["train"] == {"epochs": 1, "batch_size": 8, "optimizer": {"name": "adam", "lr": 4e-5}}
    assert ours["network"] == {"name": "unet", "activation": "mish", "features": [4, 8, 16, 32, 64]}
    assert config["experiments"]["toy_fcn"]["loss"] == {"name": "bce"}
    assert config["experiments"]["toy_fcn"]["label"] == "fcn"


def test_paper_scale_keeps_the_papers_settings(tmp_path: Path) -> None:
    config = resolve_config(config_with_set(tmp_path, "paper"), tmp_path)
    assert config["experiments"]["toy_ours"]["train"]["epochs"] == 240


def test_comparisons_main_and_set(tmp_path: Path) -> None:
    comparisons = resolve_config(config_with_set(tmp_path, "tiny"), tmp_path)["comparisons"]["ph"]
    assert comparisons["main"]["experiments"] == ["base"]
    assert comparisons["main"]["compare"]["reference"] == "base"
    assert sorted(comparisons["toy"]["experiments"]) == ["toy_fcn", "toy_ours"]
    settings = comparisons["toy"]["compare"]
    assert settings["reference"] == "toy_ours"
    assert settings["metrics"] == ["dice"] and settings["alpha"] == 0.01  # set overrides, dataset fills in
    assert settings["labels"] == {"toy_ours": "Ours", "toy_fcn": "fcn"}


def test_unknown_scale_names_the_file_and_the_scales(tmp_path: Path) -> None:
    with pytest.raises(ExperimentSetError, match=r"experiment_sets.toy.scale: unknown scale 'huge' of .*toy.yaml \(valid: paper, tiny\)"):
        resolve_config(config_with_set(tmp_path, "huge"), tmp_path)


def test_unknown_key_in_a_set_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**SET, "epochs": 3}))
    with pytest.raises(ExperimentSetError, match=r"bad.yaml: epochs: unknown setting \(valid: "):
        load_experiment_set(path)


def test_experiment_on_unknown_dataset_is_an_error(tmp_path: Path) -> None:
    config = config_with_set(tmp_path, "tiny")
    config["experiments"]["base"]["dataset"] = "nope"
    with pytest.raises(ExperimentSetError, match=r"experiments.base.dataset: unknown dataset 'nope' \(valid: ph\)"):
        resolve_config(config, tmp_path)


@pytest.mark.parametrize("path", sorted((REPO / "resources" / "experiments").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_sets_load_at_every_scale(path: Path) -> None:
    """Every shipped experiment set parses, and its networks and losses exist at every scale."""
    from lesionbench.losses import available_losses
    from lesionbench.networks import available_networks

    data = load_experiment_set(path)
    for scale in ["paper", *data.get("scales", {})]:
        for name, experiment in scaled_experiments(data, scale, path).items():
            assert experiment["network"]["name"] in available_networks(), (path.name, scale, name)
            assert experiment["loss"]["name"] in available_losses(), (path.name, scale, name)


#: Sets whose networks need a 2.5D stack of slices of a given size: (stack channels, slice size);
#: paper 003's four slices, 96 x 96 for CPA's 6 x 6 patches at 5 stages.
SET_INPUTS = {"paper003": (4, (96, 96)), "paper003ablation": (4, (96, 96))}


@pytest.mark.parametrize("path", sorted((REPO / "resources" / "experiments").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_sets_build_their_tiny_networks(path: Path) -> None:
    """At the tiny scale, every network of a shipped set builds from its options and maps a
    (1, 1, 32, 32) slice (the set's stack and slice size of :data:`SET_INPUTS`; as many channels
    as its ``input_offsets`` where it sees part of the stack), or a (1, 1, 16, 16, 16) VOI for
    3D-only networks, to logits of the same size (so option names are right)."""
    import torch

    from lesionbench.networks import create_network, segments, supported_spatial_dims

    data = load_experiment_set(path)
    assert "tiny" in data["scales"] and "demo" in data["scales"], path.name
    torch.manual_seed(0)
    stack, slice_size = SET_INPUTS.get(path.stem, (1, (32, 32)))
    for name, experiment in scaled_experiments(data, "tiny", path).items():
        network_name = experiment["network"]["name"]
        options = {k: v for k, v in experiment["network"].items() if k not in ("name", "input_offsets")}
        channels = len(experiment["network"].get("input_offsets") or ()) or stack
        size = slice_size if 2 in supported_spatial_dims(network_name) else (16, 16, 16)
        if len(size) == 3:
            options = {"spatial_dims": 3, **options}
            if network_name != "unet":
                options.setdefault("input_size", list(size))
        network = create_network(network_name, in_channels=channels, **{"out_channels": 1, **options}).eval()
        with torch.no_grad():
            output = network(torch.rand(1, channels, *size))
        if not segments(network_name):  # a classifier: class logits only
            assert output.cls.shape == (1, 2), (path.name, name)
            continue
        logits = output if isinstance(output, torch.Tensor) else output.seg
        assert logits.shape[2:] == size, (path.name, name)


def test_report_captions_are_current() -> None:
    """workflow/report/*.rst equal what the package's captions generate (run
    ``python -m lesionbench.workflow.captions workflow/report`` after changing a caption)."""
    from lesionbench.workflow.captions import caption_files

    for name, text in caption_files().items():
        assert (REPO / "workflow" / "report" / name).read_text(encoding="utf-8") == text, name


def test_every_comparison_writes_all_table_styles_configured_first(tmp_path: Path) -> None:
    comparisons = resolve_config(config_with_set(tmp_path, "tiny"), tmp_path)["comparisons"]["ph"]
    assert comparisons["main"]["compare"]["table_styles"] == ["paper000", "paper001", "paper002", "paper003", "paper004"]
    config = config_with_set(tmp_path / "b", "tiny")
    config["datasets"]["ph"]["compare"]["table_styles"] = ["paper004", "paper002"]
    styles = resolve_config(config, tmp_path / "b")["comparisons"]["ph"]["main"]["compare"]["table_styles"]
    assert styles == ["paper004", "paper002", "paper000", "paper001", "paper003"]


def test_a_paper_scale_entry_refines_the_papers_settings() -> None:
    # paper000.yaml's "paper" scale adds Ghiasi et al.'s DropBlock schedule to the full model only
    path = REPO / "resources" / "experiments" / "paper000.yaml"
    experiments = scaled_experiments(load_experiment_set(path), "paper", path)
    assert experiments["ours"]["network"] == {"name": "improved_unet", "dropblock_schedule_steps": 137600}
    assert "dropblock_schedule_steps" not in experiments["rcsp_cbm4_fpa"]["network"]
    assert experiments["ours"]["train"]["epochs"] == 240


def test_override_where_the_set_is_enabled_refines_every_experiment(tmp_path: Path) -> None:
    config = config_with_set(tmp_path, "tiny")
    config["experiment_sets"]["toy"]["override"] = {"train": {"epochs": 30, "batch_size": 4},
                                                    "augment": {"mode": "online"}}
    experiments = resolve_config(config, tmp_path)["experiments"]
    for name in ("toy_ours", "toy_fcn"):
        assert experiments[name]["train"] == {"epochs": 30, "batch_size": 4, "optimizer": {"name": "adam", "lr": 4e-5}}
        assert experiments[name]["augment"] == {"mode": "online"}
    assert experiments["toy_ours"]["network"]["features"] == [4, 8, 16, 32, 64]  # the scale still applies
    config = config_with_set(tmp_path / "bad", "tiny")
    config["experiment_sets"]["toy"]["override"] = {"dataset": "other"}
    with pytest.raises(ExperimentSetError, match=r"experiment_sets.toy.override.dataset: unknown setting \(valid: augment, loss, network, predict, train\)"):
        resolve_config(config, tmp_path / "bad")
