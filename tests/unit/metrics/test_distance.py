import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from lesionbench.metrics import asd, hd95, surface, surface_distances

SPACING = (5.0, 0.9, 0.9)  # (z, y, x) mm


def _empty(shape=(6, 7, 9)):
    return np.zeros(shape, dtype=bool)


def test_surface_of_cubes_face_connectivity():
    cube = _empty((7, 7, 7))
    cube[1:4, 1:4, 1:4] = True  # 27 voxels, only the centre is interior
    assert surface(cube).sum() == 26
    cube[:] = False
    cube[1:6, 1:6, 1:6] = True  # 125 - 27 interior
    assert surface(cube).sum() == 98


def test_surface_includes_image_border():
    full = np.ones((3, 3, 3), dtype=bool)
    assert surface(full).sum() == 26


@pytest.mark.parametrize("k", [1, 2, 3])
def test_single_voxels_offset_along_z(k):
    pred, ref = _empty(), _empty()
    pred[1, 3, 4] = True
    ref[1 + k, 3, 4] = True
    d = surface_distances(pred, ref, SPACING)
    assert hd95(d) == pytest.approx(5.0 * k)
    assert asd(d) == pytest.approx(5.0 * k)


def test_lines_offset_along_z():
    pred, ref = _empty(), _empty()
    pred[0, 2, 1:8] = True
    ref[2, 2, 1:8] = True
    d = surface_distances(pred, ref, SPACING)
    assert hd95(d) == pytest.approx(10.0)
    assert asd(d) == pytest.approx(10.0)


def test_asymmetric_pair_by_hand():
    # ref: one voxel; pred: the same voxel plus one 3 voxels away along x (2.7 mm).
    pred, ref = _empty(), _empty()
    ref[2, 2, 2] = True
    pred[2, 2, 2] = pred[2, 2, 5] = True
    d = surface_distances(pred, ref, SPACING)
    np.testing.assert_allclose(np.sort(d.pred_to_ref), [0.0, 2.7])
    np.testing.assert_allclose(d.ref_to_pred, [0.0])
    # 95th percentile of [0, 2.7] with linear interpolation: 0.95 * 2.7; the other direction is 0.
    assert hd95(d) == pytest.approx(2.565)
    assert hd95(d, percentile=100) == pytest.approx(2.7)
    # pooled mean of [0, 2.7, 0], not the mean of the directed means (1.35 + 0) / 2.
    assert asd(d) == pytest.approx(0.9)


def test_empty_mask_gives_none_and_nan():
    pred = _empty()
    pred[1, 1, 1] = True
    assert surface_distances(pred, _empty(), SPACING) is None
    assert math.isnan(hd95(None)) and math.isnan(asd(None))


def test_spacing_length_checked():
    with pytest.raises(ValueError, match="does not match a 3-D mask"):
        surface_distances(_empty(), _empty(), (1.0, 1.0))


def _blob(rng, shape):
    return ndimage.gaussian_filter(rng.standard_normal(shape), (0.7, 3, 3)) > 0.08


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_matches_monai_on_random_blobs():
    from monai.metrics import compute_average_surface_distance, compute_hausdorff_distance

    rng = np.random.default_rng(1)
    for _ in range(10):
        pred, ref = _blob(rng, (10, 40, 40)), _blob(rng, (10, 40, 40))
        d = surface_distances(pred, ref, SPACING)
        y_pred = torch.from_numpy(pred)[None, None].float()
        y = torch.from_numpy(ref)[None, None].float()
        monai_hd95 = compute_hausdorff_distance(y_pred, y, percentile=95, spacing=SPACING).item()
        monai_asd = compute_average_surface_distance(y_pred, y, symmetric=True, spacing=SPACING).item()
        assert hd95(d) == pytest.approx(monai_hd95, abs=1e-4)
        assert asd(d) == pytest.approx(monai_asd, abs=1e-4)
