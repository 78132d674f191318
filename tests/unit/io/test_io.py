"""Atomic writes: complete or absent, with ordinary permissions."""

import os
import stat

import pytest

from lesionbench.io import atomic_path, write_json


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_written_file_has_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert (tmp_path / "a.json").read_text() == '{\n  "x": 1\n}\n'


def test_all_nan_nifti_is_refused_naming_the_file(tmp_path):
    import nibabel
    import numpy as np

    from lesionbench.io import ImageFileError, read_image

    path = tmp_path / "nan.nii.gz"
    nibabel.save(nibabel.Nifti1Image(np.full((4, 4, 3), np.nan, np.float32), np.eye(4)), str(path))
    with pytest.raises(ImageFileError, match=r"nan.nii.gz: every voxel is NaN"):
        read_image(path)
