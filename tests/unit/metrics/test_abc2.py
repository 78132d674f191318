import math

import numpy as np
import pytest

from lesionbench.metrics import abc2_ml, longest_diameters
from lesionbench.metrics.abc2 import kothari_weights


def test_kothari_weights_thresholds():
    np.testing.assert_array_equal(
        kothari_weights(np.array([1.0, 0.75, 0.7499, 0.25, 0.2499, 0.0])), [1, 1, 0.5, 0.5, 0, 0]
    )


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([(0, 0), (0, 2), (2, 0), (2, 2)], (2 * math.sqrt(2), 2 * math.sqrt(2))),  # square
        ([(0, 0), (0, 4), (1, 2)], (4.0, 1.0)),  # triangle: B perpendicular to A
        ([(0, 0), (0, 1), (0, 2)], (2.0, 0.0)),  # collinear: degenerate hull
        ([(3, 3)], (0.0, 0.0)),
    ],
)
def test_longest_diameters_by_hand(points, expected):
    a, b = longest_diameters(np.array(points, dtype=float))
    assert (a, b) == pytest.approx(expected)


def _plus(mask_slice, half_x, half_y, cy=10, cx=15):
    mask_slice[cy, cx - half_x : cx + half_x + 1] = True
    mask_slice[cy - half_y : cy + half_y + 1, cx] = True


def test_hand_built_abc():
    # spacing (z, y, x) = (5, 1.0, 0.5) mm. Largest slice (index 1): a plus of 21 x-pixels
    # (A = 20 * 0.5 = 10 mm) and 7 y-pixels (B = 6 * 1.0 = 6 mm), 27 pixels.
    mask = np.zeros((4, 21, 31), dtype=bool)
    mask[0, 0, 0:10] = True  # 10 px: 37% of 27 -> 0.5
    _plus(mask[1], half_x=10, half_y=3)  # 27 px -> 1
    mask[2, 5, 0:21] = True  # 21 px: 78% -> 1
    mask[3, 5, 0:5] = True  # 5 px: 19% -> 0
    # Kothari C = (0.5 + 1 + 1 + 0) * 5 = 12.5 mm; V = 10 * 6 * 12.5 / 2 mm^3.
    assert abc2_ml(mask, (5.0, 1.0, 0.5)) == pytest.approx(375 / 1000)
    # Tada: every slice counts, C = 20 mm.
    assert abc2_ml(mask, (5.0, 1.0, 0.5), rule="tada") == pytest.approx(600 / 1000)


def _ellipsoid(a, b, c, spacing):
    dz, dy, dx = spacing
    z, y, x = np.meshgrid(
        np.arange(-8, 9) * dz, np.arange(-40, 41) * dy, np.arange(-40, 41) * dx, indexing="ij"
    )
    return (x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2 <= 1


def test_ellipsoid_close_to_four_thirds_pi_abc():
    spacing = (5.0, 0.9, 0.9)
    a, b, c = 30.0, 20.0, 25.0
    true_ml = 4 / 3 * math.pi * a * b * c / 1000
    mask = _ellipsoid(a, b, c, spacing)
    assert abc2_ml(mask, spacing, rule="tada") == pytest.approx(true_ml, rel=0.10)
    # Kothari's weighting counts ~1.37c of the 2c height: ABC/2 ~ 0.65 of the ellipsoid.
    assert abc2_ml(mask, spacing) / true_ml == pytest.approx(0.65, abs=0.05)


def test_empty_mask_and_errors():
    assert abc2_ml(np.zeros((3, 4, 4), dtype=bool), (5.0, 1.0, 1.0)) == 0.0
    with pytest.raises(KeyError, match="valid: kothari, tada"):
        abc2_ml(np.ones((3, 4, 4), dtype=bool), (5.0, 1.0, 1.0), rule="ellipse")
    with pytest.raises(ValueError, match="3-D"):
        abc2_ml(np.ones((4, 4), dtype=bool), (1.0, 1.0))
