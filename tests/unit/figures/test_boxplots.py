"""Box plots: the drawn medians and points are the table's numbers."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pytest

from lesionbench.figures import FigureSettings, boxplots, model_colors, plot_boxplot


def test_plotted_medians_and_points_equal_the_selected_values(frames):
    drawn = plot_boxplot(frames, "dice", FigureSettings(reference="unet"))
    for model in ("ours", "fcn8s", "unet"):
        frame = frames[model]
        expected = frame.loc[frame["has_lesion"], "dice"].dropna().to_numpy()  # ph005 excluded
        median_line = drawn.artists[("median", model)]
        assert median_line.get_ydata()[0] == pytest.approx(np.median(expected))
        offsets = drawn.artists[("points", model)].get_offsets()
        np.testing.assert_allclose(offsets[:, 1], expected)
        assert len(offsets) == (4 if model == "fcn8s" else 5)  # fcn8s has one NaN
    # The reference is drawn first (position 1), the others keep their order.
    assert np.mean(drawn.artists[("points", "unet")].get_offsets()[:, 0]) == pytest.approx(1, abs=0.15)
    assert [t.get_text() for t in drawn.figure.axes[0].get_xticklabels()] == ["unet", "ours", "fcn8s"]


def test_boxplot_colors_follow_model_colors(frames):
    colors = model_colors(["ours", "fcn8s", "unet"])
    drawn = plot_boxplot(frames, "ppv", FigureSettings(reference="ours"), colors)
    face = drawn.artists[("points", "fcn8s")].get_facecolor()[0]
    np.testing.assert_allclose(face[:3], [0x56 / 255, 0xB4 / 255, 0xE9 / 255])


def test_boxplots_write_png_and_pdf(frames, tmp_path):
    settings = FigureSettings(reference="ours", dpi=50)
    written = boxplots(frames, ["dice", "ppv"], tmp_path, settings)
    assert [p.name for p in written] == ["boxplot_dice.png", "boxplot_dice.pdf", "boxplot_ppv.png", "boxplot_ppv.pdf"]
    # 3 models: width max(4, 1.5 + 3) = 4.5 in, height 4 in at 50 dpi.
    assert mpimg.imread(written[0]).shape[:2] == (200, 225)
    assert written[1].read_bytes()[:4] == b"%PDF"
