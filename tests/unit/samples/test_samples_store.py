"""The samples folder on disk: row reads without mapping, completeness and consistency checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesionbench.samples import CaseSamples, NpyRows, SampleStoreError, write_case_samples


def _write(folder, z=5):
    images = np.arange(z * 2 * 3 * 4, dtype=np.float32).reshape(z, 2, 3, 4)
    masks = (np.arange(z * 12).reshape(z, 1, 3, 4) % 256).astype(np.uint8)
    index = write_case_samples(folder, {"images": images, "masks": masks},
                               {"case_id": folder.name, "targets": [1, 3], "has_lesion": [True, False], "label_scale": 255})
    return images, masks, index


def test_rows_equal_the_array_and_the_files_memory_map(tmp_path):
    images, masks, index = _write(tmp_path / "c0")
    stored = CaseSamples(tmp_path / "c0")
    assert np.array_equal(stored.images.rows(1, 4), images[1:4]) and stored.images.rows(2, 2).shape == (0, 2, 3, 4)
    assert np.array_equal(stored.label_rows(0, 5), masks.astype(np.float32) / 255)
    assert np.array_equal(np.load(tmp_path / "c0" / "images.npy", mmap_mode="r"), images)
    assert stored.targets == [1, 3] and stored.has_lesion == [True, False] and stored.case_id == "c0"
    assert index["arrays"]["images"]["shape"] == [5, 2, 3, 4] and len(index["arrays"]["masks"]["sha256"]) == 64
    with pytest.raises(IndexError, match="rows 4:6 outside 0:5"):
        stored.images.rows(4, 6)


def test_content_hash_follows_the_arrays(tmp_path):
    _write(tmp_path / "a")
    before = CaseSamples(tmp_path / "a").content_hash()
    assert CaseSamples(tmp_path / "a").content_hash() == before
    _write(tmp_path / "a", z=6)
    assert CaseSamples(tmp_path / "a").content_hash() != before


def test_incomplete_or_inconsistent_folders_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="index.json: samples index not found"):
        CaseSamples(tmp_path / "none")
    _write(tmp_path / "b")
    (tmp_path / "b" / "masks.npy").unlink()
    with pytest.raises(FileNotFoundError, match="masks.npy: samples array not found"):
        CaseSamples(tmp_path / "b")
    _write(tmp_path / "c")
    index = json.loads((tmp_path / "c" / "index.json").read_text())
    index["arrays"]["images"]["shape"] = [4, 2, 3, 4]
    (tmp_path / "c" / "index.json").write_text(json.dumps(index))
    with pytest.raises(SampleStoreError, match=r"images.npy: shape \(5, 2, 3, 4\) float32 differs from the index"):
        CaseSamples(tmp_path / "c")
    (tmp_path / "d.npy").write_bytes(b"not numpy")
    with pytest.raises(SampleStoreError, match="d.npy: not a .npy file"):
        NpyRows.open(tmp_path / "d.npy")
