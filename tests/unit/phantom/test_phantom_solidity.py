import numpy as np
import pytest

from lesionbench.phantom.solidity import convex_hull_mask, solidity


def _volume(shape, points):
    mask = np.zeros(shape, bool)
    for p in points:
        mask[p] = True
    return mask


def test_convex_shapes_have_solidity_one():
    cube = np.zeros((5, 5, 5), bool)
    cube[1:4, 1:4, 1:4] = True
    assert solidity(cube) == 1.0
    z, y, x = np.ogrid[-6:7, -6:7, -6:7]
    ball = x**2 + y**2 + z**2 <= 30
    assert solidity(ball) == 1.0


@pytest.mark.parametrize("hole, expected", [
    ((slice(2, 3), slice(2, 3), slice(2, 3)), 26 / 27),  # 3x3x3 cube minus its centre
])
def test_cube_with_a_hole(hole, expected):
    mask = np.zeros((5, 5, 5), bool)
    mask[1:4, 1:4, 1:4] = True
    mask[hole] = False
    assert solidity(mask) == pytest.approx(expected)


def test_single_slice_ring_and_notch():
    # A 5x5 square frame on one slice: 16 voxels, hull 25 voxels.
    frame = np.zeros((3, 7, 7), bool)
    frame[1, 1:6, 1:6] = True
    frame[1, 2:5, 2:5] = False
    assert solidity(frame) == pytest.approx(16 / 25)
    # A 3x3 square missing the middle of one edge: the hull fills the notch (8/9).
    notch = np.zeros((1, 3, 3), bool)
    notch[0] = True
    notch[0, 0, 1] = False
    assert solidity(notch) == pytest.approx(8 / 9)
    # Missing a corner instead: still digitally convex.
    corner = np.ones((1, 3, 3), bool)
    corner[0, 2, 2] = False
    assert solidity(corner) == 1.0


def test_dumbbell_is_irregular_and_hull_contains_mask():
    mask = np.zeros((3, 9, 15), bool)
    mask[:, 1:8, 0:5] = True
    mask[:, 1:8, 10:15] = True
    mask[1, 4, 5:10] = True  # a thin bar between two blocks
    hull = convex_hull_mask(mask)
    assert np.all(hull[mask])
    assert hull.sum() == 3 * 7 * 15  # the hull is the whole box
    assert solidity(mask) == pytest.approx((2 * 3 * 7 * 5 + 5) / (3 * 7 * 15))


def test_empty_and_tiny_masks():
    assert solidity(np.zeros((4, 4, 4), bool)) == 1.0
    assert solidity(_volume((4, 4, 4), [(1, 1, 1)])) == 1.0
    assert solidity(_volume((4, 4, 4), [(0, 0, 0), (3, 3, 3)])) == 1.0  # collinear: own hull
