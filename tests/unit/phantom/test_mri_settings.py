"""MRI phantom settings: cohort defaults, demo scaling, the field-of-view check; cohort splits."""

import numpy as np
import pytest

from lesionbench.config import SettingsError
from lesionbench.phantom.mri import COHORTS, MriPhantomSettings, evaluation_config, split_cases


@pytest.mark.parametrize("cohort, shape, cases", [
    ("atlas", (197, 233, 189), 229),
    ("isles2015", (230, 230, 154), 28),
])
def test_cohort_defaults(cohort, shape, cases):
    settings = MriPhantomSettings.from_dict({"cohort": cohort})
    assert settings.shape_xyz == shape
    assert settings.cases == cases
    assert settings.spacing == 1.0
    assert settings.grid().shape_zyx == shape[::-1]


def test_atlas_grid_is_mni_like():
    """The full ATLAS grid's first voxel is at MNI152NLin2009aSym's (-98, -134, -72) mm."""
    affine = MriPhantomSettings.from_dict({}).grid().affine_ras()
    np.testing.assert_allclose(affine, [[1, 0, 0, -98], [0, 1, 0, -134], [0, 0, 1, -72], [0, 0, 0, 1]])


@pytest.mark.parametrize("given, shape, spacing", [
    ({"scale": 0.5}, (98, 116, 94), 2.0),
    ({"scale": 0.25, "cohort": "isles2015"}, (58, 58, 38), 4.0),
    ({"shape": [96, 112, 96], "spacing_mm": 2}, (96, 112, 96), 2.0),
    ({"shape": [48, 56, 48]}, (48, 56, 48), round(233 / 56, 4)),  # the tightest axis holds the FOV
])
def test_demo_grids_keep_the_field_of_view(given, shape, spacing):
    settings = MriPhantomSettings.from_dict(given)
    assert settings.shape_xyz == shape
    assert settings.spacing == pytest.approx(spacing)
    cohort = COHORTS[settings.cohort]
    assert all(n * settings.spacing >= 0.95 * f for n, f in zip(shape, cohort.fov_mm))


@pytest.mark.parametrize("given, message", [
    ({"shape": [64, 64, 64], "spacing_mm": 1.0}, "the brain would be cut"),
    ({"shape": [64, 76, 62], "scale": 0.5}, "give shape or scale, not both"),
    ({"lesion_count_weights": [0, 0]}, "the weights sum to zero"),
    ({"noise_fraction": [0.05, 0.01]}, "is above high"),
    ({"cohort": "isles2022"}, "cohort"),
    ({"kind": "phantom", "modality": "CT"}, "the T1 phantom is MR"),
])
def test_bad_settings_are_refused(given, message):
    with pytest.raises(SettingsError, match=message):
        MriPhantomSettings.from_dict(given)


def test_a_workflow_source_kind_is_ignored_and_cases_can_be_set():
    settings = MriPhantomSettings.from_dict({"kind": "phantom", "modality": "MR", "cohort": "isles2015", "cases": 5})
    assert settings.cases == 5
    assert "kind" not in settings.to_dict() and "modality" not in settings.to_dict()
    assert MriPhantomSettings.from_dict(settings.to_dict()) == settings


def test_atlas_split_holds_out_46_of_229():
    ids = [f"mr{i:03d}" for i in range(229)]
    split = split_cases(ids, "atlas", seed=3)
    assert (len(split["train"]), len(split["test"])) == (183, 46)
    assert sorted(split["train"] + split["test"]) == ids
    assert split_cases(ids, "atlas", seed=3) == split
    assert split_cases(ids, "atlas", seed=4)["test"] != split["test"]
    assert evaluation_config("atlas", seed=3)["test"] == {"fraction": 0.2, "seed": 3}


def test_isles_split_is_five_folds_of_6_6_6_5_5():
    ids = [f"mr{i:03d}" for i in range(28)]
    folds = split_cases(ids, "isles2015", seed=0)["folds"]
    assert sorted(len(f["test"]) for f in folds) == [5, 5, 6, 6, 6]
    assert sorted(case for f in folds for case in f["test"]) == ids
    assert all(not set(f["test"]) & set(f["train"] + f["val"]) for f in folds)
    assert evaluation_config("isles2015") == {"folds": {"k": 5, "seed": 0}}
