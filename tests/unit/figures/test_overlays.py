"""Overlay montage: case choice, slice choice, contours and grid checks."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from lesionbench.figures import (
    FigureSettings,
    largest_slice,
    overlay_montage,
    pick_cases,
    plot_overlay_montage,
)
from lesionbench.io import ImageFileError


def test_pick_cases_best_median_worst():
    frame = pd.DataFrame({"case_id": list("abcdefg"), "dice": [0.5, 0.9, 0.7, 0.8, np.nan, 0.6, 1.0],
                          "has_lesion": [True, True, True, True, True, True, False]})
    # With a lesion and a Dice: b .9, d .8, c .7, f .6, a .5 -> best, median, worst.
    assert pick_cases(frame, 3) == ["b", "c", "a"]
    assert pick_cases(frame, 10) == ["b", "d", "c", "f", "a"]
    assert pick_cases(frame, 1) == ["b"]
    assert pick_cases(frame, 2, subset="all") == ["g", "a"]


def test_largest_slice():
    mask = np.zeros((3, 4, 4), dtype=bool)
    mask[0, :1, :1] = mask[2, :2, :2] = True
    assert largest_slice(mask) == 2


def test_montage_uses_largest_reference_slice_window_and_contours(volumes):
    settings = FigureSettings(window=(40, 80), dpi=40)
    cases = ["ph001", "ph002", "ph005"]
    drawn = plot_overlay_montage(cases, volumes["images"], volumes["masks"], volumes["predictions"], settings)
    assert drawn.data[("slice", "ph001")] == 1 and drawn.data[("slice", "ph002")] == 2
    assert drawn.data[("slice", "ph005")] == 2  # nothing anywhere: the middle slice (4 // 2)
    image = drawn.artists[("image", "ph002")]
    assert image.get_clim() == (0.0, 80.0)  # level 40, width 80 HU
    assert image.get_array()[12, 10] == pytest.approx(70.0) and image.get_array()[0, 0] == pytest.approx(30.0)
    assert {k[2] for k in drawn.artists if k[:2] == ("contour", "ph001")} == {"reference", "ours", "fcn8s", "unet"}
    assert ("contour", "ph005", "reference") not in drawn.artists
    # The unet prediction is the reference shifted by 2 voxels in x: so is its contour.
    ref_path = drawn.artists[("contour", "ph001", "reference")].get_paths()[0].vertices
    unet_path = drawn.artists[("contour", "ph001", "unet")].get_paths()[0].vertices
    assert unet_path[:, 0].min() - ref_path[:, 0].min() == pytest.approx(2.0)
    assert ref_path[:, 0].min() == pytest.approx(4.5) and ref_path[:, 1].min() == pytest.approx(6.5)
    legend = drawn.figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Reference", "ours", "fcn8s", "unet"]


def test_montage_files(volumes, tmp_path):
    png, pdf = overlay_montage(["ph000", "ph003"], volumes["images"], volumes["masks"], volumes["predictions"],
                               tmp_path / "overlays", window=(40, 80), settings=FigureSettings(dpi=40))
    # Two panels of 3 in plus a 0.6 in legend band at 40 dpi.
    assert mpimg.imread(png).shape[:2] == (144, 240)
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_montage_errors_name_the_file(volumes):
    bad = volumes["root"] / "bad.nii.gz"
    small = sitk.GetImageFromArray(np.zeros((4, 10, 10), dtype=np.uint8))
    sitk.WriteImage(small, str(bad))
    predictions = {"ours": {"ph000": bad}}
    with pytest.raises(ImageFileError, match="bad.nii.gz: not on the grid of .*ph000.nii.gz"):
        plot_overlay_montage(["ph000"], volumes["images"], volumes["masks"], predictions, FigureSettings())
    with pytest.raises(FileNotFoundError, match="no prediction of case 'ph001' for experiment 'ours'"):
        plot_overlay_montage(["ph001"], volumes["images"], volumes["masks"], predictions, FigureSettings())
    with pytest.raises(FileNotFoundError, match="ph999.nii.gz: not found"):
        plot_overlay_montage(["ph999"], volumes["images"], volumes["masks"], {}, FigureSettings())
