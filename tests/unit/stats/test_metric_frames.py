"""Reading metric tables and the case-subset rule."""

from __future__ import annotations

import pandas as pd
import pytest

from lesionbench.stats import (
    MetricsTableError,
    order_models,
    read_metrics,
    select_cases,
)


def write(path, frame):
    frame.to_csv(path, sep="\t", index=False)
    return path


def test_read_metrics_names_experiments_and_keeps_order(tmp_path):
    a = write(tmp_path / "whatever.tsv", pd.DataFrame({"case_id": ["1", "2"], "experiment": "unet", "dice": [0.5, 0.6]}))
    b = write(tmp_path / "fcn8s.tsv", pd.DataFrame({"case_id": ["1", "2"], "dice": [0.4, 0.3]}))
    frames = read_metrics([b, a])
    assert list(frames) == ["fcn8s", "unet"]
    assert frames["unet"]["case_id"].tolist() == ["1", "2"]  # ids stay strings


def test_read_metrics_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.tsv: metrics table not found"):
        read_metrics([tmp_path / "missing.tsv"])
    dup = write(tmp_path / "dup.tsv", pd.DataFrame({"case_id": ["a", "a"], "dice": [0.1, 0.2]}))
    with pytest.raises(MetricsTableError, match=r"dup.tsv: case_id\(s\) \['a'\] appear more than once"):
        read_metrics([dup])
    mixed = write(tmp_path / "mixed.tsv", pd.DataFrame({"case_id": ["a", "b"], "experiment": ["x", "y"]}))
    with pytest.raises(MetricsTableError, match="mixed.tsv: several experiments"):
        read_metrics([mixed])
    nocase = write(tmp_path / "nocase.tsv", pd.DataFrame({"id": ["a"], "dice": [0.1]}))
    with pytest.raises(MetricsTableError, match="nocase.tsv: no 'case_id' column"):
        read_metrics([nocase])
    one = write(tmp_path / "one.tsv", pd.DataFrame({"case_id": ["a"], "experiment": "unet"}))
    two = write(tmp_path / "two.tsv", pd.DataFrame({"case_id": ["a"], "experiment": "unet"}))
    with pytest.raises(MetricsTableError, match="two.tsv: experiment 'unet' was already read from .*one.tsv"):
        read_metrics([one, two])


def test_select_cases_rules():
    frame = pd.DataFrame({"case_id": list("abcd"), "has_lesion": ["True", "False", "1", "no"],
                          "ref_empty": [0, 1, 0, 0]})
    assert select_cases(frame, "auto")["case_id"].tolist() == ["a", "c"]  # has_lesion wins
    assert select_cases(frame.drop(columns="has_lesion"), "auto")["case_id"].tolist() == ["a", "c", "d"]
    assert select_cases(frame, "~ref_empty")["case_id"].tolist() == ["a", "c", "d"]
    assert select_cases(frame, "all")["case_id"].tolist() == list("abcd")
    assert select_cases(frame[["case_id"]], "auto")["case_id"].tolist() == list("abcd")
    with pytest.raises(MetricsTableError, match="subset column 'near_skull' is absent"):
        select_cases(frame, "near_skull")
    bad = pd.DataFrame({"case_id": ["a"], "has_lesion": ["maybe"]})
    with pytest.raises(MetricsTableError, match="column 'has_lesion'.*'maybe' is not a boolean"):
        select_cases(bad, "auto", "x.tsv")


def test_order_models_reference_first():
    assert order_models(["a", "b", "ours"], "ours") == ["ours", "a", "b"]
    with pytest.raises(MetricsTableError, match="reference model 'x' has no metrics table"):
        order_models(["a"], "x")
