"""The T1 MRI phantom as a workflow source (``source: {kind: phantom_mr, ...}``): the tiny test
configuration is valid, and a wrong modality, a brain mask, a second test set or a bad generator
key is refused before any job, naming its key."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lesionbench.config import SettingsError
from lesionbench.config.workflow import MriPhantomSource, check_config
from lesionbench.phantom.mri import MriPhantomSettings

ROOT = Path(__file__).resolve().parents[3]
TINY_MRI = ROOT / "tests" / "workflow" / "tiny_mri_config.yaml"


def _tiny() -> dict[str, Any]:
    return yaml.safe_load(TINY_MRI.read_text())


def _changed(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """The tiny MRI configuration with ``change`` applied to its dataset (a copy)."""
    config = copy.deepcopy(_tiny())
    change(config["datasets"]["mri_tiny"])
    return config


def _message(config: dict[str, Any]) -> str:
    with pytest.raises(SettingsError) as caught:
        check_config(config, ROOT)
    return str(caught.value)


def test_the_tiny_mri_config_is_valid() -> None:
    resolved = check_config(_tiny(), ROOT)
    dataset = resolved["datasets"]["mri_tiny"]
    assert dataset["source"]["kind"] == "phantom_mr" and dataset["modality"] == "MR"
    assert "brain_mask" not in dataset and dataset["samples"]["layout"] == "2.5d"
    assert dataset["preprocess"]["normalize"] == "minmax"


def test_the_source_is_the_generator_settings_plus_kind_and_test_cases() -> None:
    source = MriPhantomSource.model_validate(_tiny()["datasets"]["mri_tiny"]["source"])
    assert (source.kind, source.cohort, source.cases, source.test_cases) == ("phantom_mr", "atlas", 6, 2)
    assert source.seed == 3
    generator = MriPhantomSettings.from_dict({k: v for k, v in source.to_dict().items() if k != "test_cases"})
    assert generator.shape_xyz == source.shape_xyz == (49, 58, 47) and generator.spacing == 4.0
    # paper scale: ATLAS R2.0's 8:2 hold-out of 229 cases
    check_config(_changed(lambda d: d["source"].update(cases=183, test_cases=46, scale=1.0)), ROOT)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(modality="CT"),
     "datasets.mri_tiny.modality: the phantom_mr source is T1 MRI: modality must be MR, not CT"),
    (lambda d: d.update(brain_mask={}),
     "datasets.mri_tiny.brain_mask: the phantom_mr images are skull-stripped already; remove brain_mask"),
    (lambda d: d.update(channels=2), "datasets.mri_tiny.channels: the phantom_mr source has one channel (T1), not 2"),
    (lambda d: d.update(test={"fraction": 0.2}),
     "datasets.mri_tiny: the phantom's test_cases are the test set already"),
])
def test_dataset_level_problems_name_their_key(change: Callable[[dict[str, Any]], Any], message: str) -> None:
    assert _message(_changed(change)).startswith(message)


@pytest.mark.parametrize(("change", "key", "text"), [
    (lambda d: d["source"].update(scael=0.3), "scael", "unknown setting"),
    (lambda d: d["source"].update(modality="MR"), "modality", "unknown setting"),
    (lambda d: d["source"].update(cohort="isles22"), "cohort", "'isles22' is not one of 'atlas' or 'isles2015'"),
    (lambda d: d["source"].pop("seed"), "seed", "required setting is missing"),
    (lambda d: d["source"].update(cases=1), "cases", "must be >= 2"),
    (lambda d: d["source"].update(test_cases=-1), "test_cases", "must be >= 0"),
    (lambda d: d["source"].update(shape=[40, 40, 40]), "scale", "give shape or scale, not both"),
])
def test_source_problems_name_their_key(change: Callable[[dict[str, Any]], Any], key: str, text: str) -> None:
    message = _message(_changed(change))
    assert message.startswith("datasets.mri_tiny.source.") and f".{key}: {text}" in message


def test_a_fraction_test_set_or_a_test_source_of_this_kind() -> None:
    check_config(_changed(lambda d: (d["source"].pop("test_cases"), d.update(test={"fraction": 0.2}))), ROOT)
    test_source = {"source": {"kind": "phantom_mr", "cases": 2, "seed": 0}}
    message = _message(_changed(lambda d: (d["source"].pop("test_cases"), d.update(test=test_source))))
    assert message == "datasets.mri_tiny.test: a phantom's test set is its source's test_cases, not a test source"


def test_an_unknown_kind_lists_phantom_mr() -> None:
    message = _message(_changed(lambda d: d.update(source={"kind": "phantom_mri", "cases": 2, "seed": 0})))
    assert message.startswith("datasets.mri_tiny.source.kind: ") and "phantom_mr" in message
