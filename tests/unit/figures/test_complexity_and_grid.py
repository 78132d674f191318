"""Complexity against Dice, the per-model overlay grid, and the captions."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from lesionbench.figures import (
    ComplexityFileError,
    FigureSettings,
    caption_for,
    overlay_grid,
    pick_cases,
    plot_complexity,
    plot_overlay_grid,
    read_complexity,
)


def test_read_complexity_and_errors(tmp_path):
    path = tmp_path / "complexity.tsv"
    path.write_text("experiment\tparameters\tflops\tlatency_ms\nours\t1000\t2e6\t3.5\nunet\t5000\tNA\t1\n")
    table = read_complexity(path)
    assert table.loc["ours", "flops"] == 2e6 and np.isnan(table.loc["unet", "flops"])
    path.write_text("experiment\tparameters\nours\t1000\n")
    with pytest.raises(ComplexityFileError, match=r"complexity.tsv: missing column\(s\) \['flops'\]"):
        read_complexity(path)
    path.write_text("experiment\tparameters\tflops\nours\tmany\t1\n")
    with pytest.raises(ComplexityFileError, match="non-numeric parameters or flops"):
        read_complexity(path)
    path.write_text("experiment\tparameters\tflops\nours\t1\t1\nours\t2\t2\n")
    with pytest.raises(ComplexityFileError, match=r"listed twice: \['ours'\]"):
        read_complexity(path)


def test_complexity_points_are_parameters_and_mean_dice(frames):
    table = pd.DataFrame({"parameters": [1e3, 5e3, 2e4], "flops": [2e6, np.nan, 9e6]},
                         index=pd.Index(["ours", "unet", "segnet"], name="experiment"))
    drawn = plot_complexity(frames, table, FigureSettings(reference="ours", dpi=40))
    ours = frames["ours"][frames["ours"]["has_lesion"]]["dice"].mean()
    assert drawn.data[("point", "ours")] == pytest.approx((1e3, 2e6, ours))
    assert ("point", "segnet") not in drawn.data and ("point", "fcn8s") not in drawn.data
    assert ("flops", "unet") not in drawn.artists and ("parameters", "unet") in drawn.artists
    assert drawn.figure.get_size_inches().tolist() == [8.4, 3.8]  # two panels: parameters and FLOPs
    other = pd.DataFrame({"parameters": [1.0], "flops": [1.0]}, index=pd.Index(["x"]))
    assert plot_complexity(frames, other, FigureSettings()) is None


def test_overlay_grid_picks_each_models_cases(frames, volumes, tmp_path):
    cfg = FigureSettings(reference="unet", dpi=20)
    drawn = plot_overlay_grid(frames, volumes["images"], volumes["masks"], volumes["predictions"], cfg)
    for model in ("ours", "fcn8s", "unet"):
        assert drawn.data[("cases", model)] == pick_cases(frames[model], 3, "dice", "auto")
    case = drawn.data[("cases", "unet")][0]
    assert drawn.data[("slice", "unet", case)] == int(case[-1]) % 4  # the largest reference slice
    assert {k[3] for k in drawn.artists if k[:3] == ("contour", "unet", case)} == {"reference", "unet"}
    legend = drawn.figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Reference", "unet", "ours", "fcn8s"]
    png, _ = overlay_grid(frames, volumes["images"], volumes["masks"], volumes["predictions"], tmp_path / "g", cfg)
    assert mpimg.imread(png).shape[:2] == (154, 144)  # 3 x 3 panels of 2.4 in + 0.5 in legend at 20 dpi
    with pytest.raises(ValueError, match="no model has both a metrics table and predictions"):
        plot_overlay_grid(frames, volumes["images"], volumes["masks"], {}, cfg)


def test_captions_cover_every_figure_prefix():
    assert caption_for("boxplot_hd95").startswith("Per-case values")
    assert "Holm" in caption_for("significance_map_dice")
    assert caption_for("overlays_per_model") != caption_for("overlays")
    with pytest.raises(KeyError, match="no caption for figure 'mystery'"):
        caption_for("mystery")
