"""Multi-channel images (4D NIfTI) and MRI z-score normalisation within the head."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from lesionbench.io import ImageFileError, write_image
from lesionbench.preprocess import (
    PreprocessError,
    PreprocessSettings,
    head_mask,
    join_channels,
    preprocess_case,
    read_channels,
    split_channels,
)
from lesionbench.preprocess.intensity import get_normalizer

SPACING = (1.5, 1.2, 3.0)
ORIGIN = (-10.0, 20.0, 5.0)
DIRECTION = (0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0)


def _image(array_zyx):
    image = sitk.GetImageFromArray(np.asarray(array_zyx, dtype=np.float32))
    image.SetSpacing(SPACING)
    image.SetOrigin(ORIGIN)
    image.SetDirection(DIRECTION)
    return image


def _ball(shape=(10, 16, 18), radius=0.8):
    z, y, x = np.meshgrid(*(np.linspace(-1, 1, n) for n in shape), indexing="ij")
    return z**2 + y**2 + x**2 <= radius**2


def test_join_and_split_round_trip_through_a_4d_nifti(tmp_path):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(4, 5, 6)).astype(np.float32) for _ in range(3)]
    write_image(join_channels([_image(a) for a in arrays]), tmp_path / "multi.nii.gz")
    assert nib.load(tmp_path / "multi.nii.gz").shape == (6, 5, 4, 3)  # (X, Y, Z, C)
    channels = read_channels(tmp_path / "multi.nii.gz")
    assert len(channels) == 3
    for array, channel in zip(arrays, channels):
        assert np.array_equal(sitk.GetArrayFromImage(channel), array)
        assert np.allclose(channel.GetSpacing(), SPACING) and np.allclose(channel.GetOrigin(), ORIGIN)
        assert np.allclose(channel.GetDirection(), DIRECTION)
    one = join_channels([_image(arrays[0])])
    assert one.GetDimension() == 3 and split_channels(one) == [one]


def test_join_refuses_channels_on_different_grids_and_reader_names_the_file(tmp_path):
    shifted = _image(np.zeros((4, 5, 6)))
    shifted.SetOrigin((0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="channel 1 is not on the grid of channel 0"):
        join_channels([_image(np.zeros((4, 5, 6))), shifted])
    (tmp_path / "junk.nii.gz").write_bytes(b"not an image")
    with pytest.raises(ImageFileError, match=r"junk\.nii\.gz: cannot be read as an image"):
        read_channels(tmp_path / "junk.nii.gz")


def test_each_channel_is_preprocessed_as_it_would_be_alone(tmp_path):
    """Peer: the 3-channel result equals three one-channel runs (resampling, crop, window)."""
    rng = np.random.default_rng(1)
    brain = _ball()
    arrays = [np.where(brain, 40.0 + 10 * k + rng.normal(0, 5, brain.shape), -1000.0) for k in range(3)]
    mask = (_ball(radius=0.3)).astype(np.uint8)
    write_image(join_channels([_image(a) for a in arrays]), tmp_path / "multi.nii.gz")
    write_image(_image(mask), tmp_path / "mask.nii.gz")
    write_image(_image(brain.astype(np.uint8)), tmp_path / "brain.nii.gz")
    settings = PreprocessSettings.from_dict({"spacing": [1.0, 1.0, 2.0], "window": [50, 100], "crop_margin_mm": 2.0})
    multi = preprocess_case(tmp_path / "multi.nii.gz", tmp_path / "mask.nii.gz", tmp_path / "brain.nii.gz",
                            tmp_path / "multi.npz", settings)
    assert multi["image"].shape[0] == 3 and multi["image"].shape[1:] == multi["mask"].shape
    for k, array in enumerate(arrays):
        write_image(_image(array), tmp_path / f"c{k}.nii.gz")
        single = preprocess_case(tmp_path / f"c{k}.nii.gz", tmp_path / "mask.nii.gz", tmp_path / "brain.nii.gz",
                                 tmp_path / f"c{k}.npz", settings)
        assert np.array_equal(multi["image"][k], single["image"][0])
        assert np.array_equal(multi["mask"], single["mask"]) and np.array_equal(multi["crop_start"], single["crop_start"])


def test_nan_in_one_channel_names_the_file_and_channel(tmp_path):
    good = np.zeros((4, 5, 6), dtype=np.float32)
    bad = good.copy()
    bad[1, 2, 3] = np.nan
    write_image(join_channels([_image(good), _image(bad)]), tmp_path / "nan.nrrd")  # NRRD keeps NaN
    write_image(_image(good.astype(np.uint8)), tmp_path / "mask.nii.gz")
    with pytest.raises(PreprocessError, match=r"nan\.nrrd: 1 NaN voxel\(s\) in channel 1"):
        preprocess_case(tmp_path / "nan.nrrd", tmp_path / "mask.nii.gz", None, tmp_path / "x.npz",
                        PreprocessSettings.from_dict({"normalize": "none"}))


def test_head_mask_fills_dark_ventricles_and_drops_specks():
    head = _ball(radius=0.8)
    ventricle = _ball(radius=0.25)
    image = np.where(head, 300.0, 0.0)
    image[ventricle] = 5.0  # darker than Otsu's threshold, but enclosed
    image[0, 0, 0] = 400.0  # a bright speck in the air
    mask = head_mask(image[None])
    assert np.array_equal(mask, head)
    assert not head_mask(np.full((1, 3, 4, 5), 7.0)).any()


def test_zscore_head_statistics_are_those_of_the_head_voxels():
    rng = np.random.default_rng(2)
    head = _ball(radius=0.8)
    t1 = np.where(head, rng.normal(500, 40, head.shape), rng.normal(3, 1, head.shape) ** 2)
    t2 = np.where(head, rng.normal(80, 9, head.shape), 0.0)
    image = np.stack([t1, t2]).astype(np.float32)
    out, background = get_normalizer("zscore_head")(image, np.ones(head.shape, np.uint8), None)
    assert background == 0.0
    for k in range(2):
        values = image[k][head].astype(np.float64)
        expected = (image[k][head] - values.mean()) / values.std()
        assert np.allclose(out[k][head], expected, atol=1e-5)
        assert not out[k][~head].any()


def test_zscore_head_needs_a_head_and_a_varying_channel():
    normalize = get_normalizer("zscore_head")
    with pytest.raises(ValueError, match="no head voxel found"):
        normalize(np.zeros((1, 4, 5, 6), np.float32), np.ones((4, 5, 6), np.uint8), None)
    head = _ball()
    varying = np.where(head, 100.0 + np.random.default_rng(3).normal(0, 5, head.shape), 0.0)
    image = np.stack([varying, np.where(head, 50.0, 50.0)]).astype(np.float32)
    with pytest.raises(ValueError, match="channel 1 is constant inside the head"):
        normalize(image, np.ones(head.shape, np.uint8), None)
    assert PreprocessSettings.from_dict({"normalize": "zscore_head"}).normalize == "zscore_head"
