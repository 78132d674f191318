"""Each table style against the hand-built metrics of conftest.py (values worked out by hand)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lesionbench.stats import (
    TABLE_STYLES,
    CompareSettings,
    SettingsError,
    StyleContext,
    build_table,
    to_html,
    to_latex,
)


def context(frames, **kwargs) -> StyleContext:
    return StyleContext(frames, CompareSettings.from_dict({"reference": "ours", "metrics": ["dice"], **kwargs}))


def test_registry_names_and_unknown_style():
    assert sorted(TABLE_STYLES) == ["paper000", "paper001", "paper002", "paper003", "paper004"]
    with pytest.raises(SettingsError, match=r"compare.table_styles\[0\]: unknown table style 'paper9' \(valid: paper000"):
        CompareSettings.from_dict({"reference": "o", "table_styles": ["paper9"]})


def test_paper004_means_over_cases_with_a_lesion(paper_frames):
    table = build_table("paper004", context(paper_frames))
    assert list(table.display.columns) == ["Acc", "Pc", "Sen", "Sp", "F1"]
    # ours over a-d: Acc (.95+.96+.97+.98)/4 = .965, Pc .8, Sen .7, Sp (.99+.98+.97+.96)/4 = .975, F1 .75.
    assert table.display.loc["ours"].tolist() == ["0.965", "0.800", "0.700", "0.975", "0.750"]
    assert table.display.loc["fcn8s"].tolist() == ["0.800", "0.650", "0.550", "0.970", "0.500"]
    assert table.data.set_index("model").loc["unet", "f1"] == pytest.approx((0.85 + 0.7 + 0.55 + 0.3) / 4)
    assert "Means over 4 cases" in table.note


def test_paper003_global_dice_differences_and_p(paper_frames):
    table = build_table("paper003", context(paper_frames))
    data = table.data.set_index("model")
    # DSC(G) over all five cases (e adds 5 FP): 2*300 / (2*300 + 45 + 60) = 600/705.
    assert data.loc["ours", "dsc_global"] == pytest.approx(600 / 705)
    assert data.loc["unet", "dsc_global"] == pytest.approx(520 / 700)
    # Delta = reference mean - model mean: HD95 5 - 7, ASD 1 - 2.
    assert (data.loc["unet", "delta_hd95"], data.loc["unet", "delta_asd"]) == (-2.0, -1.0)
    # All four DSC differences are positive: exact two-sided p = 2/2^4 = 0.125 for both, BH keeps it.
    assert data.loc["unet", "p_adjusted"] == pytest.approx(0.125)
    assert data.loc["fcn8s", "p_adjusted"] == pytest.approx(0.125)
    assert math.isnan(data.loc["ours", "p_adjusted"])
    assert table.display.loc["ours"].tolist() == [
        "0.750", "0.851", "0.700", "0.800", "0.575", "1.000", "5.000", "—", "—", "—"]
    assert table.display.loc["unet"].tolist()[-3:] == ["-1.000", "-2.000", "0.125"]
    groups = [g for g, _ in table.display.columns]
    assert groups.count("Overlap (Table 3.2)") == 5 and groups.count("Boundary (Table 3.3)") == 5


def test_paper002_subgroups_prefer_geometry_columns(paper_frames):
    table = build_table("paper002", context(paper_frames))
    data = table.data.set_index(["subgroup", "model"])
    # All cases a-d, ours: volume errors 2, -3, 0, 0 -> RMSE sqrt(13/4), MAE 5/4; Rvd (0.2+0.1)/4.
    assert data.loc[("all", "ours"), "rmse_ml"] == pytest.approx(math.sqrt(13 / 4))
    assert data.loc[("all", "ours"), "mae_ml"] == pytest.approx(1.25)
    assert data.loc[("all", "ours"), "rvd"] == pytest.approx(0.075)
    assert data.loc[("all", "unet"), "rmse_ml"] == pytest.approx(math.sqrt(26))
    # irregular_geom (b, c) wins over the label irregular (a-d): n = 2; unet errors 0, -10.
    assert data.loc[("irregular", "ours"), "n"] == 2
    assert data.loc[("irregular", "unet"), "rmse_ml"] == pytest.approx(math.sqrt(50))
    assert data.loc[("irregular", "ours"), "dice"] == pytest.approx(0.75)
    # near_skull label (a, c): ours errors 2, 0.
    assert data.loc[("near_skull", "ours"), "rmse_ml"] == pytest.approx(math.sqrt(2))
    assert list(table.display.index.get_level_values(0)[::3]) == [
        "All cases (n = 4)", "Irregular (n = 2)", "Near skull (n = 2)"]
    assert "irregular: column 'irregular_geom'" in table.note
    latex = to_latex(table.display, table.note)
    assert r"\cmidrule(lr){3-5} \cmidrule(lr){6-7}" in latex
    assert "\\midrule\nIrregular (n = 2) & ours & 0.050 & 0.750 & 0.550 & 2.121 & 1.500 \\\\" in latex
    assert " & unet & 0.100 & 0.625 & 0.450 & 7.071 & 5.000 \\\\" in latex  # group name printed once


def test_paper002_notes_a_missing_subgroup(paper_frames):
    frames = {k: v.drop(columns=["near_skull"]) for k, v in paper_frames.items()}
    table = build_table("paper002", context(frames))
    assert set(table.data["subgroup"]) == {"all", "irregular"}
    assert "subgroup 'near_skull' left out: no 'near_skull_geom' or 'near_skull' column" in table.note


def test_paper001_segmentation_and_classification(paper_frames):
    table = build_table("paper001", context(paper_frames, bootstrap_resamples=200))
    # ours: probabilities of positives .9 .4 .8, negatives .6 .1: 5 of 6 pairs ordered -> AUC 5/6.
    # Threshold 0.5 over all five cases: TP a, e; FN b; FP c; TN d.
    row = table.display.loc["ours"].tolist()
    assert row[:4] == ["0.750", "0.700", "0.975", "0.800"]
    assert row[4:7] == ["60.00", "0.667", "0.500"]
    assert row[7].startswith("0.833 (")
    assert table.display.loc["unet"].tolist()[4:] == ["NA"] * 4
    no_cls = {k: v.drop(columns=["cls_prob", "cls_label"], errors="ignore") for k, v in paper_frames.items()}
    plain = build_table("paper001", context(no_cls))
    assert len(plain.display.columns) == 4 and "classification columns left out" in plain.note


def test_paper001_prefers_the_metrics_inside_the_voi(paper_frames):
    # VOI columns: the whole-grid ones shifted by -0.1 (specificity by -0.2), so the table shows which it read.
    shifts = {"dice": 0.1, "sensitivity": 0.1, "specificity": 0.2, "ppv": 0.1}
    with_voi = {k: v.assign(**{f"{m}_voi": v[m] - d for m, d in shifts.items()}) for k, v in paper_frames.items()}
    table = build_table("paper001", context(with_voi, bootstrap_resamples=50))
    assert table.display.loc["ours"].tolist()[:4] == ["0.650", "0.600", "0.775", "0.700"]
    data = table.data.set_index("model")
    assert (data.loc["ours", "dice_voi"], data.loc["ours", "dice"]) == pytest.approx((0.65, 0.75))  # both kept
    assert "inside the VOI" in table.note
    # one model without the VOI columns: the whole grid for every model, and the note says so
    with_voi["unet"] = paper_frames["unet"]
    mixed = build_table("paper001", context(with_voi, bootstrap_resamples=50))
    assert mixed.display.loc["ours"].tolist()[:4] == ["0.750", "0.700", "0.975", "0.800"]
    assert "on the whole image grid" in mixed.note and "dice_voi" not in mixed.data.columns


def test_paper000_is_table1_and_style_decimals(paper_frames):
    table = build_table("paper000", context(paper_frames, style_decimals={"paper004": 1}))
    # ours over a-d (.6 .7 .8 .9): R type-7 P25 = .6 + .75 x .1 = .675, P75 = .825 (binary .67499.. and
    # .82500..1 print as 0.67 and 0.83), sd = sqrt(.05 / 3) = .129.
    ours = table.data[(table.data["model"] == "ours")].iloc[0]
    assert (ours["p25"], ours["p75"], ours["sd"]) == pytest.approx((0.675, 0.825, math.sqrt(0.05 / 3)))
    assert table.display.loc["ours"].tolist() == ["0.75 (0.67, 0.83)", "0.75 ± 0.13", "—"]
    assert table.display.loc["unet", ("Dice", "P*")] == "0.125"
    assert build_table("paper004", context(paper_frames, style_decimals={"paper004": 1})).display.loc[
        "ours", "Acc"] == "1.0"


def test_html_of_a_flat_table_has_one_header_row(paper_frames):
    table = build_table("paper004", context(paper_frames))
    text = to_html(table.display, table.note, title=table.caption)
    assert "<th>Acc</th>" in text and "<td>0.965</td>" in text and "<h3>Quantitative evaluation" in text
    assert text.count("<tr") == 1 + 3  # header + one row per model
    assert isinstance(table.data, pd.DataFrame) and list(table.data["model"]) == ["ours", "unet", "fcn8s"]
