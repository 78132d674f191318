"""``lesionbench folds`` command line."""

from __future__ import annotations

import json

from lesionbench.cli import main


def test_cli_from_meta_files_and_from_a_tsv(tmp_path, capsys):
    metas = []
    for i in range(6):
        path = tmp_path / f"ph{i:03d}.json"
        path.write_text(json.dumps({"case_id": f"ph{i:03d}", "labels": {"has_lesion": i < 4, "lesion_class": "other"}}))
        metas.append(str(path))
    out = tmp_path / "folds.json"
    assert main(["folds", "--meta", *metas, "--out", str(out), "--k", "2", "--seed", "4",
                 "--stratify-by", "has_lesion", "lesion_class", "--val-fraction", "0.34"]) == 0
    folds = json.loads(out.read_text())
    assert folds["k"] == 2 and folds["stratify_by"] == ["has_lesion", "lesion_class"]
    for fold in folds["folds"]:
        assert len(fold["test"]) == 3 and len(fold["val"]) == 1 and len(fold["train"]) == 2
        assert sum(case in ("ph004", "ph005") for case in fold["test"]) == 1  # lesion-free split 1 / 1

    sheet = tmp_path / "cases.tsv"
    sheet.write_text("case_id\tgroup\na\tx\nb\ty\n")
    assert main(["folds", "--cases-tsv", str(sheet), "--out", str(tmp_path / "f2.json"), "--k", "3"]) == 2
    assert "k = 3 folds but only 2 case(s)" in capsys.readouterr().err


def test_cli_groups_the_cases_of_a_patient(tmp_path):
    sheet = tmp_path / "cases.tsv"
    sheet.write_text("case_id\tgroup\na1\tA\na2\tA\nb1\tB\nc1\tC\nc2\tC\nc3\tC\nd1\t\ne1\tE\ne2\tE\nf1\tF\n")
    out = tmp_path / "folds.json"
    assert main(["folds", "--cases-tsv", str(sheet), "--out", str(out), "--k", "2", "--group-by", "group"]) == 0
    folds = json.loads(out.read_text())
    assert folds["group_by"] == "group" and folds["warnings"] == []
    for fold in folds["folds"]:
        for part in ("train", "val", "test"):
            patients = {case[0] for case in fold[part]}
            others = {case[0] for other in ("train", "val", "test") if other != part for case in fold[other]}
            assert not patients & others, (fold, part)
