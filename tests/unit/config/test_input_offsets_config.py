"""``network.input_offsets`` is checked against the dataset's samples before any job runs."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from lesionbench.config import SettingsError
from lesionbench.config.workflow import check_config

ROOT = Path(__file__).resolve().parents[3]
READY = ROOT / "resources" / "configs" / "paper003-tiny.yaml"


def _config(offsets: list[int] | None = None, **samples: object) -> dict:
    config = copy.deepcopy(yaml.safe_load(READY.read_text()))
    config["datasets"]["atlas_tiny"]["samples"].update(samples)
    if offsets is not None:
        config["experiment_sets"]["paper003"]["override"] = {"network": {"input_offsets": offsets}}
    return config


def test_the_ready_config_gives_the_2d_baselines_the_target_slice() -> None:
    experiments = check_config(_config(), ROOT)["experiments"]
    assert experiments["paper003_unet"]["network"]["input_offsets"] == [0]
    assert "input_offsets" not in experiments["paper003_tsrl_net"]["network"]


@pytest.mark.parametrize(("offsets", "samples", "message"), [
    (None, {"layout": "2d"}, "experiments.paper003_unet.network.input_offsets: [0] selects slices of a 2.5D stack, "
                             "but the samples have layout '2d' (datasets.atlas_tiny.samples)"),
    ([-2, 0], {"slice_offsets": [-1, 0, 1]}, "experiments.paper003_unet.network.input_offsets: [-2, 0] must be "
                                             "distinct offsets of the samples' slice_offsets [-1, 0, 1], including the "
                                             "target slice 0 (datasets.atlas_tiny.samples)"),
])
def test_input_offsets_the_samples_cannot_give_are_refused(offsets: list[int] | None, samples: dict,
                                                           message: str) -> None:
    with pytest.raises(SettingsError) as error:
        check_config(_config(offsets, **samples), ROOT)
    assert str(error.value) == message
