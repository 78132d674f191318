"""The in-plane fit of a slice to the network input keeps its physical aspect and inverts exactly."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.resampling import PlaneFit, from_network, plan_fit, to_network

from .test_arrays import centre_of_mass, disc


@pytest.mark.parametrize(("shape", "spacing", "fit", "resized", "offset", "mm"), [
    ((100, 50), (1.0, 1.0), "pad", (64, 32), (0, 16), (1.5625, 1.5625)),     # 2:1 crop stays 2:1
    ((100, 50), (0.5, 1.0), "pad", (64, 64), (0, 0), (0.78125, 0.78125)),    # 50 x 50 mm: square
    ((100, 50), (1.0, 1.0), "crop", (128, 64), (-32, 0), (0.78125, 0.78125)),
    ((100, 50), (1.0, 1.0), "stretch", (64, 64), (0, 0), (1.5625, 0.78125)),  # aspect bent
    ((101, 80), (0.9, 0.9), "pad", (64, 51), (0, 6), (101 * 0.9 / 64, 80 * 0.9 / 51)),
])
def test_fit_keeps_the_physical_aspect(shape, spacing, fit, resized, offset, mm):
    plan = plan_fit(shape, spacing, (64, 64), fit)
    assert plan.resized_shape == resized and plan.offset == offset
    assert plan.spacing_mm == pytest.approx(mm)
    if fit != "stretch":  # one scale for both axes: network pixels are square within rounding
        assert plan.spacing_mm[0] == pytest.approx(plan.spacing_mm[1], rel=0.02)
    assert PlaneFit.from_dict(plan.to_dict()) == plan


def test_pad_places_the_slice_in_the_centre_and_the_inverse_drops_the_padding():
    mask = disc((100, 50), (40.4, 22.7), 12.0)
    plan = plan_fit((100, 50), (1.0, 1.0), (64, 64), "pad")
    network = to_network(mask, plan, "soft")[:, 0]
    assert network.shape == (1, 64, 64) and network[0, :, :16].max() == 0 and network[0, :, 48:].max() == 0
    back = from_network(network, plan)
    assert back.shape == (1, 100, 50)
    assert np.abs(centre_of_mass(back[0] >= 0.5) - centre_of_mass(mask[0, 0])).max() < 0.1
    assert ((back[0] >= 0.5) != mask[0, 0].astype(bool)).sum() < 0.05 * mask.sum()


def test_crop_inverse_gives_zero_outside_the_window():
    image = np.ones((1, 1, 100, 50), np.float32)
    plan = plan_fit((100, 50), (1.0, 1.0), (64, 64), "crop")
    network = to_network(image, plan)
    assert network.shape == (1, 1, 64, 64) and np.allclose(network, 1.0)
    back = from_network(network[:, 0], plan)
    assert np.allclose(back[0, 30:70], 1.0) and np.allclose(back[0, :20], 0.0) and np.allclose(back[0, 80:], 0.0)


def test_bad_fits_and_shapes():
    with pytest.raises(ValueError, match="unknown fit 'squash'"):
        plan_fit((10, 10), (1, 1), (8, 8), "squash")
    plan = plan_fit((10, 10), (1, 1), (8, 8))
    with pytest.raises(ValueError, match=r"expected \(N, C, 10, 10\)"):
        to_network(np.zeros((1, 1, 9, 10)), plan)
    with pytest.raises(ValueError, match=r"expected \(N, 8, 8\) probabilities"):
        from_network(np.zeros((1, 7, 8)), plan)
