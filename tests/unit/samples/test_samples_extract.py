"""Sample extraction of a preprocessed case into its samples folder: fit, labels, slice selection."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesionbench.samples import CaseSamples, SampleSettings, extract_samples, get_layout

from tests.preprocessed_files import write_preprocessed

Z, Y, X = 10, 20, 24


@pytest.fixture
def case(tmp_path):
    image = np.zeros((1, Z, Y, X), dtype=np.float32)
    mask = np.zeros((Z, Y, X), dtype=np.uint8)
    brain = np.zeros((Z, Y, X), dtype=np.uint8)
    brain[1:9, 2:18, 2:22] = 1
    brain[9, 10, 10] = 1  # a slice with almost no brain
    image[0][brain == 1] = 0.35
    mask[3:6, 8:12, 10:16] = 1  # lesion in slices 3, 4, 5
    image[0][mask == 1] = 0.8
    return write_preprocessed(tmp_path / "ph001.npz", image, mask, brain)


def test_folder_arrays_index_and_lesion_slices(tmp_path, case):
    settings = SampleSettings.from_dict({"size": [32, 48], "lesion_free_fraction": 0.5, "seed": 4, "min_brain_pixels": 10})
    index = extract_samples(case, tmp_path / "out" / "ph001", settings)
    stored = CaseSamples(tmp_path / "out" / "ph001")
    # every slice of the case is stored at network size; the samples are the listed targets
    assert stored.images.shape == (Z, 1, 32, 48) and stored.images.dtype == np.float32
    assert stored.masks.shape == (Z, 1, 32, 48) and stored.masks.dtype == np.uint8
    # lesion-free candidates: slices 1, 2, 6, 7, 8 (slices 0 and 9 have < 10 brain pixels) -> round(2.5) = 3
    targets = index["targets"]
    assert len(targets) == 6 and {3, 4, 5} <= set(targets) and set(targets) <= {1, 2, 3, 4, 5, 6, 7, 8}
    assert targets == sorted(targets) and index["has_lesion"] == [t in (3, 4, 5) for t in targets]
    # a 20 x 24 slice of 1 mm pixels keeps its aspect in 32 x 48: scale 1.6 (x 2 would need 40 x 48)
    assert index["fit"] == {"source_shape": [20, 24], "size": [32, 48], "resized_shape": [32, 38],
                            "offset": [0, 5], "spacing_mm": [0.625, 24 / 38]}
    assert index["spacing_mm"] == [5.0, 0.625, 24 / 38]
    # lesion of 4 x 6 pixels x 3 slices = 72 mm^2 x 5 mm; soft labels keep that volume within 3 %
    assert index["lesion"]["preprocessed_ml"] == pytest.approx(0.36)
    assert index["lesion"]["samples_ml"] == pytest.approx(0.36, rel=0.03)
    image, label = get_layout("2d").read_sample(stored, 4, settings)
    assert image[0, 16, 5 + 19] == pytest.approx(0.8)  # the lesion's interior: rows 12.8-19.2, columns 16-25.3
    assert label[0, 16, 24] == 1.0 and label[0, 5, 24] == 0.0 and 0.0 < label.max() <= 1.0
    assert image[0, :, :5].max() == 0.0 and image[0, :, 43:].max() == 0.0  # the padding
    assert json.loads((tmp_path / "out" / "ph001" / "index.json").read_text())["provenance"]["case"] == "ph001"


@pytest.mark.parametrize(("fit", "resized", "offset"), [("pad", [32, 38], [0, 5]), ("crop", [40, 48], [-4, 0]),
                                                        ("stretch", [32, 48], [0, 0])])
def test_fits(tmp_path, case, fit, resized, offset):
    settings = SampleSettings.from_dict({"size": [32, 48], "fit": fit})
    index = extract_samples(case, tmp_path / fit, settings)
    assert index["fit"]["resized_shape"] == resized and index["fit"]["offset"] == offset
    assert index["lesion"]["cropped_voxels"] == 0  # the lesion (rows 8-11) stays inside the crop's rows 2.5-17.5


def test_crop_fit_reports_lesion_it_cuts_away(tmp_path, caplog):
    mask = np.zeros((2, 20, 10), dtype=np.uint8)
    mask[0, 0:3, 4:6] = 1  # at the top edge: a crop to 10 x 10 keeps rows 5-14 only
    write_preprocessed(tmp_path / "edge.npz", np.zeros((1, 2, 20, 10)), mask)
    index = extract_samples(tmp_path / "edge.npz", tmp_path / "s", SampleSettings.from_dict({"size": [10, 10], "fit": "crop"}))
    assert index["lesion"]["cropped_voxels"] == 6 and index["lesion"]["cropped_ml"] == pytest.approx(0.03)
    assert "fit 'crop' cuts 6 reference lesion voxel(s)" in index["warnings"][0]
    assert "fit 'crop' cuts 6" in caplog.text


@pytest.mark.parametrize(("fraction", "expected_free"), [(0.0, 0), (0.4, 2), (1.0, 5)])
def test_lesion_free_proportion(tmp_path, case, fraction, expected_free):
    settings = SampleSettings.from_dict({"size": [16, 16], "lesion_free_fraction": fraction, "min_brain_pixels": 10})
    index = extract_samples(case, tmp_path / "s", settings)
    assert index["has_lesion"].count(False) == expected_free and index["has_lesion"].count(True) == 3


def test_same_seed_same_slices_and_min_brain_pixels_zero_allows_all(tmp_path, case):
    settings = SampleSettings.from_dict({"size": [16, 16], "lesion_free_fraction": 0.5, "seed": 9})
    first = extract_samples(case, tmp_path / "a", settings)["targets"]
    assert extract_samples(case, tmp_path / "b", settings)["targets"] == first
    # min_brain_pixels 0: 7 lesion-free slices (0, 1, 2, 6, 7, 8, 9) -> round(3.5) = 4
    assert len(first) == 3 + 4
    seeds = {tuple(extract_samples(case, tmp_path / "c", SampleSettings.from_dict(
        {"size": [16, 16], "lesion_free_fraction": 0.5, "seed": s}))["targets"]) for s in range(8)}
    assert len(seeds) > 1


def test_nearest_labels_are_binary_and_soft_labels_fractions(tmp_path, case):
    soft = extract_samples(case, tmp_path / "soft", SampleSettings.from_dict({"size": [7, 9]}))
    nearest = extract_samples(case, tmp_path / "near", SampleSettings.from_dict(
        {"size": [7, 9], "resampling": {"labels": "nearest"}}))
    soft_values = np.unique(np.load(tmp_path / "soft" / "masks.npy"))
    assert set(np.unique(np.load(tmp_path / "near" / "masks.npy")).tolist()) == {0, 255}
    assert len(soft_values) > 2 and soft["label_scale"] == nearest["label_scale"] == 255
    assert soft["settings"]["resampling"] == {"labels": "soft", "antialias": True}


def test_case_without_samples_writes_a_folder_with_no_targets(tmp_path, case):
    settings = SampleSettings.from_dict({"size": [8, 8], "lesion_free_fraction": 0.0})
    write_preprocessed(tmp_path / "empty.npz", np.zeros((1, 3, 6, 6)), np.zeros((3, 6, 6), np.uint8))
    index = extract_samples(tmp_path / "empty.npz", tmp_path / "e", settings)
    assert index["targets"] == [] and CaseSamples(tmp_path / "e").images.shape == (3, 1, 8, 8)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"layout": "3d"}, r"samples.layout: unknown sample layout '3d' \(valid: 2.5d, 2d, 3d_voi\)"),
        ({"size": [416]}, r"samples.size\[1\]: required setting is missing"),
        ({"size": [0, 8]}, r"samples.size\[0\]: must be >= 1 \(got 0\)"),
        ({"fit": "squash"}, r"samples.fit: unknown fit 'squash' \(valid: pad, crop, stretch\)"),
        ({"lesion_free_fraction": 1.5}, r"samples.lesion_free_fraction: must be <= 1 \(got 1.5\)"),
        ({"foreground_fraction": 2}, r"samples.foreground_fraction: must be <= 1 \(got 2\)"),
        ({"stack_padding": "mirror"}, r"samples.stack_padding: 'mirror' is not one of 'zeros' or 'edge'"),
        ({"resampling": {"labels": "linear"}}, r"samples.resampling.labels: unknown label method 'linear'"),
        ({"seed": "a"}, r"samples.seed: input should be a valid integer \(got 'a'\)"),
        ({"shape": [8, 8]}, r"samples.shape: unknown setting \(valid: fit, foreground_fraction, layout"),
    ],
)
def test_settings_validation(data, message):
    with pytest.raises(ValueError, match=message):
        SampleSettings.from_dict(data)


def test_missing_input_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        extract_samples(tmp_path / "nothing.npz", tmp_path / "o", SampleSettings())
