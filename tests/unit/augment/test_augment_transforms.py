"""Deterministic and random rigid transforms (paper 000, section 1.2)."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.augment import RandomRotTranslate, RotTranslateParams, apply_rot_translate, rotate90, translate


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_rotate90_equals_numpy_rot90(k):
    image = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4)
    mask = (image[:1] > 20).astype(np.uint8)
    rotated, rotated_mask = rotate90(image, mask, k)
    for channel in range(2):
        np.testing.assert_array_equal(rotated[channel], np.rot90(image[channel], k))
    np.testing.assert_array_equal(rotated_mask[0], np.rot90(mask[0], k))


def test_rotate90_once_moves_the_top_right_corner_to_the_top_left():
    image = np.zeros((1, 3, 3), dtype=np.float32)
    image[0, 0, 2] = 1.0
    rotated, _ = rotate90(image, image.astype(np.uint8), 1)
    assert rotated[0, 0, 0] == 1.0 and rotated.sum() == 1.0


@pytest.mark.parametrize(("dy", "dx"), [(2, 3), (-1, 0), (0, -4), (-3, 2)])
def test_translate_moves_a_pixel_by_the_offset_and_fills_zeros(dy, dx):
    image = np.zeros((1, 8, 10), dtype=np.float32)
    image[0, 4, 5] = 7.0
    mask = (image > 0).astype(np.uint8)
    moved, moved_mask = translate(image, mask, dy, dx)
    assert moved[0, 4 + dy, 5 + dx] == 7.0 and moved.sum() == 7.0
    assert moved_mask[0, 4 + dy, 5 + dx] == 1 and moved_mask.sum() == 1
    full = np.ones((1, 8, 10), dtype=np.float32)
    shifted, _ = translate(full, full.astype(np.uint8), dy, dx)
    assert shifted.sum() == (8 - abs(dy)) * (10 - abs(dx))  # what entered is zero, nothing wraps


def test_translate_beyond_the_image_is_empty():
    image = np.ones((1, 4, 4), dtype=np.float32)
    moved, moved_mask = translate(image, image.astype(np.uint8), 4, 0)
    assert moved.sum() == 0 and moved_mask.sum() == 0


def test_random_transform_draws_within_bounds_and_is_reproducible():
    transform = RandomRotTranslate(rotations=(1, 3), max_shift_fraction=0.1)
    draws = [transform.draw(np.random.default_rng(s), (50, 30)) for s in range(200)]
    assert {d.k for d in draws} == {1, 3}
    assert {d.dy for d in draws} == set(range(-5, 6)) and {d.dx for d in draws} == set(range(-3, 4))
    image = np.random.default_rng(0).random((1, 50, 50)).astype(np.float32)
    mask = (image > 0.5).astype(np.uint8)
    a = transform(image, mask, np.random.default_rng(5))
    b = transform(image, mask, np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    params = transform.draw(np.random.default_rng(5), (50, 50))
    np.testing.assert_array_equal(a[0], apply_rot_translate(image, mask, params)[0])


def test_rotate_then_translate_order():
    image = np.zeros((1, 5, 5), dtype=np.float32)
    image[0, 0, 4] = 1.0  # top right -> rot90 -> top left (0, 0) -> shift (1, 2) -> (1, 2)
    out, _ = apply_rot_translate(image, image.astype(np.uint8), RotTranslateParams(k=1, dy=1, dx=2))
    assert out[0, 1, 2] == 1.0 and out.sum() == 1.0
