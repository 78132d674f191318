"""A held-out test set drawn before the folds: stratified, grouped, never in any fold."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from lesionbench.folds import FoldsError, FoldsFileError, hold_out, read_test_set, write_folds


def _cases(n: int = 40) -> pd.DataFrame:
    classes = ["avm", "other", "other", "none"]
    return pd.DataFrame({
        "case_id": [f"c{i:03d}" for i in range(n)],
        "lesion_class": [classes[i % 4] for i in range(n)],
        "patient": [f"p{i // 2:03d}" for i in range(n)],  # two scans per patient
    })


def test_a_fifth_is_held_out_stratified_and_patient_level():
    cases = _cases()
    held = hold_out(cases, 0.2, seed=0, stratify_by=["lesion_class"], group_by="patient")
    assert len(held) == 8  # 20 patients / 5 parts = 4 patients = 8 scans
    patients = cases.set_index("case_id").loc[held, "patient"]
    assert set(Counter(patients).values()) == {2}  # both scans of each held-out patient
    classes = Counter(cases.set_index("case_id").loc[held, "lesion_class"])
    assert classes["other"] >= 3 and classes["avm"] >= 1 and classes["none"] >= 1
    assert hold_out(cases, 0.2, 0, ["lesion_class"], "patient") == held  # seeded
    assert hold_out(cases, 0.2, 1, ["lesion_class"], "patient") != held
    assert len(hold_out(cases, 0.3, 0)) in (13, 14)  # 1 / round(1 / 0.3): one of three parts of 40
    with pytest.raises(FoldsError, match="test fraction must be in \\(0, 0.5\\], got 0.7"):
        hold_out(cases, 0.7, 0)


def test_the_folds_never_see_the_test_set(tmp_path):
    cases = _cases()
    folds = write_folds(cases, tmp_path / "folds.json", 3, 0, ["lesion_class"], 0.2, "patient",
                        test_fraction=0.2, test_seed=4)
    held = set(folds["test_set"])
    assert len(held) == 8
    for fold in folds["folds"]:
        assert not held & (set(fold["train"]) | set(fold["val"]) | set(fold["test"]))
    tested = sorted(case for fold in folds["folds"] for case in fold["test"])
    assert tested == sorted(set(cases["case_id"]) - held)
    assert read_test_set(tmp_path / "folds.json") == sorted(held)
    written = json.loads((tmp_path / "folds.json").read_text())
    assert written["test_set"] == sorted(held) and written["provenance"]["settings_hash"]


def test_given_test_cases_and_errors(tmp_path):
    cases = _cases(12)
    folds = write_folds(cases, tmp_path / "folds.json", 2, 0, test_set=["c010", "c011"])
    assert folds["test_set"] == ["c010", "c011"]
    assert all("c010" not in fold["train"] + fold["val"] + fold["test"] for fold in folds["folds"])
    with pytest.raises(FoldsError, match="test case\\(s\\) \\['c099'\\] are not among the cases"):
        write_folds(cases, tmp_path / "x.json", 2, 0, test_set=["c099"])
    with pytest.raises(FoldsError, match="not both"):
        write_folds(cases, tmp_path / "x.json", 2, 0, test_set=["c010"], test_fraction=0.2)
    no_test = write_folds(cases, tmp_path / "plain.json", 2, 0)
    assert no_test["test_set"] == [] and read_test_set(tmp_path / "plain.json") == []
    (tmp_path / "bad.json").write_text('{"test_set": "c001"}')
    with pytest.raises(FoldsFileError, match="bad.json: test_set is not a list of case ids"):
        read_test_set(tmp_path / "bad.json")
