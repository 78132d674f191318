"""Stroke lesions of the MRI phantom: placement, sizes, slices, counts and reproducibility."""

import numpy as np
import pytest
from scipy import ndimage

from lesionbench.phantom.mri import TISSUES, MriPhantomSettings, render_case
from lesionbench.phantom.mri.anatomy import draw_brain
from lesionbench.phantom.mri.lesions import draw_lesions

TINY = {"cases": 20, "seed": 7, "shape": [48, 56, 48]}   # 4.16 mm voxels


@pytest.fixture(scope="module")
def cohort():
    """Twenty tiny ATLAS-like cases (default lesion settings)."""
    settings = MriPhantomSettings.from_dict(TINY)
    return [render_case(i, settings) for i in range(settings.cases)]


def _plans(settings, cases):
    return [draw_lesions(np.random.default_rng([settings.seed, i, 1]), settings,
                         draw_brain(np.random.default_rng([settings.seed, i, 0]))) for i in range(cases)]


def test_lesions_lie_in_the_brain_parenchyma(cohort):
    for case in cohort:
        lesion = case.lesion.astype(bool)
        assert set(np.unique(case.lesion)) == {0, 1}
        assert np.all(case.brain[lesion] == 1)
        assert np.all(case.tissue[lesion] == TISSUES["lesion"])
        assert np.all(case.tissue[~lesion] != TISSUES["lesion"])


def test_truth_counts_what_the_mask_holds(cohort):
    for case in cohort:
        truth, lesion = case.truth, case.lesion.astype(bool)
        voxel = case.grid.voxel_volume_ml
        assert truth.lesion_volume_ml == pytest.approx(lesion.sum() * voxel, abs=1e-3)
        assert sum(truth.lesion_volumes_ml) == pytest.approx(truth.lesion_volume_ml, abs=1e-3)
        assert truth.slices_with_lesion == int(lesion.any(axis=(1, 2)).sum())
        assert truth.n_lesions == len(truth.lesion_kinds) == len(truth.lesion_sites) == len(truth.lesion_sides)
        assert truth.n_lesions >= 1  # ATLAS-like: no lesion-free case


def test_most_axial_slices_are_lesion_free(cohort):
    free = [1.0 - c.truth.slices_with_lesion / c.truth.slices_with_brain for c in cohort]
    assert np.mean(free) >= 0.6, free
    assert min(free) > 0.0


def test_volumes_are_skewed_median_a_few_ml(cohort):
    volumes = np.array([c.truth.lesion_volume_ml for c in cohort])
    assert np.median(volumes) < np.mean(volumes)
    assert 0.5 <= np.median(volumes) <= 20.0
    assert volumes.max() > 4 * np.median(volumes)


def test_drawn_volume_distribution_is_atlas_like():
    """Over 400 drawn cases (no rendering): median a few mL, many under 1 mL, a tail past 50 mL."""
    settings = MriPhantomSettings.from_dict({"cases": 400})
    totals = np.array([sum(p.volume_ml for p in plans) for plans in _plans(settings, 400)])
    assert 2.0 <= np.median(totals) <= 10.0
    assert np.mean(totals) > 1.5 * np.median(totals)
    assert 0.1 <= np.mean(totals < 1.0) <= 0.4
    assert np.mean(totals > 50.0) >= 0.02
    counts = np.bincount([len(plans) for plans in _plans(settings, 400)], minlength=4)
    assert counts[0] == 0
    np.testing.assert_allclose(counts[1:] / 400, [0.6, 0.25, 0.15], atol=0.06)


def test_drawn_volume_is_rendered_volume():
    settings = MriPhantomSettings.from_dict({**TINY, "shape": [64, 76, 62], "lesion_count_weights": [1.0]})
    for index, plans in enumerate(_plans(settings, 6)):
        case = render_case(index, settings)
        voxels = max(1, round(plans[0].volume_ml / case.grid.voxel_volume_ml))
        assert case.lesion.sum() == voxels


@pytest.mark.parametrize("fraction, kind", [(1.0, "cortical"), (0.0, "subcortical")])
def test_territories(fraction, kind):
    """Cortical lesions reach the cortex; subcortical ones stay deep; each on its drawn side."""
    settings = MriPhantomSettings.from_dict({**TINY, "shape": [64, 76, 62], "cortical_fraction": fraction,
                                             "lesion_count_weights": [1.0]})
    for index in range(6):
        case = render_case(index, settings)
        assert case.truth.lesion_kinds == [kind]
        lesion = case.lesion.astype(bool)
        outer = ndimage.distance_transform_edt(case.brain, sampling=case.grid.spacing_zyx)
        # Outside the brain, or at its CSF rim and cortex: within 7 mm of the mask's edge.
        if kind == "cortical":
            assert outer[lesion].min() <= 7.0
        else:
            assert outer[lesion].min() >= 10.0
        x_ras = case.grid.origin_ras[0] + case.grid.spacing[0] * np.nonzero(lesion)[2].mean()
        side = "right" if x_ras > case.params.center[0] else "left"
        assert case.truth.lesion_sides == [side]


def test_lesion_free_cases():
    settings = MriPhantomSettings.from_dict({**TINY, "lesion_free_fraction": 1.0})
    case = render_case(0, settings)
    assert case.lesion.sum() == 0 and case.truth.n_lesions == 0 and case.truth.lesion_volume_ml == 0.0


def test_same_seed_and_index_same_case_whatever_the_dataset_size():
    a = render_case(3, MriPhantomSettings.from_dict(TINY))
    b = render_case(3, MriPhantomSettings.from_dict({**TINY, "cases": 5}))
    for name in ("image", "lesion", "brain", "tissue", "bias"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.truth == b.truth


def test_other_index_or_seed_other_case():
    a = render_case(3, MriPhantomSettings.from_dict(TINY))
    for other in (render_case(4, MriPhantomSettings.from_dict(TINY)),
                  render_case(3, MriPhantomSettings.from_dict({**TINY, "seed": 8}))):
        assert not np.array_equal(a.image, other.image)
        assert not np.array_equal(a.brain, other.brain)
        assert a.truth.intensities != other.truth.intensities


def test_a_demo_case_is_its_full_size_twin_subject():
    """Draws do not depend on the grid: a smaller grid shows the same subject and lesions."""
    small = render_case(5, MriPhantomSettings.from_dict(TINY))
    larger = render_case(5, MriPhantomSettings.from_dict({**TINY, "shape": [64, 76, 62]}))
    for key in ("n_lesions", "lesion_kinds", "lesion_sites", "lesion_sides", "intensities", "bias_strength"):
        assert getattr(small.truth, key) == getattr(larger.truth, key)
    assert small.truth.lesion_volume_ml == pytest.approx(larger.truth.lesion_volume_ml, rel=0.2, abs=0.1)
