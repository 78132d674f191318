"""2D sample extraction from a preprocessed case."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesionbench.preprocess import PREPROCESSED_KEYS, read_npz, write_npz
from lesionbench.samples import SampleSettings, extract_samples

Z, Y, X = 10, 20, 24


def _write_preprocessed(path):
    image = np.zeros((1, Z, Y, X), dtype=np.float32)
    mask = np.zeros((Z, Y, X), dtype=np.uint8)
    brain = np.zeros((Z, Y, X), dtype=np.uint8)
    brain[1:9, 2:18, 2:22] = 1
    brain[9, 10, 10] = 1  # a slice with almost no brain
    image[0][brain == 1] = 0.35
    mask[3:6, 8:12, 10:16] = 1  # lesion in slices 3, 4, 5
    image[0][mask == 1] = 0.8
    arrays = {
        "image": image, "mask": mask, "brain": brain, "spacing": np.array([1.0, 1.0, 5.0]),
        "resampled_origin": np.zeros(3), "resampled_direction": np.eye(3).ravel(),
        "resampled_size": np.array([X, Y, Z], dtype=np.int64), "crop_start": np.zeros(3, dtype=np.int64),
        "provenance": np.array(json.dumps({"lesionbench_version": "test"})),
    }
    assert set(arrays) == set(PREPROCESSED_KEYS)
    write_npz(path, arrays)


@pytest.fixture
def case(tmp_path):
    path = tmp_path / "ph001.npz"
    _write_preprocessed(path)
    return path


def test_shapes_dtypes_and_lesion_slices(tmp_path, case):
    settings = SampleSettings.from_dict({"size": [32, 48], "lesion_free_fraction": 0.5, "seed": 4, "min_brain_pixels": 10})
    extract_samples(case, tmp_path / "out" / "ph001.npz", settings)
    out = read_npz(tmp_path / "out" / "ph001.npz", ["images", "masks", "slice_index", "has_lesion", "provenance"])
    # lesion-free candidates: slices 1, 2, 6, 7, 8 (slices 0 and 9 have < 10 brain pixels) -> round(2.5) = 3
    n = 3 + 3
    assert out["images"].shape == (n, 1, 32, 48) and out["images"].dtype == np.float32
    assert out["masks"].shape == (n, 1, 32, 48) and out["masks"].dtype == np.uint8
    assert out["slice_index"].dtype == np.int64 and out["has_lesion"].dtype == np.bool_
    index = out["slice_index"].tolist()
    assert {3, 4, 5} <= set(index) and set(index) <= {1, 2, 3, 4, 5, 6, 7, 8}
    assert index == sorted(index)
    assert out["has_lesion"].tolist() == [i in (3, 4, 5) for i in index]
    assert set(np.unique(out["masks"])) == {0, 1}
    # the lesion (rows 8-11 of 20, columns 10-15 of 24) scales to rows 12.8-19.2, columns 20-32
    lesion_sample = out["masks"][index.index(4), 0]
    rows, cols = np.nonzero(lesion_sample)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (13, 19, 20, 31)
    # bilinear image: lesion 0.8 inside the lesion's interior
    assert out["images"][index.index(4), 0, 16, 26] == pytest.approx(0.8)
    assert json.loads(str(out["provenance"][()]))["case"] == "ph001"


@pytest.mark.parametrize(("fraction", "expected_free"), [(0.0, 0), (0.4, 2), (1.0, 5)])
def test_lesion_free_proportion(tmp_path, case, fraction, expected_free):
    settings = SampleSettings.from_dict({"size": [16, 16], "lesion_free_fraction": fraction, "min_brain_pixels": 10})
    arrays = extract_samples(case, tmp_path / "s.npz", settings)
    assert int((~arrays["has_lesion"]).sum()) == expected_free
    assert int(arrays["has_lesion"].sum()) == 3


def test_same_seed_same_slices_and_min_brain_pixels_zero_allows_all(tmp_path, case):
    settings = SampleSettings.from_dict({"size": [16, 16], "lesion_free_fraction": 0.5, "seed": 9})
    first = extract_samples(case, tmp_path / "a.npz", settings)["slice_index"]
    second = extract_samples(case, tmp_path / "b.npz", settings)["slice_index"]
    np.testing.assert_array_equal(first, second)
    # min_brain_pixels 0: 7 lesion-free slices (0, 1, 2, 6, 7, 8, 9) -> round(3.5) = 4
    assert len(first) == 3 + 4
    seeds = {tuple(extract_samples(case, tmp_path / "c.npz", SampleSettings.from_dict(
        {"size": [16, 16], "lesion_free_fraction": 0.5, "seed": s}))["slice_index"]) for s in range(8)}
    assert len(seeds) > 1


def test_no_sample_writes_empty_arrays(tmp_path, case):
    data = read_npz(case)
    data["mask"][:] = 0
    write_npz(tmp_path / "empty.npz", data)
    settings = SampleSettings.from_dict({"size": [8, 8], "lesion_free_fraction": 0.0})
    arrays = extract_samples(tmp_path / "empty.npz", tmp_path / "e.npz", settings)
    assert arrays["images"].shape == (0, 1, 8, 8) and arrays["masks"].shape == (0, 1, 8, 8)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"layout": "3d"}, r"unknown layout '3d'; valid layouts are \['2.5d', '2d'\]"),
        ({"size": [416]}, r"size must be \[H, W\]"),
        ({"size": [0, 8]}, r"size must be \[H, W\]"),
        ({"lesion_free_fraction": 1.5}, r"lesion_free_fraction must be in \[0, 1\]"),
        ({"seed": "a"}, "seed must be an integer"),
        ({"shape": [8, 8]}, r"unknown key\(s\) \['shape'\]"),
    ],
)
def test_settings_validation(data, message):
    with pytest.raises(ValueError, match=message):
        SampleSettings.from_dict(data)


def test_missing_input_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        extract_samples(tmp_path / "nothing.npz", tmp_path / "o.npz", SampleSettings())
