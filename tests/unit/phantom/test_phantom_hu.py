"""HU of each tissue, measured on the generated arrays with the truth labels."""

import numpy as np
import pytest
from scipy import ndimage

from lesionbench.phantom.anatomy import TISSUES, draw_head, render_head
from lesionbench.phantom.grid import make_grid

# In-plane 4-neighbourhood plus the slices above and below: erosion keeps voxels whose
# neighbours share their label, away from partial volume.
_CROSS = ndimage.generate_binary_structure(3, 1)
_IN_PLANE = np.array([[[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 1, 0], [1, 1, 1], [0, 1, 0]],
                      [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], bool)


def _interior(labels, name, structure=_CROSS):
    inner = ndimage.binary_erosion(labels == TISSUES[name], structure=structure)
    if structure is _IN_PLANE:  # and no bone or soft tissue in the slices above and below
        hard = np.isin(labels, [TISSUES["bone"], TISSUES["soft_tissue"], TISSUES["air"]])
        inner[1:] &= ~hard[:-1]
        inner[:-1] &= ~hard[1:]
    return inner


@pytest.mark.parametrize("name, low, high", [
    ("air", -1003.0, -997.0),
    ("soft_tissue", 25.0, 55.0),
    ("ventricle", 0.0, 15.0),
    ("brain", 28.0, 42.0),
])
def test_tissue_means(rendered, name, low, high):
    for case in rendered[:4]:
        # Ventricles are 2-3 slices tall: erode them in-plane only, and take the median.
        structure, statistic = (_IN_PLANE, np.median) if name == "ventricle" else (_CROSS, np.mean)
        values = case.hu[_interior(case.tissue, name, structure)]
        assert values.size > 20, name
        assert low <= statistic(values) <= high, (case.truth.case_id, name, statistic(values))


def test_skull_is_bone_density(rendered):
    for case in rendered[:4]:
        bone = case.hu[_interior(case.tissue, "bone")]
        assert 700.0 <= np.median(bone) <= 1500.0
        # Every slice holding brain is ringed by bone: the brain mask never touches air.
        brain = case.brain.astype(bool)
        ring = ndimage.binary_dilation(brain, structure=np.ones((1, 3, 3), bool)) & ~brain
        assert np.all(case.tissue[ring] != TISSUES["air"])


def test_hematoma_is_50_to_90_hu(rendered):
    means = []
    for case in rendered:
        if case.truth.has_lesion:
            inner = _interior(case.tissue, "hematoma")
            if inner.sum() >= 10:
                means.append(case.hu[inner].mean())
                assert 50.0 <= np.median(case.hu[inner]) <= 90.0
    assert len(means) >= 5
    assert all(50.0 <= m <= 90.0 for m in means), means


def test_noise_sigma_is_in_range(rendered, dataset_settings):
    low, high = dataset_settings.noise_hu
    for case in rendered[:4]:
        sigma = case.hu[_interior(case.tissue, "air")].std()
        assert low * 0.9 <= sigma <= high * 1.1


def test_edges_are_not_binary(rendered):
    case = rendered[0]
    brain = case.brain.astype(bool)
    edge = ndimage.binary_dilation(brain, structure=np.ones((1, 3, 3), bool)) & ~ndimage.binary_erosion(
        brain, structure=np.ones((1, 3, 3), bool))
    values = case.hu[edge]
    # Partial volume: a good share of the brain/skull boundary lies between tissue and bone.
    assert np.mean((values > 100) & (values < 600)) > 0.2


def test_grey_white_contrast_and_ventricles():
    rng = np.random.default_rng([7, 0])
    head = draw_head(rng)
    grid = make_grid(128, 32, 1.8, 5.0, head.center[2] + 50.0)
    volumes = render_head(grid, head, subsamples=1)
    inside = volumes.intracranial & ~volumes.ventricles
    cortex = inside & (volumes.depth_mm > head.csf_rim_mm + 0.3) & (volumes.depth_mm < head.csf_rim_mm + 1.0)
    deep = inside & (volumes.depth_mm > 25) & (volumes.tissue == TISSUES["brain"]) & (volumes.hu < 35)
    assert 37.0 <= volumes.hu[cortex].mean() <= 43.0
    assert 27.0 <= volumes.hu[deep].mean() <= 33.0
    # Skull: dense tables (1300-1500 HU) around a lighter diploe (700-900 HU).
    bone = volumes.hu[volumes.tissue == TISSUES["bone"]]
    assert 1250.0 <= bone.max() <= 1500.0
    assert 700.0 <= bone.min() <= 950.0
    # Lateral ventricles on both sides of the midline, within 35 mm of it.
    z, y, x = np.nonzero(volumes.ventricles)
    x_mm = grid.origin[0] + x * grid.spacing[0] - head.center[0]
    assert (x_mm > 3).sum() > 50 and (x_mm < -3).sum() > 50
    assert np.abs(x_mm).max() < 40
