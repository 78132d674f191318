"""Colours and saving."""

from __future__ import annotations

import matplotlib.image as mpimg
import pytest

from lesionbench.figures import OKABE_ITO, FigureSettings, model_colors, save_figure
from lesionbench.figures.style import new_figure
from lesionbench.stats import SettingsError


def test_model_colors_okabe_ito_in_order_and_stable():
    colors = model_colors(["ours", "fcn8s", "unet"])
    assert colors == {"ours": "#E69F00", "fcn8s": "#56B4E9", "unet": "#009E73"}
    assert model_colors(["ours", "fcn8s", "unet"]) == colors
    many = model_colors([f"m{i}" for i in range(10)])
    assert list(many.values())[:8] == list(OKABE_ITO) and len(set(many.values())) == 10
    with pytest.raises(ValueError, match="repeat"):
        model_colors(["a", "a"])


def test_save_figure_png_size_and_pdf_header(tmp_path):
    figure = new_figure(4.0, 3.0, dpi=150)
    figure.add_subplot().plot([0, 1], [1, 0])
    png, pdf = save_figure(figure, tmp_path / "sub" / "fig", dpi=150, info={"figure": "test"})
    assert (png.name, pdf.name) == ("fig.png", "fig.pdf")
    assert mpimg.imread(png).shape[:2] == (450, 600)  # 3 x 4 inches at 150 dpi
    assert pdf.read_bytes().startswith(b"%PDF")
    assert b"lesionbench" in png.read_bytes()  # provenance in the PNG text chunk
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["fig.pdf", "fig.png"]


def test_figure_settings_accept_compare_keys_and_reject_unknown():
    s = FigureSettings.from_dict({"reference": "ours", "alpha": 0.05, "correction": "fdr_bh", "window": [35, 90]})
    assert s.reference == "ours" and s.window == (35.0, 90.0)
    with pytest.raises(SettingsError, match=r"figures.colour: unknown setting \(valid: annotate"):
        FigureSettings.from_dict({"colour": "red"})
    with pytest.raises(SettingsError, match=r"figures.window\[1\]: must be > 0"):
        FigureSettings.from_dict({"window": [40, 0]})


def test_figure_settings_keep_compare_options_for_the_statistics():
    s = FigureSettings.from_dict({"metrics": ["dice"], "correction": "holm", "ranking_resamples": 50, "dpi": 40})
    cmp = s.compare_settings(["unet", "fcn8s"])
    assert (cmp.reference, cmp.correction, cmp.ranking_resamples, cmp.metrics) == ("unet", "holm", 50, ("dice",))
    assert FigureSettings.from_dict(s.to_dict()) == s  # round trip through the provenance form
    with pytest.raises(SettingsError, match="figures.distribution: 'strip' is not one of 'box' or 'violin'"):
        FigureSettings.from_dict({"distribution": "strip"})
    with pytest.raises(SettingsError, match="compare.posthoc: 'x' is not one of"):
        FigureSettings.from_dict({"posthoc": "x"}).compare_settings(["a"])
