import math

import numpy as np
import pytest

from lesionbench.metrics import rvd, volume_ml, voxel_volume_mm3


def test_volume_ml_exact_with_anisotropic_spacing():
    # spacing (x, y, z) = (0.5, 0.5, 5) mm -> (z, y, x) = (5, 0.5, 0.5); 1.25 mm^3 per voxel.
    mask = np.zeros((10, 20, 20), dtype=bool)
    mask[0:8, 0:10, 0:10] = True  # 800 voxels = 1000 mm^3
    assert voxel_volume_mm3((5.0, 0.5, 0.5)) == 1.25
    assert volume_ml(mask, (5.0, 0.5, 0.5)) == pytest.approx(1.0, abs=1e-15)


def test_paper_002_hv_is_thickness_times_sum_of_areas():
    rng = np.random.default_rng(3)
    mask = rng.random((6, 12, 12)) > 0.6
    areas_mm2 = mask.sum(axis=(1, 2)) * 0.45 * 0.45
    assert volume_ml(mask, (5.0, 0.45, 0.45)) == pytest.approx(5.0 * areas_mm2.sum() / 1000)


def test_rvd_is_absolute_and_nan_without_reference():
    assert rvd(1.5, 1.0) == pytest.approx(0.5)
    assert rvd(0.5, 1.0) == pytest.approx(0.5)
    assert math.isnan(rvd(1.0, 0.0))
