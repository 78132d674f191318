"""Slice-wise morphology helpers of the brain mask."""

from __future__ import annotations

import numpy as np

from lesionbench.brainmask.morphology import (
    bounding_slices,
    fill_holes_per_slice,
    geodesic_dilate,
    largest_component,
    planar_close,
    planar_dilate,
    radius_in_pixels,
    ramp_dilate,
)


def _ring(size=11):
    ring = np.zeros((size, size), dtype=bool)
    ring[2:-2, 2:-2] = True
    ring[3:-3, 3:-3] = False
    return ring


def test_fill_holes_acts_per_slice_including_the_first_and_last():
    volume = np.zeros((3, 11, 11), dtype=bool)
    volume[0] = _ring()
    volume[2] = _ring()
    volume[2, 2, 5] = False  # open ring: its inside touches the in-plane border
    filled = fill_holes_per_slice(volume)
    assert filled[0].sum() == 7 * 7  # closed ring filled although slice 0 is on the z border
    assert np.array_equal(filled[2], volume[2])  # open ring not filled
    assert not filled[1].any()


def test_planar_dilate_is_an_octagon_and_stays_in_plane():
    volume = np.zeros((3, 11, 11), dtype=bool)
    volume[1, 5, 5] = True
    out = planar_dilate(volume, 2)  # cross then square: a 5x5 square without its 4 corners
    assert out[1].sum() == 21
    assert not out[0].any() and not out[2].any()


def test_planar_close_bridges_a_small_gap_and_only_that():
    volume = _ring()[None].copy()
    volume[0, 2, 5] = False
    assert not fill_holes_per_slice(volume)[0, 5, 5]
    closed = planar_close(volume, 2)
    assert fill_holes_per_slice(closed)[0, 5, 5]
    added = np.argwhere(closed & ~volume).tolist()
    # the gap, plus the inner corners of the square ring that the octagon rounds off
    assert [0, 2, 5] in added
    assert sorted(added) == sorted([[0, 2, 5], [0, 3, 3], [0, 3, 7], [0, 7, 3], [0, 7, 7]])
    # an object touching the image edge is not eroded by the edge
    edge = np.zeros((1, 6, 6), dtype=bool)
    edge[0, :, 0:2] = True
    assert np.array_equal(planar_close(edge, 2), edge)


def test_largest_component_and_bounding_slices():
    volume = np.zeros((4, 10, 10), dtype=bool)
    volume[0:2, 0:2, 0:2] = True  # 8 voxels
    volume[1:4, 5:8, 5:9] = True  # 36 voxels
    largest = largest_component(volume)
    assert largest.sum() == 36 and not largest[0].any()
    assert bounding_slices(largest, pad_yx=1) == (slice(1, 4), slice(4, 9), slice(4, 10))
    assert bounding_slices(np.zeros((2, 2, 2), bool)) is None


def test_geodesic_dilate_stays_inside_the_limit_and_is_bounded():
    limit = np.zeros((1, 1, 12), dtype=bool)
    limit[0, 0, :] = True
    limit[0, 0, 6] = False
    marker = np.zeros_like(limit)
    marker[0, 0, 0] = True
    out = geodesic_dilate(marker, limit, 3)
    assert np.flatnonzero(out[0, 0]).tolist() == [0, 1, 2, 3]
    assert np.flatnonzero(geodesic_dilate(marker, limit, 20)[0, 0]).tolist() == [0, 1, 2, 3, 4, 5]


def test_radius_in_pixels_uses_the_in_plane_spacing():
    assert radius_in_pixels(3.0, (0.5, 0.5, 5.0)) == 6
    assert radius_in_pixels(2.0, (1.6, 1.6, 5.0)) == 1


def test_ramp_dilate_climbs_to_the_crest_and_stops():
    # one row: brain 30 | ramp 150 400 900 | diploe 500 500 | outer table 900
    values = np.array([[[30, 30, 150, 400, 900, 500, 500, 900]]], dtype=np.float32)
    marker = values < 100
    limit = values < 1000  # everything may join by value; only the uphill rule stops it
    out = ramp_dilate(marker, limit, values, iterations=10)
    assert out[0, 0].tolist() == [True, True, True, True, True, False, False, False]
    # bounded by the number of steps, and by the limit
    assert ramp_dilate(marker, limit, values, iterations=1)[0, 0].tolist()[:4] == [True, True, True, False]
    assert ramp_dilate(marker, values < 450, values, iterations=10)[0, 0].sum() == 4
    # in-plane only: the slice above does not join
    stacked = np.concatenate([values, values + 1000], axis=0)
    grown = ramp_dilate(np.concatenate([marker, np.zeros_like(marker)]), stacked < 5000, stacked, 10)
    assert not grown[1].any()
