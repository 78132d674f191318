"""The evaluation split of each cohort shape, made by the package's folds machinery.

No new split code: the workflow's ``test: {fraction: 0.2, seed}`` (:func:`lesionbench.folds.hold_out`)
holds out paper 003's 8:2 ATLAS test set, 46 of 229 cases, and ``folds: {k: 5, seed}``
(:func:`lesionbench.folds.make_folds`) deals ISLES 2015's 28 cases into test parts of
6, 6, 6, 5, 5. :func:`evaluation_config` says which blocks a dataset configuration needs, and
:func:`split_cases` makes the same split for scripts and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from lesionbench.folds.split import hold_out, make_folds
from lesionbench.phantom.mri.geometry import COHORTS

#: Paper 003's held-out fraction on ATLAS (8:2) and fold count on ISLES 2015.
ATLAS_TEST_FRACTION = 0.2
ISLES_FOLDS = 5


def evaluation_config(cohort: str, seed: int = 0, k: int = 5) -> dict[str, Any]:
    """The ``test`` and ``folds`` blocks of a workflow dataset on a cohort of this shape.

    ``atlas``: an 8:2 hold-out (``test.fraction: 0.2``) and ``k``-fold cross-validation of the
    remaining 80 % for model selection; ``isles2015``: 5-fold cross-validation, no test set.
    """
    if cohort not in COHORTS:
        raise ValueError(f"unknown cohort {cohort!r} (valid: {', '.join(COHORTS)})")
    if COHORTS[cohort].evaluation == "holdout_0.2":
        return {"test": {"fraction": ATLAS_TEST_FRACTION, "seed": seed}, "folds": {"k": k, "seed": seed}}
    return {"folds": {"k": ISLES_FOLDS, "seed": seed}}


def split_cases(case_ids: Sequence[str], cohort: str, seed: int = 0) -> dict[str, Any]:
    """The cohort's split of ``case_ids`` (no stratification, one case per patient).

    Returns:
        ``atlas``: ``{"train": [...], "test": [...]}`` (the test set of ``hold_out(0.2)``);
        ``isles2015``: ``{"folds": [{"fold", "train", "val", "test"}, ...]}`` of ``make_folds(k=5)``.
    """
    if cohort not in COHORTS:
        raise ValueError(f"unknown cohort {cohort!r} (valid: {', '.join(COHORTS)})")
    table = pd.DataFrame({"case_id": list(case_ids)})
    if COHORTS[cohort].evaluation == "holdout_0.2":
        test = hold_out(table, ATLAS_TEST_FRACTION, seed)
        return {"train": sorted(set(case_ids) - set(test)), "test": test}
    return {"folds": make_folds(table, ISLES_FOLDS, seed)["folds"]}
