"""The ``3d_voi`` layout (paper 001, section 3.2 (4)): one VOI per case around the reference lesion."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.samples import CaseSamples, SampleSettings, crop_voi, extract_samples, get_layout, paste_voi, voi_start

from tests.preprocessed_files import write_preprocessed


def test_voi_is_centred_on_the_lesion_box_and_clamped_inside():
    mask = np.zeros((40, 50, 60), dtype=np.uint8)
    mask[10:14, 20:30, 30:34] = 1  # box centres 12, 25, 32
    assert voi_start(mask, (16, 16, 16)) == (4, 17, 24)
    mask[:] = 0
    mask[0:2, 48:50, 0:3] = 1  # at the edges: shifted to stay inside
    assert voi_start(mask, (16, 16, 16)) == (0, 34, 0)
    # an axis shorter than the VOI is zero-padded on both sides; no lesion: the volume's centre
    assert voi_start(np.zeros((10, 50, 60)), (16, 16, 16)) == (-3, 17, 22)


def test_crop_and_paste_are_inverse_where_the_voi_lies_inside():
    rng = np.random.default_rng(0)
    volume = rng.random((2, 10, 20, 30)).astype(np.float32)
    voi = crop_voi(volume, (-3, 4, 10), (16, 8, 8))
    assert voi.shape == (2, 16, 8, 8)
    assert voi[:, :3].max() == 0.0 and voi[:, 13:].max() == 0.0  # padding outside z 0..9
    np.testing.assert_array_equal(voi[:, 3:13], volume[:, :, 4:12, 10:18])
    pasted = paste_voi(voi[0], (-3, 4, 10), (10, 20, 30))
    np.testing.assert_array_equal(pasted[:, 4:12, 10:18], volume[0, :, 4:12, 10:18])
    assert pasted.sum() == pytest.approx(volume[0, :, 4:12, 10:18].sum())


def test_extracted_voi_holds_the_lesion_and_reads_as_a_3d_sample(tmp_path):
    image = np.zeros((1, 30, 40, 44), dtype=np.float32)
    mask = np.zeros((30, 40, 44), dtype=np.uint8)
    brain = np.ones((30, 40, 44), dtype=np.uint8)
    image[0] = np.linspace(0, 1, 44, dtype=np.float32)[None, None, :]
    mask[12:18, 5:15, 30:40] = 1
    npz = write_preprocessed(tmp_path / "c1.npz", image, mask, brain, spacing=(1.0, 1.0, 1.0))
    settings = SampleSettings.from_dict({"layout": "3d_voi", "voi": [16, 16, 16]})
    index = extract_samples(npz, tmp_path / "c1", settings)
    assert index["targets"] == [0] and index["has_lesion"] == [True]
    assert index["voi_start"] == [7, 2, 27] and index["voi_size"] == [16, 16, 16]
    assert index["lesion"]["cropped_voxels"] == 0 and index["lesion"]["samples_ml"] == pytest.approx(0.6)
    stored = CaseSamples(tmp_path / "c1")
    assert stored.images.shape == (1, 1, 16, 16, 16) and stored.masks.shape == (1, 1, 16, 16, 16)
    sample, label = get_layout("3d_voi").read_sample(stored, 0, settings)
    assert sample.shape == (1, 16, 16, 16) and label.shape == (1, 16, 16, 16)
    np.testing.assert_array_equal(sample[0], image[0, 7:23, 2:18, 27:43])
    assert label.sum() == 600.0
    # a lesion wider than the VOI is cut, and the index says so
    mask[:] = 0
    mask[5:25, 5:35, 5:40] = 1
    big = write_preprocessed(tmp_path / "c2.npz", image, mask, brain, spacing=(1.0, 1.0, 1.0))
    index = extract_samples(big, tmp_path / "c2", settings)
    assert index["lesion"]["cropped_voxels"] == 20 * 30 * 35 - 16 ** 3
    assert "larger than the VOI" in index["warnings"][0]
