"""Paper 001's offline set ``cube48`` (section 3.2 (5), paper 001): the 48 symmetries of the cube."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

from lesionbench.augment import (
    CUBE48_COPIES,
    CUBE_SYMMETRIES,
    OFFLINE_SETS,
    AugmentSettings,
    CubeSymmetry,
    OfflineSettings,
    apply_cube_symmetry,
    offline_table,
)
from lesionbench.config import SettingsError

CUBE48 = OFFLINE_SETS["cube48"]


def cube48_settings(**offline) -> OfflineSettings:
    return AugmentSettings.from_dict({"mode": "offline", "offline": {"set": "cube48", **offline}}).offline


def voi(size: int = 5, channels: int = 1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A generic (no symmetry of its own) random cubic VOI and its thresholded label."""
    image = np.random.default_rng(seed).random((channels, size, size, size), dtype=np.float32)
    return image, (image[:1] > 0.5).astype(np.float32)


def all_copies(image: np.ndarray, label: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every copy as the loader makes it: the table row of the sample, copy by copy."""
    table = offline_table(1, image.shape[1:], cube48_settings(), seed=0, fold=0)
    return [(image, label)] + [CUBE48.apply(image, label, table[0, copy]) for copy in range(1, table.shape[1])]


def test_the_table_enumerates_the_48_symmetries_identity_first():
    assert CUBE48_COPIES == len(CUBE_SYMMETRIES) == 48
    assert len(set(CUBE_SYMMETRIES)) == 48
    assert CUBE_SYMMETRIES[0] == CubeSymmetry((0, 1, 2), (False, False, False))
    assert {s.axes for s in CUBE_SYMMETRIES} == set(itertools.permutations(range(3)))
    # the documented order: index 8 * p + 4 * flip_D + 2 * flip_H + flip_W
    assert CUBE_SYMMETRIES[8 * 3 + 0b101] == CubeSymmetry((1, 2, 0), (True, False, True))
    table = offline_table(3, (6, 6, 6), cube48_settings(), seed=5, fold=2)
    assert table.shape == (3, 48, 1) and table.dtype == np.int64
    assert (table[..., 0] == np.arange(48)).all()
    # nothing random: the table depends on neither seed nor fold (the loader shuffles the order)
    assert np.array_equal(table, offline_table(3, (6, 6, 6), cube48_settings(), seed=0, fold=0))


def test_a_generic_voi_gives_48_distinct_arrays_and_copy_0_is_itself():
    image, label = voi(channels=2)
    copies = all_copies(image, label)
    assert len({moved.tobytes() for moved, _ in copies}) == 48
    assert np.array_equal(apply_cube_symmetry(image, label, 0)[0], image)
    for moved, moved_label in copies:
        assert moved.shape == image.shape and moved.dtype == image.dtype and moved.flags.c_contiguous
        assert moved_label.shape == label.shape and moved_label.dtype == label.dtype


@pytest.mark.parametrize("bare_label", [False, True])
def test_image_and_label_move_identically(bare_label):
    image, label = voi(size=6, channels=2, seed=1)
    if bare_label:
        label = label[0]  # (D, H, W) labels work as well as (1, D, H, W)
    for index in range(48):
        moved, moved_label = apply_cube_symmetry(image, label, index)
        assert moved_label.shape == label.shape
        expected = (moved[0] > 0.5).astype(np.float32)
        assert np.array_equal(moved_label if bare_label else moved_label[0], expected), index
        # both channels moved alike; no voxel lost or made: the VOI's lesion (and class) is unchanged
        assert np.array_equal(np.sort(moved[1], axis=None), np.sort(image[1], axis=None))
        assert moved_label.sum() == label.sum()


def test_the_semantics_of_one_symmetry():
    image = np.arange(2 * 3 * 3 * 3, dtype=np.float32).reshape(2, 3, 3, 3)
    symmetry = CubeSymmetry((2, 0, 1), (False, True, False))
    moved, _ = apply_cube_symmetry(image, image[:1], symmetry)
    expected = np.flip(np.transpose(image, (0, 3, 1, 2)), 2)
    assert np.array_equal(moved, expected)


def test_the_symmetries_are_a_group():
    image, label = voi(seed=2)
    outputs = {apply_cube_symmetry(image, label, i)[0].tobytes(): i for i in range(48)}
    product = np.empty((48, 48), dtype=np.int64)
    for first, second in itertools.product(range(48), repeat=2):
        once = apply_cube_symmetry(image, label, first)
        twice = apply_cube_symmetry(*once, second)
        assert twice[0].tobytes() in outputs, (first, second)  # closed under composition
        product[first, second] = outputs[twice[0].tobytes()]
        assert np.array_equal(twice[1], (twice[0][:1] > 0.5).astype(np.float32))
    # a Latin square with an identity: every element has an inverse
    assert all(sorted(row) == list(range(48)) for row in product)
    assert all(sorted(column) == list(range(48)) for column in product.T)
    assert (product[0] == np.arange(48)).all() and (product[:, 0] == np.arange(48)).all()


def test_the_papers_generators_give_the_same_48():
    """rot90 about Y and Z, flips along X, Y, Z, a transpose: 3 x 8 x 2 (the transpose read as
    the swap of Z and Y, the one reading that gives 48 distinct arrays)."""
    image, _ = voi(seed=3)
    z, y, x = 1, 2, 3  # axes of (C, D, H, W) = (C, z, y, x)
    rotations = [lambda a: a, lambda a: np.rot90(a, 1, axes=(z, x)), lambda a: np.rot90(a, 1, axes=(y, x))]
    flips = [lambda a, axes=axes: np.flip(a, axes) if axes else a
             for n in range(4) for axes in itertools.combinations((z, y, x), n)]
    transposes = [lambda a: a, lambda a: np.swapaxes(a, z, y)]
    papers = {t(f(r(image))).tobytes() for r in rotations for f in flips for t in transposes}
    ours = {apply_cube_symmetry(image, image, i)[0].tobytes() for i in range(48)}
    assert len(papers) == 48 and papers == ours
    for axes, k in itertools.product(itertools.combinations((z, y, x), 2), range(4)):
        assert np.rot90(image, k, axes=axes).tobytes() in ours  # every quarter turn is a copy


def test_non_cubic_and_two_dimensional_samples_are_refused():
    settings = cube48_settings()
    with pytest.raises(ValueError, match="VOIs must be cubic; got spatial shape 64 x 64 x 32"):
        offline_table(2, (64, 64, 32), settings, seed=0, fold=0)
    with pytest.raises(ValueError, match=r"needs 3D samples \(C, D, H, W\), got spatial shape \(64, 64\)"):
        offline_table(2, (64, 64), settings, seed=0, fold=0)
    image = np.zeros((1, 4, 4, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="cube symmetry 8 orders the axes as .*got spatial shape 4 x 4 x 2"):
        apply_cube_symmetry(image, image, 8)
    for index in range(8):  # mirrorings keep the axis order: fine on any shape
        assert apply_cube_symmetry(image, image, index)[0].shape == image.shape
    with pytest.raises(ValueError, match="differ in spatial shape"):
        apply_cube_symmetry(np.zeros((1, 4, 4, 4)), np.zeros((1, 4, 4, 3)), 0)
    with pytest.raises(ValueError, match="outside 0..47"):
        apply_cube_symmetry(np.zeros((1, 4, 4, 4)), np.zeros((1, 4, 4, 4)), 48)


def test_settings_default_to_48_copies_and_refuse_others():
    settings = cube48_settings()
    assert settings.copies == 48
    assert OfflineSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(SettingsError,
                       match=r"augment\.offline\.copies: offline set 'cube48' has exactly 48 copies \(got 4\)"):
        cube48_settings(copies=4)
    with pytest.raises(SettingsError, match="unknown offline set 'cube' .*cube48"):
        AugmentSettings.from_dict({"offline": {"set": "cube"}})
    # unvalidated settings are still caught where the table is drawn
    with pytest.raises(ValueError, match="copies must be 48"):
        offline_table(1, (4, 4, 4), OfflineSettings.model_construct(set="cube48", copies=2), seed=0, fold=0)
    # what the mode uses: the rot90_shift keys do not enter cube48's hash; rot90_shift's are unchanged
    active = AugmentSettings.from_dict({"mode": "offline", "offline": {"set": "cube48"}}).active()
    assert active == {"mode": "offline", "seed": 0, "offline": {"set": "cube48", "copies": 48}}
    default = AugmentSettings.from_dict({"mode": "offline"})
    assert default.offline.copies == 4 and default.active()["offline"] == default.to_dict()["offline"]


class Split(SimpleNamespace):
    """The parts of :class:`lesionbench.training.SplitSamples` the dataset reads."""

    def __len__(self) -> int:
        return len(self.items)


def test_the_loader_expands_every_voi_48_times(monkeypatch):
    """``SampleDataset`` item ``i`` is VOI ``i // 48`` under symmetry ``i % 48`` (a stand-in 3D layout)."""
    from lesionbench.training import data as training_data

    vois = [voi(size=4, seed=seed) for seed in range(2)]
    layout = SimpleNamespace(read_sample=lambda case, target, settings: vois[target])
    monkeypatch.setattr(training_data, "get_layout", lambda name: layout)
    split = Split(sample_shape=(4, 4, 4), items=np.array([[0, 0], [0, 1]]), cases=(None,),
                  has_lesion=np.array([True, False]), classes=np.array([-1, -1]))
    augment = AugmentSettings.from_dict({"mode": "offline", "offline": {"set": "cube48"}})
    dataset = training_data.SampleDataset(split, SimpleNamespace(layout="voi"), augment, fold=0)
    assert len(dataset) == 96 and dataset.has_lesion().tolist() == [True] * 48 + [False] * 48
    for index in (0, 1, 47, 48, 60, 95):
        image, label, _ = dataset[index]
        expected = apply_cube_symmetry(*vois[index // 48], index % 48)
        assert np.array_equal(image.numpy(), expected[0]) and np.array_equal(label.numpy(), expected[1])
