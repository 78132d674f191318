"""Lesion volumes, locations and flags over the demo-sized dataset of 12 cases."""

import numpy as np
import pytest

from lesionbench.phantom import PhantomSettings, render_case
from lesionbench.phantom.anatomy import TISSUES


def test_dataset_mixes_lesion_kinds(rendered, dataset_settings):
    truths = [case.truth for case in rendered]
    assert [t.case_id for t in truths] == [f"ph{i:03d}" for i in range(12)]
    free = [t for t in truths if not t.has_lesion]
    # R3 sequence: the lesion-free share is 25% +- one case.
    assert 2 <= len(free) <= 4
    assert all(t.lesion_class == "none" and t.lesion_volume_ml == 0.0 for t in free)
    lesions = [t for t in truths if t.has_lesion]
    assert any(t.near_skull for t in lesions)
    assert any(t.intraventricular for t in lesions)
    assert any(t.irregular for t in lesions)
    assert {t.lesion_class for t in lesions} == {"avm", "other"}


def test_volumes_are_in_range_and_match_the_masks(rendered, dataset_settings):
    low, high = dataset_settings.volume_range_ml
    for case in rendered:
        measured = case.lesion.sum() * case.grid.voxel_volume_ml
        assert case.truth.lesion_volume_ml == pytest.approx(measured, abs=1e-4)
        if case.truth.has_lesion:
            # Drawn to the voxel: within one voxel of a log-uniform draw in [1, 80] mL.
            assert low - case.grid.voxel_volume_ml <= measured <= high + case.grid.voxel_volume_ml
        else:
            assert measured == 0


def test_lesions_lie_in_the_brain_and_are_one_blob(rendered):
    from scipy import ndimage

    for case in rendered:
        lesion = case.lesion.astype(bool)
        assert not np.any(lesion & ~case.brain.astype(bool))
        if lesion.any():
            _, count = ndimage.label(lesion, structure=np.ones((3, 3, 3), bool))
            assert count == 1
            assert np.all(np.isin(case.tissue[lesion], [TISSUES["hematoma"], TISSUES["vessel"]]))


def test_flags_follow_their_definitions(rendered, dataset_settings):
    for case in rendered:
        if not case.truth.has_lesion:
            continue
        assert case.truth.irregular == (case.solidity < dataset_settings.irregular_solidity)
        assert 0 < case.solidity <= 1


def test_avm_cases_have_hyperdense_vessels(rendered):
    avm = [case for case in rendered if case.truth.lesion_class == "avm"]
    other = [case for case in rendered if case.truth.lesion_class == "other"]
    assert avm and other
    for case in avm:
        vessels = case.tissue == TISSUES["vessel"]
        assert vessels.sum() > 10
        assert np.median(case.hu[vessels]) > 80.0
    for case in other:
        assert not np.any(case.tissue == TISSUES["vessel"])


def test_cases_depend_on_seed_and_index_only():
    a = render_case(2, PhantomSettings.from_dict({"cases": 3, "seed": 4, "matrix": 64, "slices": 8}))
    b = render_case(2, PhantomSettings.from_dict({"cases": 30, "seed": 4, "matrix": 64, "slices": 8}))
    c = render_case(2, PhantomSettings.from_dict({"cases": 3, "seed": 5, "matrix": 64, "slices": 8}))
    assert np.array_equal(a.hu, b.hu) and a.truth == b.truth
    assert not np.array_equal(a.hu, c.hu)


def test_index_outside_the_dataset_is_refused():
    with pytest.raises(ValueError, match=r"case index 3 is outside \[0, 3\)"):
        render_case(3, PhantomSettings.from_dict({"cases": 3, "seed": 0, "matrix": 64, "slices": 4}))


def test_512_matrix_works():
    settings = PhantomSettings.from_dict({"cases": 2, "seed": 0, "matrix": 512, "slices": 4,
                                          "lesion_free_fraction": 0.0})
    case = render_case(0, settings)
    assert case.hu.shape == (4, 512, 512)
    assert case.grid.spacing == (0.45, 0.45, 5.0)
    assert case.truth.has_lesion
    assert case.lesion.sum() * case.grid.voxel_volume_ml == pytest.approx(case.truth.lesion_volume_ml, abs=1e-4)
    assert case.brain.sum() * case.grid.voxel_volume_ml > 200  # mL of brain in a 20 mm slab
