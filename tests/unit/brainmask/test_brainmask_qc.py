"""The brain mask's QC picture: where it goes, which slices, what it shows."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import SimpleITK as sitk
from synthetic_head import make_head

from lesionbench.brainmask import ct_brain_mask, qc_path_for, write_qc_png
from lesionbench.brainmask.qc import pick_slices
from lesionbench.cli import main
from lesionbench.io import write_image


def test_qc_path_sits_next_to_the_mask(tmp_path):
    assert qc_path_for(tmp_path / "brain" / "ph000.nii.gz") == tmp_path / "brain" / "ph000_qc.png"
    assert qc_path_for("out/mask.nii") == qc_path_for("out/mask.nii.gz").with_name("mask_qc.png")


def test_pick_slices_spreads_over_the_covered_slices():
    mask = np.zeros((40, 4, 4), dtype=bool)
    mask[10:30, 1, 1] = True  # covered slices 10..29
    assert pick_slices(mask, 4) == [14, 18, 21, 25]
    assert pick_slices(mask[:12], 6) == [10, 11]
    assert pick_slices(np.zeros((9, 2, 2), bool), 3) == [4]


def test_qc_png_shows_the_outline_in_red(tmp_path):
    image, _, _ = make_head(suture_gap=False)
    mask = ct_brain_mask(image)
    shown = write_qc_png(image, mask, tmp_path / "qc.png", title="ph000")
    assert shown == pick_slices(sitk.GetArrayFromImage(mask).astype(bool), 6) and len(shown) == 6
    picture = matplotlib.image.imread(tmp_path / "qc.png")
    assert picture.shape[:2] == (720, 960)  # 3 x 2 panels: (3.4 x 2 + 0.4) x (3.2 x 3) inches at 100 dpi
    red = (picture[..., 0] > 0.8) & (picture[..., 1] < 0.3) & (picture[..., 2] < 0.3)
    assert red.sum() > 500
    assert not list(tmp_path.glob(".qc.png*"))  # no temporary file left


def test_cli_writes_the_qc_next_to_the_mask_unless_told_not_to(tmp_path):
    image, _, _ = make_head(suture_gap=False)
    write_image(image, tmp_path / "ct.nii.gz")
    assert main(["brain-mask", str(tmp_path / "ct.nii.gz"), str(tmp_path / "ph001.nii.gz"), "--title", "ph001"]) == 0
    assert (tmp_path / "ph001_qc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["brain-mask", str(tmp_path / "ct.nii.gz"), str(tmp_path / "b.nii.gz"), "--no-qc"]) == 0
    assert not (tmp_path / "b_qc.png").exists() and (tmp_path / "b.nii.gz").exists()
    assert main(["brain-mask", str(tmp_path / "ct.nii.gz"), str(tmp_path / "c.nii.gz"), "--qc",
                 str(tmp_path / "pictures" / "c.png")]) == 0
    assert (tmp_path / "pictures" / "c.png").exists()
