"""Pairwise AUC comparison table against a reference, and its metrics-table form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from lesionbench.classification import (
    CLASSIFICATION_COLUMNS,
    COMPARISON_COLUMNS,
    auc_comparison_table,
    auc_tests,
    bootstrap_auc_test,
    classification_table,
    delong_test,
)
from lesionbench.stats import CompareSettings

IDS = [f"s{i:02d}" for i in range(80)]


def models():
    rng = np.random.default_rng(11)
    labels = np.arange(80) < 42
    rng.shuffle(labels)
    latent = labels * 1.5 + rng.normal(size=80)
    probs = {name: 1 / (1 + np.exp(-(latent + rng.normal(0, noise, 80))))
             for name, noise in (("mlssp", 0.2), ("ynet", 0.5), ("he", 1.0), ("cnn", 3.0))}
    return labels, probs


def test_delong_table_columns_values_and_adjustment():
    labels, probs = models()
    table = auc_comparison_table({name: (labels, p) for name, p in probs.items()}, "mlssp")
    assert list(table.columns) == COMPARISON_COLUMNS
    assert table["model"].tolist() == ["ynet", "he", "cnn"] and set(table["reference"]) == {"mlssp"}
    for row in table.itertuples():
        expected = delong_test(labels, probs[row.model], probs["mlssp"])
        assert (row.auc, row.auc_reference, row.difference, row.se, row.z, row.p_value, row.ci_low, row.ci_high) == \
            pytest.approx(tuple(expected)[:8])
        assert row.difference == pytest.approx(row.auc - row.auc_reference)
    np.testing.assert_allclose(table["p_adjusted"], multipletests(table["p_value"], method="fdr_bh")[1])
    assert set(table["method"]) == {"DeLong"} and set(table["correction"]) == {"fdr_bh"}
    assert (table["n"] == 80).all() and (table["n_positive"] == 42).all() and (table["n_negative"] == 38).all()
    assert table.set_index("model").loc["cnn", "p_adjusted"] < 0.05


def test_bootstrap_table_and_series_alignment():
    labels, probs = models()
    table = auc_comparison_table({name: (labels, p) for name, p in probs.items()}, "mlssp", method="bootstrap",
                                 resamples=300, seed=2, correction="holm")
    row = table.set_index("model").loc["he"]
    expected = bootstrap_auc_test(labels, probs["he"], probs["mlssp"], resamples=300, seed=2)
    assert row["p_value"] == pytest.approx(expected.p_value) and row["method"] == "paired bootstrap"
    np.testing.assert_allclose(table["p_adjusted"], multipletests(table["p_value"], method="holm")[1])
    # Series indexed by subject id, each model in its own order: aligned on the ids.
    series = {}
    for i, (name, p) in enumerate(probs.items()):
        order = np.random.default_rng(i).permutation(80)
        series[name] = (pd.Series(labels[order], np.array(IDS)[order]), pd.Series(p[order], np.array(IDS)[order]))
    aligned = auc_comparison_table(series, "mlssp")
    plain = auc_comparison_table({name: (labels, p) for name, p in probs.items()}, "mlssp")
    pd.testing.assert_frame_equal(aligned, plain)


def test_refuses_different_subjects_or_labels():
    labels, probs = models()
    with pytest.raises(ValueError, match="models 'cnn' and 'mlssp' are not scored on the same subjects: 79 and 80"):
        auc_comparison_table({"mlssp": (labels, probs["mlssp"]), "cnn": (labels[1:], probs["cnn"][1:])}, "mlssp")
    flipped = labels.copy()
    flipped[[3, 7]] = ~flipped[[3, 7]]
    with pytest.raises(ValueError, match="models 'he' and 'mlssp' have different labels for 2 subjects"):
        auc_comparison_table({"mlssp": (labels, probs["mlssp"]), "he": (flipped, probs["he"])}, "mlssp")
    ref = (pd.Series(labels, IDS), pd.Series(probs["mlssp"], IDS))
    other = (pd.Series(labels, IDS[:79] + ["x"]), pd.Series(probs["he"], IDS[:79] + ["x"]))
    with pytest.raises(ValueError, match=r"'he' and 'mlssp' are not scored on the same subjects: 1 only in 'he' \['x'\]"):
        auc_comparison_table({"mlssp": ref, "he": other}, "mlssp")
    with pytest.raises(ValueError, match="for both or for neither"):
        auc_comparison_table({"mlssp": ref, "he": (labels, probs["he"])}, "mlssp")
    with pytest.raises(ValueError, match="reference model 'unet' is not among"):
        auc_comparison_table({"mlssp": ref}, "unet")
    with pytest.raises(ValueError, match="method must be one of"):
        auc_comparison_table({"mlssp": ref}, "mlssp", method="hanley")


def test_too_few_cases_of_a_class_gives_nan_rows():
    labels = np.array([1, 0, 0, 0])
    table = auc_comparison_table({"a": (labels, np.arange(4.0)), "b": (labels, np.arange(4.0)[::-1])}, "a")
    assert np.isnan(table.loc[0, "p_value"]) and np.isnan(table.loc[0, "p_adjusted"])
    assert "fewer than 2 subjects of a class" in table.loc[0, "note"]
    assert auc_comparison_table({"a": (labels, np.arange(4.0))}, "a").empty


def frames():
    labels, probs = models()
    out = {name: pd.DataFrame({"case_id": IDS, "cls_prob": p, "cls_label": labels.astype(int)})
           for name, p in probs.items()}
    out["unet"] = pd.DataFrame({"case_id": IDS})
    return out


def test_from_metrics_tables():
    data = frames()
    settings = CompareSettings.from_dict({"reference": "mlssp", "bootstrap_resamples": 100})
    table = auc_tests(data, settings)
    assert table["model"].tolist() == ["ynet", "he", "cnn"]  # unet has no classification output
    labels, probs = models()
    assert table.loc[0, "p_value"] == pytest.approx(delong_test(labels, probs["ynet"], probs["mlssp"]).p_value)
    shuffled = dict(data, he=data["he"].sample(frac=1.0, random_state=0))  # row order does not matter
    pd.testing.assert_frame_equal(auc_tests(shuffled, settings), table)
    assert auc_tests(data, settings, method="bootstrap")["method"].eq("paired bootstrap").all()
    missing = dict(data, cnn=data["cnn"].assign(cls_prob=lambda f: f["cls_prob"].where(f.index != 5)))
    with pytest.raises(ValueError, match=r"'cnn' and 'mlssp' are not scored on the same subjects: 0 only in 'cnn'"):
        auc_tests(missing, settings)
    no_reference = auc_tests(data, CompareSettings.from_dict({"reference": "unet"}))
    assert no_reference.empty and list(no_reference.columns) == COMPARISON_COLUMNS


def test_classification_table_has_the_wilson_and_delong_columns():
    table = classification_table(frames(), CompareSettings.from_dict({"reference": "mlssp",
                                                                      "bootstrap_resamples": 100}))
    assert list(table.columns) == CLASSIFICATION_COLUMNS
    for name in ("accuracy", "sensitivity", "specificity"):
        assert (table[f"{name}_ci_low"] <= table[name]).all() and (table[name] <= table[f"{name}_ci_high"]).all()
    assert (table["auc_delong_ci_low"] <= table["auc"]).all() and (table["auc"] <= table["auc_delong_ci_high"]).all()
