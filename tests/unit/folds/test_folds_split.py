"""Patient-level stratified folds: disjointness, balance, grouping, determinism, errors, files."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from lesionbench.folds import FoldsError, cases_from_json, cases_from_tsv, make_folds, stratum_keys, write_folds

STRATA = ["has_lesion", "lesion_class"]


def _cases(n=23):
    classes = ["avm", "other", "other", "none"]
    return pd.DataFrame({
        "case_id": [f"ph{i:03d}" for i in range(n)],
        "has_lesion": [classes[i % 4] != "none" for i in range(n)],
        "lesion_class": [classes[i % 4] for i in range(n)],
    })


def test_train_val_test_are_disjoint_and_every_case_is_tested_once():
    cases = _cases()
    folds = make_folds(cases, k=5, seed=3, stratify_by=STRATA, val_fraction=0.2)
    tested = Counter(case for fold in folds["folds"] for case in fold["test"])
    assert set(tested) == set(cases["case_id"]) and set(tested.values()) == {1}
    for fold in folds["folds"]:
        train, val, test = set(fold["train"]), set(fold["val"]), set(fold["test"])
        assert not (train & val) and not (train & test) and not (val & test)
        assert train | val | test == set(cases["case_id"])
        # val: round(0.2 * remaining) patients
        assert len(val) == round(0.2 * (len(cases) - len(test)))
    sizes = [len(fold["test"]) for fold in folds["folds"]]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == 23


def test_strata_are_balanced_across_test_folds():
    cases = _cases(31)
    keys = dict(zip(cases["case_id"], stratum_keys(cases, STRATA)))
    folds = make_folds(cases, k=4, seed=11, stratify_by=STRATA, val_fraction=0.25)
    for stratum in set(keys.values()):
        counts = [sum(keys[c] == stratum for c in fold["test"]) for fold in folds["folds"]]
        assert max(counts) - min(counts) <= 1, (stratum, counts)


def test_validation_is_stratified():
    # 20 avm + 20 other; test folds of 10, val 30% of 30 = 9 -> 4 or 5 of each class
    cases = pd.DataFrame({"case_id": [f"c{i}" for i in range(40)], "lesion_class": ["avm", "other"] * 20})
    folds = make_folds(cases, k=4, seed=0, stratify_by=["lesion_class"], val_fraction=0.3)
    avm = set(cases.loc[cases["lesion_class"] == "avm", "case_id"])
    for fold in folds["folds"]:
        assert len(fold["val"]) == 9
        assert sum(c in avm for c in fold["val"]) in (4, 5)


def test_same_seed_same_folds_and_row_order_does_not_matter():
    cases = _cases()
    first = make_folds(cases, k=3, seed=7, stratify_by=STRATA)
    again = make_folds(cases.sample(frac=1.0, random_state=1), k=3, seed=7, stratify_by=STRATA)
    other = make_folds(cases, k=3, seed=8, stratify_by=STRATA)
    assert first == again
    assert first["folds"] != other["folds"]


def test_one_remaining_patient_gives_val_equal_train_with_a_warning():
    cases = pd.DataFrame({"case_id": ["a", "b"], "has_lesion": [True, False]})
    folds = make_folds(cases, k=2, seed=0, stratify_by=["has_lesion"])
    for fold in folds["folds"]:
        assert fold["val"] == fold["train"] and len(fold["train"]) == 1
    assert len(folds["warnings"]) == 2 and "val = train" in folds["warnings"][0]


def _scans(patients=9):
    """Several scans per patient (1 to 4), some without a patient label."""
    rows = []
    for p in range(patients):
        for scan in range(1 + p % 4):
            rows.append({"case_id": f"p{p}s{scan}", "patient": f"P{p}" if p != 8 else "",
                         "has_lesion": p % 3 != 0})
    return pd.DataFrame(rows)


def test_scans_of_one_patient_stay_together():
    cases = _scans()
    folds = make_folds(cases, k=3, seed=1, stratify_by=["has_lesion"], group_by="patient")
    patient_of = dict(zip(cases["case_id"], cases["patient"]))
    assert folds["group_by"] == "patient"
    for fold in folds["folds"]:
        sides = [{patient_of[case] for case in fold[part] if patient_of[case]} for part in ("train", "val", "test")]
        assert not (sides[0] & sides[1]) and not (sides[0] & sides[2]) and not (sides[1] & sides[2])
        assert sorted(fold["train"] + fold["val"] + fold["test"]) == sorted(cases["case_id"])
    tested = Counter(case for fold in folds["folds"] for case in fold["test"])
    assert set(tested.values()) == {1} and len(tested) == len(cases)
    # 21 scans, groups of 1-4: dealing larger groups first to the emptiest fold keeps sizes close.
    sizes = sorted(len(fold["test"]) for fold in folds["folds"])
    assert sum(sizes) == 21 and sizes[-1] - sizes[0] <= 2


def test_ungrouped_cases_are_their_own_groups_and_one_case_per_group_changes_nothing():
    cases = _scans()
    unlabelled = cases.loc[cases["patient"] == "", "case_id"].tolist()
    assert len(unlabelled) == 1  # patient 8 has one scan and no label
    singletons = cases.assign(patient=cases["case_id"])
    grouped = make_folds(singletons, k=4, seed=5, stratify_by=["has_lesion"], group_by="patient")
    plain = make_folds(cases, k=4, seed=5, stratify_by=["has_lesion"])
    assert grouped["folds"] == plain["folds"]


def test_too_few_groups_and_unknown_group_column():
    cases = pd.DataFrame({"case_id": ["a", "b", "c", "d"], "patient": ["x", "x", "y", "y"]})
    with pytest.raises(FoldsError, match="k = 3 folds but only 2 group"):
        make_folds(cases, k=3, seed=0, group_by="patient")
    with pytest.raises(FoldsError, match="group_by column 'subject' not in the case table"):
        make_folds(cases, k=2, seed=0, group_by="subject")


@pytest.mark.parametrize(
    ("k", "kwargs", "message"),
    [
        (9, {}, "k = 9 folds but only 4 case"),
        (1, {}, "k must be an integer >= 2"),
        (2, {"val_fraction": 1.0}, r"val_fraction must be in \[0, 1\)"),
        (2, {"stratify_by": ["sex"]}, r"stratify_by column\(s\) \['sex'\] not in the case table"),
    ],
)
def test_errors(k, kwargs, message):
    cases = pd.DataFrame({"case_id": ["a", "b", "c", "d"], "has_lesion": [1, 0, 1, 0]})
    with pytest.raises(FoldsError, match=message):
        make_folds(cases, k=k, seed=0, **kwargs)


def test_duplicate_patients_are_rejected():
    cases = pd.DataFrame({"case_id": ["a", "b", "a"]})
    with pytest.raises(FoldsError, match=r"duplicate case ids \['a'\]"):
        make_folds(cases, k=2, seed=0)


def test_write_folds_and_case_readers(tmp_path):
    meta = tmp_path / "meta"
    meta.mkdir()
    for i in range(6):
        record = {"case_id": f"ph{i:03d}", "size": [8, 8, 4], "source": {"kind": "phantom"},
                  "labels": {"has_lesion": i % 2 == 0, "lesion_class": "avm" if i % 2 == 0 else "none"}}
        (meta / f"ph{i:03d}.json").write_text(json.dumps(record))
    cases = cases_from_json(sorted(meta.glob("*.json")))
    assert sorted(cases.columns) == ["case_id", "has_lesion", "lesion_class"]
    folds = write_folds(cases, tmp_path / "folds.json", k=3, seed=1, stratify_by=STRATA, val_fraction=0.25)
    written = json.loads((tmp_path / "folds.json").read_text())
    assert written == json.loads(json.dumps(folds))
    assert written["provenance"]["seed"] == 1 and written["k"] == 3
    assert [len(f["test"]) for f in written["folds"]] == [2, 2, 2]

    flat = tmp_path / "ph900.json"
    flat.write_text(json.dumps({"case_id": "ph900", "has_lesion": True, "lesion_volume_ml": 3.5}))
    assert cases_from_json([flat]).iloc[0].to_dict() == {"case_id": "ph900", "has_lesion": True, "lesion_volume_ml": 3.5}
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(FoldsError, match=r"bad\.json: expected a JSON object with a case_id"):
        cases_from_json([tmp_path / "bad.json"])

    (tmp_path / "sheet.tsv").write_text("case_id\thas_lesion\nx\ttrue\ny\tfalse\n")
    assert cases_from_tsv(tmp_path / "sheet.tsv")["has_lesion"].tolist() == ["true", "false"]
    with pytest.raises(FileNotFoundError, match="nope.tsv"):
        cases_from_tsv(tmp_path / "nope.tsv")
