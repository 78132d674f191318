"""Paper 001's figures: the metric strip (Fig. 3), the mean bars (Fig. 4), the overlays by lesion
class and size (Fig. 5), and a classification-only model in every figure."""

from __future__ import annotations

import logging

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from lesionbench.figures import (
    FigureSettings,
    make_figures,
    mean_bars,
    metric_strip,
    pick_by_class_and_size,
    plot_boxplot,
    plot_mean_bars,
    plot_metric_strip,
    plot_overlays_by_class,
    plot_volume_scatter,
)
from lesionbench.figures.boxplots import JITTER
from lesionbench.figures.overlays_by_class import Cell, cell_title, median_case
from lesionbench.stats.paired import paired_tests
from lesionbench.stats.summary import summary_table

LESION_CASES = [f"ph{i:03d}" for i in range(5)]  # ph005 has no lesion


@pytest.fixture()
def labelled(frames):
    """The fixture's frames with sensitivity, specificity, a lesion class and a lesion volume;
    ours' Dice is fixed so the median case of each (class, size) cell is known."""
    out = {}
    for k, (model, frame) in enumerate(frames.items()):
        frame = frame.copy()
        frame["sensitivity"] = np.clip(frame["dice"] + 0.05 * (k + 1), 0, 1)
        frame["specificity"] = 0.99 - 0.01 * k
        frame["lesion_class"] = ["avm", "avm", "other", "other", "avm", "none"]
        frame["lesion_volume_ml"] = [20.0, 5.0, 30.0, 3.0, 25.0, 0.0]
        out[model] = frame
    out["ours"]["dice"] = [0.8, 0.7, 0.9, 0.5, 0.6, 1.0]
    return out


def classifier_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A classification-only network's table: no segmentation metric, only its class output and the labels."""
    labels = frame[["case_id", "fold", "has_lesion", "lesion_class", "lesion_volume_ml"]].copy()
    labels.insert(2, "experiment", "cnn3d")
    labels["cls_label"] = (frame["lesion_class"] == "avm").astype(int)
    labels["cls_prob"] = [0.9, 0.6, 0.3, 0.2, 0.7, 0.1]
    return labels


def test_metric_strip_shows_the_reference_on_the_subset_cases(labelled):
    settings = FigureSettings(reference="fcn8s", metrics=["dice", "sensitivity", "specificity", "ppv"], seed=3)
    drawn = plot_metric_strip(labelled, settings)
    assert drawn.data["model"] == "fcn8s"
    frame = labelled["fcn8s"].set_index("case_id")
    for metric in ("dice", "sensitivity", "specificity", "ppv"):
        expected = frame.loc[frame["has_lesion"], metric].dropna()
        shown = drawn.data[("values", metric)]
        assert list(shown.index) == list(expected.index)  # ph005 (no lesion) never, ph002 not for dice (NaN)
        offsets = drawn.artists[("points", metric)].get_offsets()
        np.testing.assert_allclose(offsets[:, 1], expected.to_numpy())
        assert np.all(np.abs(offsets[:, 0] - 1) <= JITTER)
        assert drawn.artists[("median", metric)].get_ydata()[0] == pytest.approx(np.median(expected))
    assert list(drawn.data[("values", "dice")].index) == ["ph000", "ph001", "ph003", "ph004"]
    assert [ax.get_xticklabels()[0].get_text() for ax in drawn.figure.axes] == [
        "Dice", "Sensitivity", "Specificity", "PPV"]
    again = plot_metric_strip(labelled, settings)  # the jitter is seeded
    np.testing.assert_array_equal(again.artists[("points", "ppv")].get_offsets(),
                                  drawn.artists[("points", "ppv")].get_offsets())
    everything = plot_metric_strip(labelled, FigureSettings(reference="fcn8s", subset="all"))
    assert list(everything.data[("values", "ppv")].index) == [f"ph{i:03d}" for i in range(6)]


def test_metric_strip_of_the_first_model_and_none_without_metrics(labelled, tmp_path):
    assert plot_metric_strip(labelled, FigureSettings()).data["model"] == "ours"
    frames = {"cnn3d": classifier_frame(labelled["ours"]), **labelled}
    assert plot_metric_strip(frames, FigureSettings()) is None
    assert metric_strip(frames, tmp_path / "metric_strip", FigureSettings()) == []
    png, pdf = metric_strip(labelled, tmp_path / "metric_strip", FigureSettings(dpi=20))
    assert png.is_file() and pdf.read_bytes()[:4] == b"%PDF"


def test_mean_bars_are_the_summary_means_and_intervals(labelled):
    frames = {**labelled, "cnn3d": classifier_frame(labelled["ours"])}
    settings = FigureSettings(reference="unet", metrics=["dice", "ppv"], bootstrap_resamples=200, seed=5)
    drawn = plot_mean_bars(frames, "dice", settings)
    assert [t.get_text() for t in drawn.figure.axes[0].get_xticklabels()] == ["unet", "ours", "fcn8s"]
    tested = {m: labelled[m] for m in ("unet", "ours", "fcn8s")}
    cmp = settings.compare_settings(list(tested))
    summary = summary_table(tested, paired_tests(tested, cmp), cmp).set_index(["model", "metric"])
    for model, frame in labelled.items():
        mean = frame.loc[frame["has_lesion"], "dice"].mean()  # NaN skipped, ph005 left out
        assert drawn.artists[("bar", model)].get_height() == pytest.approx(mean)
        assert drawn.artists[("text", model)].get_text() == f"{mean:.2f}"
        row = summary.loc[(model, "dice")]
        assert drawn.data[("interval", model)] == pytest.approx((row["mean"], row["mean_ci_low"], row["mean_ci_high"]))
    assert not any(key[1] == "cnn3d" for key in drawn.artists)
    assert plot_mean_bars(frames, "iou", settings) is None


def test_mean_bars_leave_out_models_whose_values_are_all_missing(labelled, tmp_path):
    labelled["fcn8s"]["ppv"] = np.nan
    drawn = plot_mean_bars(labelled, "ppv", FigureSettings(bootstrap_resamples=50))
    assert {key[1] for key in drawn.artists} == {"ours", "unet"}
    written = mean_bars(labelled, ["dice", "ppv", "iou"], tmp_path, FigureSettings(dpi=20, bootstrap_resamples=50))
    assert [p.name for p in written] == ["mean_bars_dice.png", "mean_bars_dice.pdf", "mean_bars_ppv.png",
                                         "mean_bars_ppv.pdf"]


def test_pick_by_class_and_size_takes_each_cells_median_case():
    frame = pd.DataFrame({
        "case_id": list("abcdefghijk"),
        "lesion_class": ["avm", "avm", "avm", "avm", "avm", "other", "other", "other", "other", None, "avm"],
        "lesion_volume_ml": [40.0, 20.0, 15.0, 2.0, 10.0, 50.0, 60.0, 1.0, np.nan, 5.0, 14.14],
        "dice": [0.9, 0.5, 0.7, 0.4, 0.6, 0.8, np.nan, 0.3, 0.2, 0.5, 0.65],
        "has_lesion": [True] * 7 + [False] + [True] * 3,
    })
    cells = pick_by_class_and_size(frame, FigureSettings())
    # avm large (>= 14.14 mL): b .5, k .65, c .7, a .9 -> the lower middle one, k; avm small: d .4, e .6 -> d;
    # other large: f (g has no Dice); other small: none (h has no lesion, i no volume); j has no class.
    assert list(cells.items()) == [(Cell("avm", False), "d"), (Cell("avm", True), "k"), (Cell("other", True), "f")]
    split = pick_by_class_and_size(frame, FigureSettings(size_split_ml=45.0, subset="all"))
    # Every avm case is small now (d .4, b .5, e .6, k .65, c .7, a .9 -> e); h counts without the subset.
    assert split == {Cell("avm", False): "e", Cell("other", False): "h", Cell("other", True): "f"}
    assert median_case(pd.Series([0.2, 0.1, 0.3], index=["x", "y", "z"])) == "x"
    assert cell_title(Cell("avm", True), 14.14) == "AVM, >= 3 cm"
    assert cell_title(Cell("other", False), 14.14) == "Other, < 3 cm"


def test_overlays_by_class_draw_the_picked_cases(labelled, volumes):
    settings = FigureSettings(reference="ours", dpi=20)
    drawn = plot_overlays_by_class(labelled, volumes["images"], volumes["masks"], volumes["predictions"], settings)
    # avm small ph001; avm large ph000 .8 / ph004 .6 -> ph004; other small ph003; other large ph002.
    assert list(drawn.data["cells"].values()) == ["ph001", "ph004", "ph003", "ph002"]
    for case in ("ph001", "ph004", "ph003", "ph002"):
        assert drawn.data[("slice", case)] == int(case[-1]) % 4  # the largest reference slice
        for model in ("ours", "fcn8s", "unet"):
            assert {k[3] for k in drawn.artists if k[:3] == ("contour", model, case)} == {"reference", model}
    axes = drawn.figure.axes
    assert axes[0].get_title().startswith("AVM, < 3 cm: ph001\nours, Dice 0.70")
    assert axes[3].get_title().startswith("Other, >= 3 cm: ph002")
    legend = drawn.figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Reference", "ours", "fcn8s", "unet"]


def test_overlays_by_class_skipped_without_columns_or_cells(labelled, volumes, caplog):
    caplog.set_level(logging.INFO, logger="lesionbench.figures")
    args = (volumes["images"], volumes["masks"], volumes["predictions"])
    assert plot_overlays_by_class(labelled, *args, FigureSettings(class_column="subtype")) is None
    assert "no column(s) ['subtype']" in caplog.text
    for frame in labelled.values():
        frame["lesion_class"] = "avm"
        frame["lesion_volume_ml"] = 1.0
    assert plot_overlays_by_class(labelled, *args, FigureSettings()) is None
    assert "1 (class, size) cell(s) only" in caplog.text


def test_segmentation_figures_leave_out_a_classification_only_model(labelled):
    frames = {**labelled, "cnn3d": classifier_frame(labelled["ours"])}
    drawn = plot_boxplot(frames, "dice", FigureSettings(reference="cnn3d"))
    assert [t.get_text() for t in drawn.figure.axes[0].get_xticklabels()] == ["ours", "fcn8s", "unet"]
    assert plot_volume_scatter({"cnn3d": frames["cnn3d"]}, FigureSettings()) is None


@pytest.mark.parametrize("reference", ["ours", "cnn3d"])
def test_make_figures_with_a_classification_only_model(labelled, volumes, tmp_path, reference):
    frames = {**labelled, "cnn3d": classifier_frame(labelled["ours"])}
    frames["ours"] = frames["ours"].assign(cls_label=frames["cnn3d"]["cls_label"], cls_prob=[0.8, 0.4, 0.3, 0.1, 0.9, 0.2])
    out = tmp_path / "figures"
    written = make_figures(frames, out, {"reference": reference, "metrics": ["dice", "specificity"], "dpi": 20,
                                         "ranking_resamples": 20, "bootstrap_resamples": 50},
                           images_dir=volumes["images"], masks_dir=volumes["masks"],
                           predictions=volumes["predictions"])
    stems = sorted({p.name.rsplit(".", 1)[0] for p in written})
    expected = ["bland_altman", "boxplot_dice", "boxplot_specificity", "mean_bars_dice", "mean_bars_specificity",
                "metric_strip", "overlays", "overlays_by_class", "overlays_per_model", "ranking_blobs_dice",
                "roc_curves", "significance_map_dice", "volume_scatter"]
    if reference == "cnn3d":  # its strip has nothing to show, its Dice picks no class x size case
        expected = [s for s in expected if s not in ("metric_strip", "overlays_by_class")]
    assert stems == expected
    assert all(p.is_file() for p in written)
    if reference == "ours":  # 4 cells x 3 models of 2.4 in plus a 0.5 in legend band at 20 dpi
        height, width = mpimg.imread(out / "overlays_by_class.png").shape[:2]
        assert abs(height - 154) <= 1 and abs(width - 192) <= 1
