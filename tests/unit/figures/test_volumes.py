"""Volume scatter: offsets are the table's volumes, r is Pearson's."""

from __future__ import annotations

import numpy as np
import pytest

from lesionbench.figures import (
    FigureSettings,
    pearson_r,
    plot_volume_scatter,
    volume_scatter,
)


def test_scatter_offsets_and_r(frames):
    drawn = plot_volume_scatter(frames, FigureSettings(reference="ours"))
    frame = frames["unet"][frames["unet"]["has_lesion"]]
    offsets = drawn.artists[("points", "unet")].get_offsets()
    np.testing.assert_allclose(offsets, frame[["ref_volume_ml", "pred_volume_ml"]].to_numpy())
    r = np.corrcoef(frame["ref_volume_ml"], frame["pred_volume_ml"])[0, 1]
    assert drawn.data[("r", "unet")] == pytest.approx(r)
    labels = drawn.figure.axes[0].get_legend_handles_labels()[1]
    assert f"unet (r = {r:.3f}, n = 5)" in labels and "identity" in labels


def test_pearson_r_degenerate_cases():
    assert np.isnan(pearson_r(np.array([1.0]), np.array([2.0])))
    assert np.isnan(pearson_r(np.array([1.0, 2.0]), np.array([3.0, 3.0])))
    assert pearson_r(np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])) == pytest.approx(1.0)


def test_volume_scatter_files(frames, tmp_path):
    png, pdf = volume_scatter(frames, tmp_path / "volume_scatter", FigureSettings(dpi=30))
    assert png.name == "volume_scatter.png" and pdf.read_bytes()[:4] == b"%PDF"
