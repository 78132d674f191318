"""Cases without a metric value are counted and explained in the paired tests and the summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lesionbench.stats import CompareSettings
from lesionbench.stats.frames import describe_exclusions, exclusions
from lesionbench.stats.paired import paired_tests
from lesionbench.stats.summary import summary_table

NAN = np.nan


def _frame(name: str, ppv, hd95_nan, pred_empty) -> pd.DataFrame:
    """Six cases; f has no reference lesion (and both models leave it empty)."""
    return pd.DataFrame({
        "case_id": list("abcdef"), "experiment": name, "dice": [0.9, 0.8, 0.7, 0.6, 0.5, 1.0],
        "ppv": ppv, "hd95_nan": hd95_nan, "ref_empty": [False] * 5 + [True], "pred_empty": pred_empty,
    })


def frames() -> dict[str, pd.DataFrame]:
    ours = _frame("ours", [0.9, 0.8, 0.7, 0.6, 0.5, 1.0], [1.0, 2.0, 3.0, 4.0, 5.0, NAN], [False] * 5 + [True])
    # fcn8s misses lesion d (prediction empty): no ppv, no raw distance
    fcn8s = _frame("fcn8s", [0.8, 0.7, 0.6, NAN, 0.4, 1.0], [2.0, 3.0, 4.0, NAN, 6.0, NAN],
                   [False, False, False, True, False, True])
    return {"ours": ours, "fcn8s": fcn8s}


def settings(**extra) -> CompareSettings:
    return CompareSettings.from_dict({"reference": "ours", "metrics": ["dice", "ppv", "hd95_nan"],
                                      "subset": "all", **extra})


def test_reasons_come_from_the_empty_flags():
    reasons = exclusions(frames()["fcn8s"], "hd95_nan")
    assert reasons.to_dict() == {"d": "prediction empty", "f": "both masks empty"}
    assert describe_exclusions(["a", "b", "a"]) == "a: 2; b: 1" and describe_exclusions([]) == ""


def test_paired_tests_say_how_many_pairs_dropped_and_why():
    tests = paired_tests(frames(), settings()).set_index("metric")
    assert tests.loc["dice", "n_dropped"] == 0 and tests.loc["dice", "dropped"] == ""
    assert tests.loc["ppv", "n"] == 5 and tests.loc["ppv", "dropped"] == "prediction empty (fcn8s): 1"
    assert tests.loc["hd95_nan", "n"] == 4 and tests.loc["hd95_nan", "n_dropped"] == 2
    assert tests.loc["hd95_nan", "dropped"] == "prediction empty (fcn8s): 1; both masks empty: 1"


def test_summary_says_how_many_cases_each_model_lacks_and_why():
    summary = summary_table(frames(), paired_tests(frames(), settings()), settings()).set_index(["model", "metric"])
    assert summary.loc[("ours", "hd95_nan"), "n"] == 5 and summary.loc[("ours", "hd95_nan"), "n_excluded"] == 1
    assert summary.loc[("ours", "hd95_nan"), "excluded"] == "both masks empty: 1"
    assert summary.loc[("fcn8s", "hd95_nan"), "excluded"] == "prediction empty: 1; both masks empty: 1"
    assert summary.loc[("fcn8s", "dice"), "n_excluded"] == 0 and summary.loc[("fcn8s", "dice"), "excluded"] == ""
