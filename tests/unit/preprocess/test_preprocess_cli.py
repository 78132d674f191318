"""``lesionbench preprocess`` command line."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from lesionbench.cli import main
from lesionbench.io import write_image
from lesionbench.preprocess import load_preprocessed


def test_cli_preprocesses_a_case(tmp_path, capsys):
    hu = np.full((6, 10, 12), -1000.0, dtype=np.float32)
    hu[1:5, 2:8, 3:9] = 50.0
    brain = (hu > 0).astype(np.uint8)
    lesion = np.zeros_like(brain)
    lesion[2:4, 4:6, 5:7] = 1
    for name, array in (("image", hu), ("mask", lesion), ("brain", brain)):
        image = sitk.GetImageFromArray(array)
        image.SetSpacing((1.0, 1.0, 2.0))
        write_image(image, tmp_path / f"{name}.nii.gz")
    args = ["preprocess", "--image", str(tmp_path / "image.nii.gz"), "--mask", str(tmp_path / "mask.nii.gz"),
            "--brain", str(tmp_path / "brain.nii.gz"), "--out", str(tmp_path / "case.npz"),
            "--settings", '{"spacing": [1.0, 1.0, 1.0], "window": [50, 100]}']
    assert main(args) == 0
    data = load_preprocessed(tmp_path / "case.npz")
    assert data["image"].shape == (1, 8, 6, 6)  # brain box: 4 slices x 2 mm -> 8 at 1 mm, 6 x 6 pixels
    np.testing.assert_allclose(data["image"][0, 1:7], 0.5)  # 50 HU at level 50 -> 0.5
    # the first and last 1 mm slices lie 0.5 mm from a 2 mm air slice: 0.25 * -1000 + 0.75 * 50 HU -> 0
    np.testing.assert_allclose(data["image"][0, [0, 7]], 0.0)
    assert int(data["mask"].sum()) == 2 * 2 * 2 * 2

    assert main(args[:-1] + ['{"window": [50, 100], "spacing": [1, 1]}']) == 2
    assert "preprocess.spacing[2]: required setting is missing" in capsys.readouterr().err
