"""``lesionbench brain-mask`` command line."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from synthetic_head import dice, make_head

from lesionbench.cli import main
from lesionbench.io import read_mask, write_image


def test_cli_writes_the_mask_and_reports_bad_input(tmp_path, capsys):
    image, intracranial, _ = make_head(suture_gap=False)
    write_image(image, tmp_path / "ct.nii.gz")
    assert main(["brain-mask", str(tmp_path / "ct.nii.gz"), str(tmp_path / "brain.nii.gz"),
                 "--settings", '{"tissue_hu": [-15, 100], "bone_hu": 300}']) == 0
    mask = sitk.GetArrayFromImage(read_mask(tmp_path / "brain.nii.gz"))
    assert dice(mask, intracranial) >= 0.97

    assert main(["brain-mask", str(tmp_path / "ct.nii.gz"), str(tmp_path / "b2.nii.gz"), "--settings", "{bad"]) == 2
    assert "inline settings: not valid JSON" in capsys.readouterr().err
    air = sitk.GetImageFromArray(np.full((2, 8, 8), -1000.0, dtype=np.float32))
    write_image(air, tmp_path / "air.nii.gz")
    assert main(["brain-mask", str(tmp_path / "air.nii.gz"), str(tmp_path / "b3.nii.gz")]) == 2
    assert "air.nii.gz: no voxel in the brain HU range" in capsys.readouterr().err
    assert not (tmp_path / "b3.nii.gz").exists()
