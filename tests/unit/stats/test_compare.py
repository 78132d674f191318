"""The compare stage and its command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from lesionbench.cli import main
from lesionbench.stats import (
    SUMMARY_COLUMNS,
    TEST_COLUMNS,
    CompareSettings,
    compare,
    global_dice,
    output_names,
)
from lesionbench.stats.captions import caption_for


@pytest.fixture()
def metric_tsvs(tmp_path):
    rng = np.random.default_rng(5)
    ids = [f"ph{i:03d}" for i in range(12)]
    paths = []
    for k, name in enumerate(["ours", "fcn8s", "unet"]):
        frame = pd.DataFrame({
            "case_id": ids, "fold": [i % 3 for i in range(12)], "experiment": name,
            "dice": np.clip(0.85 - 0.05 * k + rng.normal(0, 0.05, 12), 0, 1),
            "ppv": np.clip(0.9 - 0.04 * k + rng.normal(0, 0.05, 12), 0, 1),
            "has_lesion": [i % 4 != 0 for i in range(12)],
        })
        path = tmp_path / "metrics" / f"{name}.tsv"
        path.parent.mkdir(exist_ok=True)
        frame.to_csv(path, sep="\t", index=False)
        paths.append(path)
    return paths


def test_compare_writes_all_outputs_and_tsv_round_trips(metric_tsvs, tmp_path):
    out = tmp_path / "stats"
    written = compare(metric_tsvs, out, {"reference": "ours", "metrics": ["dice", "ppv"], "bootstrap_resamples": 200,
                                         "ranking_resamples": 50})
    assert [p.name for p in written] == [
        "tests.tsv", "summary.tsv", "global_dice.tsv", "table.md", "table.tex", "table.html", "friedman.tsv",
        "posthoc.tsv", "table_paper000.tsv", "table_paper000.md", "table_paper000.tex", "table_paper000.html",
        "ranking.tsv", "ranking_bootstrap.tsv", "ranking_significance.tsv", "volume_agreement.tsv", "abc2_bands.tsv",
        "volume_subgroups.tsv", "classification.tsv", "roc.tsv", "auc_tests.tsv", "provenance.json"]
    assert (out / "table.md").read_text() == (out / "table_paper000.md").read_text()
    classification = pd.read_csv(out / "classification.tsv", sep="\t")
    assert classification.empty and "auc" in classification.columns  # header only: no cls columns
    tests = pd.read_csv(out / "tests.tsv", sep="\t")
    assert list(tests.columns) == TEST_COLUMNS and len(tests) == 4
    assert tests["n"].tolist() == [9, 9, 9, 9]  # 12 cases, 3 without a lesion
    summary = pd.read_csv(out / "summary.tsv", sep="\t")
    assert list(summary.columns) == SUMMARY_COLUMNS
    frame = pd.read_csv(metric_tsvs[1], sep="\t")
    dice = frame.loc[frame["has_lesion"], "dice"].to_numpy()
    row = summary[(summary["model"] == "fcn8s") & (summary["metric"] == "dice")].iloc[0]
    assert row["median"] == np.median(dice)  # exact: TSV keeps full precision
    assert row["sd"] == np.std(dice, ddof=1)
    assert row["p_adjusted"] == tests.loc[(tests["model"] == "fcn8s") & (tests["metric"] == "dice"), "p_adjusted"].item()
    assert "| ours | " in (out / "table.md").read_text()
    record = json.loads((out / "provenance.json").read_text())
    assert record["settings"]["reference"] == "ours" and len(record["inputs"]) == 3
    assert not list(out.glob(".*"))  # no temporary files left
    glob = pd.read_csv(out / "global_dice.tsv", sep="\t")
    assert glob["dsc_global"].isna().all() and "no tp, fp, fn column(s)" in glob["note"].iloc[0]


def test_cli_compare_and_error_message(metric_tsvs, tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["compare", "--metrics", *map(str, metric_tsvs), "--out-dir", str(out),
                 "--settings", '{"reference": "unet", "metrics": ["dice"]}'])
    assert code == 0
    tests = pd.read_csv(out / "tests.tsv", sep="\t")
    assert tests["model"].tolist() == ["ours", "fcn8s"] and set(tests["reference"]) == {"unet"}
    bad = tmp_path / "bad"
    code = main(["compare", "--metrics", *map(str, metric_tsvs), "--out-dir", str(bad),
                 "--settings", '{"reference": "segnet"}'])
    assert code == 2
    assert "reference model 'segnet' has no metrics table" in capsys.readouterr().err
    assert not bad.exists()  # nothing written on error


def test_global_dice_hand_computed():
    frames = {
        "ours": pd.DataFrame({"case_id": ["a", "b", "c"], "tp": [90, 10, 0], "fp": [10, 0, 5], "fn": [0, 10, 0],
                              "has_lesion": [True, True, False]}),
        "unet": pd.DataFrame({"case_id": ["a", "b", "c"], "tp": [0, 0, 0], "fp": [0, 0, 0], "fn": [0, 0, 0]}),
    }
    table = global_dice(frames, CompareSettings.from_dict({"reference": "ours"}))
    # All cases count (c has no lesion but adds 5 FP): 2*100 / (2*100 + 15 + 10) = 200 / 225.
    assert table["dsc_global"].iloc[0] == pytest.approx(200 / 225)
    assert table["n_cases"].tolist() == [3, 3]
    assert np.isnan(table["dsc_global"].iloc[1]) and "no foreground" in table["note"].iloc[1]


def _write_tables(frames, tmp_path):
    """``metrics/{name}.tsv`` of every frame; their paths."""
    (tmp_path / "metrics").mkdir(exist_ok=True)
    paths = [tmp_path / "metrics" / f"{name}.tsv" for name in frames]
    for path, frame in zip(paths, frames.values()):
        frame.to_csv(path, sep="\t", index=False)
    return paths


def test_compare_all_styles_and_analyses(paper_frames, tmp_path):
    paths = _write_tables(paper_frames, tmp_path)
    styles = ["paper002", "paper000", "paper001", "paper003", "paper004"]
    cfg = CompareSettings.from_dict({"reference": "ours", "metrics": ["dice", "hd95"], "table_styles": styles,
                                     "bootstrap_resamples": 200, "ranking_resamples": 100})
    out = tmp_path / "stats"
    written = compare(paths, out, cfg)
    assert [p.name for p in written] == output_names(cfg)
    assert all(caption_for(p.name) for p in written if p.name != "provenance.json")
    assert (out / "table.md").read_text() == (out / "table_paper002.md").read_text()  # the first style
    assert "Irregular (n = 2)" in (out / "table_paper002.html").read_text()
    data = pd.read_csv(out / "table_paper002.tsv", sep="\t").set_index(["subgroup", "model"])
    assert data.loc[("near_skull", "ours"), "rmse_ml"] == pytest.approx(np.sqrt(2))
    # Friedman on Dice over a-d: ours wins every case, unet second every case: R = 12, 8, 4 -> chi2 = 8.
    friedman = pd.read_csv(out / "friedman.tsv", sep="\t").set_index("metric")
    assert friedman.loc["dice", "statistic"] == pytest.approx(8.0)
    # Ranked on Dice (the default ranking metric): means .75, .6, .5.
    ranking = pd.read_csv(out / "ranking.tsv", sep="\t")
    assert ranking["model"].tolist() == ["ours", "unet", "fcn8s"]
    assert ranking["rank_aggregate_then_rank"].tolist() == [1, 2, 3]
    agreement = pd.read_csv(out / "volume_agreement.tsv", sep="\t").set_index("model")
    assert agreement.loc["ours", "rmse_ml"] == pytest.approx(np.sqrt(13 / 4))
    assert agreement.loc["abc2_reference", "bias_ml"] == pytest.approx((2 + 6 + 10 + 0) / 4)
    bands = pd.read_csv(out / "abc2_bands.tsv", sep="\t").set_index("band")
    assert bands.loc["<20 mL", "n"] == 2 and bands.loc["≥40 mL", "mean_relative_error_pct"] == pytest.approx(20.0)
    classification = pd.read_csv(out / "classification.tsv", sep="\t")
    assert classification["model"].tolist() == ["ours"] and classification["auc"].iloc[0] == pytest.approx(5 / 6)
    roc = pd.read_csv(out / "roc.tsv", sep="\t")
    assert roc["fpr"].tolist() == [0, 0, 0, 0.5, 0.5, 1.0] and roc["tpr"].tolist()[-1] == 1.0


def test_a_classifier_joins_the_classification_files_only(paper_frames, tmp_path):
    cnn = paper_frames["ours"][["case_id", "fold", "has_lesion", "cls_label"]].assign(
        experiment="cnn", cls_prob=[0.8, 0.7, 0.3, 0.2, 0.9])  # every pair ordered: AUC 1
    frames = {**paper_frames, "cnn": cnn}
    paths = _write_tables(frames, tmp_path)
    cfg = CompareSettings.from_dict({"reference": "ours", "metrics": ["dice", "ppv"], "table_styles": ["paper001"],
                                     "bootstrap_resamples": 200, "ranking_resamples": 50})
    out = tmp_path / "stats"
    compare(paths, out, cfg)
    assert sorted(set(pd.read_csv(out / "tests.tsv", sep="\t")["model"])) == ["fcn8s", "unet"]
    assert "cnn" not in set(pd.read_csv(out / "summary.tsv", sep="\t")["model"])
    classification = pd.read_csv(out / "classification.tsv", sep="\t").set_index("model")
    assert list(classification.index) == ["ours", "cnn"] and classification.loc["cnn", "auc"] == pytest.approx(1.0)
    assert pd.read_csv(out / "auc_tests.tsv", sep="\t")["model"].tolist() == ["cnn"]
    table = pd.read_csv(out / "table_paper001.tsv", sep="\t").set_index("model")
    assert list(table.index) == ["ours", "unet", "fcn8s", "cnn"] and np.isnan(table.loc["cnn", "dice"])
    assert table.loc["cnn", "cls_auc"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="reference model 'cnn' has none of the metrics"):
        compare(paths, tmp_path / "bad", cfg.model_copy(update={"reference": "cnn"}))
