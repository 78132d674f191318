"""Descriptive statistics and the paper 000 Table 1 layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lesionbench.stats import (
    CompareSettings,
    describe,
    footnote,
    format_mean_sd,
    format_median,
    format_p,
    format_table1,
    paired_tests,
    resolve_subset,
    summary_table,
    to_html,
    to_latex,
    to_markdown,
)

# Five cases: with R's type-7 quantiles P25 = x[1], median = x[2], P75 = x[3];
# mean = 4.35 / 5 = 0.87; sd = sqrt(0.0474 / 4) = 0.10886.
OURS = [0.69, 0.85, 0.91, 0.94, 0.96]
OTHER = [0.60, 0.70, 0.80, 0.82, 0.90]  # mean 0.764, sd = sqrt(0.05392 / 4) = 0.1161


def settings(**kwargs) -> CompareSettings:
    return CompareSettings.from_dict({"reference": "ours", "metrics": ["dice"], "labels": {"ours": "Ours"}, **kwargs})


def frames():
    ids = list("abcde")
    return {
        "ours": pd.DataFrame({"case_id": ids, "dice": OURS}),
        "fcn8s": pd.DataFrame({"case_id": ids, "dice": OTHER}),
    }


def test_describe_hand_computed():
    d = describe(np.array(OURS + [np.nan]))
    assert d["n"] == 5
    assert (d["median"], d["p25"], d["p75"]) == pytest.approx((0.91, 0.85, 0.94))
    assert d["mean"] == pytest.approx(0.87)
    assert d["sd"] == pytest.approx(np.sqrt(0.0474 / 4))


def test_formatters_exact_strings():
    assert format_median(0.91, 0.85, 0.94) == "0.91 (0.85, 0.94)"
    assert format_mean_sd(0.8738, 0.1149) == "0.87 ± 0.11"
    assert format_p(0.0004) == "<0.001"
    assert format_p(0.001) == "0.001"
    assert format_p(0.19549) == "0.195"
    assert format_p(0.2, reference=True) == "—"
    assert format_p(float("nan")) == "NA"
    assert format_median(0.912, 0.85, 0.944, decimals=3) == "0.912 (0.850, 0.944)"


def test_table1_from_metrics_tables():
    cfg = settings()
    tests = paired_tests(frames(), cfg)
    summary = summary_table(frames(), tests, cfg)
    # Differences ours - fcn8s are all positive (n = 5): exact two-sided p = 2/32, one test so BH
    # leaves it unchanged; 0.0625 prints as 0.062 (exact binary half: rounded to even, as C printf does).
    assert tests["p_adjusted"].iloc[0] == pytest.approx(0.0625)
    table = format_table1(summary, cfg)
    assert list(table.index) == ["Ours", "fcn8s"]
    assert list(table.columns) == [("Dice", "Median (P25, P75)"), ("Dice", "mean ± sd"), ("Dice", "P*")]
    assert table.loc["Ours"].tolist() == ["0.91 (0.85, 0.94)", "0.87 ± 0.11", "—"]
    assert table.loc["fcn8s"].tolist() == ["0.80 (0.70, 0.82)", "0.76 ± 0.12", "0.062"]
    ours = summary[summary["model"] == "ours"].iloc[0]
    assert ours["is_reference"] and np.isnan(ours["p_adjusted"])


def _summary_with_small_p() -> tuple[pd.DataFrame, CompareSettings]:
    cfg = settings(metrics=["dice", "ppv"], labels={"ours": "Ours", "u_net": "U_Net & co"})
    rows = []
    for model, ref in (("ours", True), ("u_net", False)):
        for metric in ("dice", "ppv"):
            rows.append({"model": model, "label": cfg.label(model), "is_reference": ref, "metric": metric,
                         "n": 5, "median": 0.91, "p25": 0.85, "p75": 0.94, "mean": 0.8738, "sd": 0.1149,
                         "p": np.nan if ref else 0.0001, "p_adjusted": np.nan if ref else 0.0002,
                         "significant": pd.NA if ref else True})
    return pd.DataFrame(rows), cfg


def test_markdown_rows():
    summary, cfg = _summary_with_small_p()
    text = to_markdown(format_table1(summary, cfg), "note")
    lines = text.splitlines()
    assert lines[0].startswith("| Model | Dice Median (P25, P75) | Dice mean ± sd | Dice P\\* | PPV Median")
    assert lines[2] == "| Ours | 0.91 (0.85, 0.94) | 0.87 ± 0.11 | — | 0.91 (0.85, 0.94) | 0.87 ± 0.11 | — |"
    assert lines[3] == ("| U\\_Net & co | 0.91 (0.85, 0.94) | 0.87 ± 0.11 | <0.001 | 0.91 (0.85, 0.94) "
                        "| 0.87 ± 0.11 | <0.001 |")


def test_latex_booktabs_and_escaping():
    summary, cfg = _summary_with_small_p()
    text = to_latex(format_table1(summary, cfg), "p < 0.05")
    assert r"\toprule" in text and r"\midrule" in text and r"\bottomrule" in text
    assert r" & \multicolumn{3}{c}{Dice} & \multicolumn{3}{c}{PPV} \\" in text
    assert r"\cmidrule(lr){2-4} \cmidrule(lr){5-7}" in text
    assert r"Ours & 0.91 (0.85, 0.94) & 0.87 $\pm$ 0.11 & --- & 0.91 (0.85, 0.94) & 0.87 $\pm$ 0.11 & --- \\" in text
    assert r"U\_Net \& co & 0.91 (0.85, 0.94) & 0.87 $\pm$ 0.11 & $<$0.001 &" in text
    assert "±" not in text and "—" not in text and "p $<$ 0.05" in text


def test_html_escapes_and_keeps_rows():
    summary, cfg = _summary_with_small_p()
    text = to_html(format_table1(summary, cfg), "p < 0.05")
    assert '<meta charset="utf-8">' in text
    assert "<td>U_Net &amp; co</td>" in text
    assert "<td>&lt;0.001</td>" in text and "<td>0.87 ± 0.11</td>" in text
    assert '<th colspan="3" halign="left">Dice</th>' in text


def test_footnote_names_test_correction_and_resolved_cases():
    cfg = settings(family="table", correction="holm")
    text = footnote(cfg, resolve_subset(frames()["ours"], "auto"))  # no has_lesion/ref_empty column
    assert text == ("* two-sided Wilcoxon signed-rank test vs Ours, p adjusted by Holm over all comparisons "
                    "in the table; alpha = 0.05; all cases.")
    assert footnote(settings(), "has_lesion").endswith("cases with a reference lesion.")
