"""Box plots with significance, ranking plots, ROC and Bland-Altman: the numbers drawn are the
numbers the compare stage writes."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from lesionbench.figures import (
    FigureSettings,
    bland_altman_figure,
    plot_bland_altman,
    plot_boxplot,
    plot_rank_blobs,
    plot_roc_curves,
    plot_significance_map,
    ranking_figures,
    roc_curves,
    stars,
)
from lesionbench.ranking import rank_metric
from lesionbench.stats import compare_frames


def settings(**kwargs) -> FigureSettings:
    return FigureSettings.from_dict({"reference": "ours", "metrics": ["dice"], "dpi": 50, "ranking_resamples": 200,
                                     "bootstrap_resamples": 200, **kwargs})


def test_stars():
    assert [stars(p) for p in (0.0005, 0.005, 0.03, 0.2, float("nan"))] == ["***", "**", "*", "ns", ""]


@pytest.mark.parametrize("distribution", ["box", "violin"])
def test_boxplot_brackets_print_the_tests_tsv_p(frames, distribution):
    cfg = settings(distribution=distribution, correction="holm")
    contents = compare_frames(frames, cfg.compare_settings(list(frames)))
    tests = contents["tests.tsv"]
    drawn = plot_boxplot(frames, "dice", cfg, tests=tests)
    for model in ("fcn8s", "unet"):
        expected = tests[(tests["model"] == model) & (tests["metric"] == "dice")]["p_adjusted"].item()
        assert drawn.data[("p_adjusted", model)] == expected
        assert drawn.artists[("bracket", model)].get_text().startswith(f"{expected:.3f}")
    frame = frames["unet"]
    np.testing.assert_allclose(drawn.data[("values", "unet")], frame.loc[frame["has_lesion"], "dice"])
    assert drawn.artists[("median", "unet")].get_ydata()[0] == pytest.approx(np.median(drawn.data[("values", "unet")]))
    plain = plot_boxplot(frames, "dice", settings(annotate=False), tests=tests)
    assert not any(k[0] == "bracket" for k in plain.artists)


def test_ranking_plots_equal_the_ranking_tables(frames, tmp_path):
    cfg = settings()
    contents = compare_frames(frames, cfg.compare_settings(list(frames)))
    rankings = rank_metric(frames, "dice", cfg.compare_settings(list(frames)))
    blobs = plot_rank_blobs(rankings, "dice", cfg)
    boot = contents["ranking_bootstrap.tsv"]
    for model in frames:
        counts = boot[boot["model"] == model]["rank"].value_counts().reindex([1, 2, 3], fill_value=0).to_numpy()
        np.testing.assert_array_equal(blobs.data[("frequency", model)], counts)
        offsets = blobs.artists[("blobs", model)].get_offsets()
        assert offsets[:, 1].tolist() == [r for r in (1, 2, 3) if counts[r - 1] > 0]
    ranking = contents["ranking.tsv"]
    ticks = [t.get_text() for t in blobs.figure.axes[0].get_xticklabels()]
    assert ticks == ranking["model"].tolist()  # x in the order of the configured ranking
    significance = plot_significance_map(rankings, "dice", cfg)
    assert significance.data["order"] == ranking["model"].tolist()
    table = contents["ranking_significance.tsv"]
    for row in table.itertuples():
        assert significance.data[("p_adjusted", row.model, row.versus)] == row.p_adjusted
    i, j = (significance.data["order"].index(m) for m in ("ours", "unet"))
    assert significance.data["significant"][i, j] == bool(
        table[(table["model"] == "ours") & (table["versus"] == "unet")]["significant"].item())
    written = ranking_figures(frames, tmp_path, cfg)
    assert [p.name for p in written] == ["ranking_blobs_dice.png", "ranking_blobs_dice.pdf",
                                         "significance_map_dice.png", "significance_map_dice.pdf"]
    # (1.5 + 0.7 k) x max(4, 1.5 + 0.9 k) in, k = 3; matplotlib < 3.11.1 floors 179.99 px to 179
    height, width = mpimg.imread(written[0]).shape[:2]
    assert abs(height - 180) <= 1 and width == 210
    assert mpimg.imread(written[2]).shape[:2] == (180, 200)  # (1.2 + 0.8 k) x (1.6 + 0.8 k) in


def test_roc_curves_equal_the_classification_tables(frames, tmp_path):
    rng = np.random.default_rng(3)
    with_cls = {k: v.copy() for k, v in frames.items()}
    for name in ("ours", "unet"):
        labels = np.array([1, 0, 1, 0, 1, 0])
        with_cls[name]["cls_label"] = labels
        with_cls[name]["cls_prob"] = np.clip(labels * 0.4 + rng.uniform(0, 0.6, 6), 0, 1)
    cfg = settings()
    contents = compare_frames(with_cls, cfg.compare_settings(list(with_cls)))
    drawn = plot_roc_curves(with_cls, cfg)
    roc = contents["roc.tsv"]
    for model in ("ours", "unet"):
        line = drawn.artists[("roc", model)]
        np.testing.assert_allclose(line.get_xdata(), roc[roc["model"] == model]["fpr"])
        np.testing.assert_allclose(line.get_ydata(), roc[roc["model"] == model]["tpr"])
        row = contents["classification.tsv"].set_index("model").loc[model]
        assert drawn.data[("auc", model)] == (row["auc"], row["auc_ci_low"], row["auc_ci_high"])
    assert ("roc", "fcn8s") not in drawn.artists
    png, pdf = roc_curves(with_cls, tmp_path / "roc_curves", cfg)
    assert mpimg.imread(png).shape[:2] == (250, 250) and pdf.read_bytes()[:4] == b"%PDF"
    assert plot_roc_curves(frames, cfg) is None and roc_curves(frames, tmp_path / "none", cfg) == []


def test_bland_altman_equals_volume_agreement(frames, tmp_path):
    cfg = settings()
    agreement = compare_frames(frames, cfg.compare_settings(list(frames)))["volume_agreement.tsv"].set_index("model")
    drawn = plot_bland_altman(frames, cfg)
    for model in frames:
        bias, low, high = drawn.data[("limits", model)]
        assert (bias, low, high) == pytest.approx(tuple(agreement.loc[model, ["bias_ml", "loa_low_ml", "loa_high_ml"]]))
    frame = frames["ours"][frames["ours"]["has_lesion"]]
    offsets = drawn.artists[("points", "ours")].get_offsets()
    np.testing.assert_allclose(offsets[:, 1], frame["pred_volume_ml"] - frame["ref_volume_ml"])
    np.testing.assert_allclose(offsets[:, 0], (frame["pred_volume_ml"] + frame["ref_volume_ml"]) / 2)
    png, _ = bland_altman_figure(frames, tmp_path / "ba", cfg)
    assert mpimg.imread(png).shape[:2] == (160, 540)  # 3 panels of 3.6 x 3.2 in at 50 dpi
    bare = {k: v.drop(columns=["pred_volume_ml"]) for k, v in frames.items()}
    assert plot_bland_altman(bare, cfg) is None
    assert isinstance(agreement, pd.DataFrame)
