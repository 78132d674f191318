"""Patient-level, stratified, seeded k-fold splits with a validation subset per fold.

Written by hand instead of with scikit-learn's ``StratifiedKFold`` (not a dependency): a
seeded round-robin over shuffled strata guarantees what the tables need on the small cohorts
of the papers (tens of patients, strata with fewer than ``k`` members, where
``StratifiedKFold`` only warns): every stratum's count differs by at most one between folds,
and so do the fold sizes. Paper 001 (section 3.3) uses 5-fold cross-validation with "the same
data distribution" in training and test sets.

Cases that share a ``group_by`` label (several scans of one patient) are kept together: the
deal moves whole groups, so no patient is in the training and the test set of one fold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lesionbench.io import provenance, write_json
from lesionbench.typing import PathLike


class FoldsError(ValueError):
    """The case table cannot be split as asked."""


def stratum_keys(cases: pd.DataFrame, stratify_by: Sequence[str]) -> pd.Series:
    """One string per case naming its stratum, e.g. ``"has_lesion=True|lesion_class=avm"``."""
    missing = [column for column in stratify_by if column not in cases.columns]
    if missing:
        raise FoldsError(f"stratify_by column(s) {missing} not in the case table (columns: {list(cases.columns)})")
    if not stratify_by:
        return pd.Series(["all"] * len(cases), index=cases.index)
    return cases[list(stratify_by)].apply(
        lambda row: "|".join(f"{column}={row[column]}" for column in stratify_by), axis=1
    )


def make_folds(
    cases: pd.DataFrame,
    k: int,
    seed: int,
    stratify_by: Sequence[str] = (),
    val_fraction: float = 0.2,
    group_by: str | None = None,
) -> dict[str, Any]:
    """Split patients into ``k`` folds; each fold's test set is one part, val is drawn from the rest.

    Test parts: strata (sorted by name) are shuffled with the seed and dealt round-robin onto
    the folds, the deal continuing from one stratum to the next. Validation: of the patients
    outside the test part, ``max(1, round(val_fraction * n))`` (at most ``n - 1``) are drawn
    stratified (systematic sampling over each shuffled stratum); the rest is training. With a
    single remaining patient, validation equals training and a warning is recorded.

    With ``group_by``, the units dealt and drawn are the groups (a case with an empty group is
    a group of its own), each in the stratum most of its cases are in; within a stratum larger
    groups are dealt first, each to the fold with the fewest cases so far (ties: the next fold
    in turn). With one case per group this is exactly the round-robin deal above.

    Args:
        cases: one row per patient, a ``case_id`` column and label columns.
        k: number of folds (2 <= k <= number of patients).
        seed: seed of every random choice; same inputs and seed -> same folds.
        stratify_by: label columns whose value combination defines a stratum.
        val_fraction: fraction of the non-test patients used for validation, in ``[0, 1)``.
        group_by: label column naming the patient of each case (``None``: one case per patient).

    Returns:
        ``{"k", "seed", "stratify_by", "val_fraction", "group_by", "folds": [{"fold", "train",
        "val", "test"}], "warnings"}`` with sorted case-id lists (docs/file-formats.md, "Folds").

    Raises:
        FoldsError: no ``case_id`` column, duplicate case ids, bad ``k`` or
            ``val_fraction``, unknown stratification or group column.
    """
    if "case_id" not in cases.columns:
        raise FoldsError(f"the case table has no case_id column (columns: {list(cases.columns)})")
    ids = cases["case_id"].astype(str)
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        raise FoldsError(f"duplicate case ids {duplicated}: the table must have one row per patient")
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise FoldsError(f"k must be an integer >= 2, got {k!r}")
    if not 0.0 <= float(val_fraction) < 1.0:
        raise FoldsError(f"val_fraction must be in [0, 1), got {val_fraction!r}")

    members = _groups(cases, ids, group_by)
    if k > len(members):
        unit = "group(s)" if group_by else "case(s)"
        raise FoldsError(f"k = {k} folds but only {len(members)} {unit}: every fold needs a test patient")
    case_strata = dict(zip(ids, stratum_keys(cases, stratify_by)))
    strata = {unit: _majority([case_strata[case] for case in cases_of]) for unit, cases_of in members.items()}
    sizes = {unit: len(cases_of) for unit, cases_of in members.items()}
    test_seq, *val_seqs = np.random.SeedSequence(int(seed)).spawn(k + 1)
    test_of = _deal(strata, sizes, k, np.random.default_rng(test_seq))

    def cases_in(units: list[str]) -> list[str]:
        return sorted(case for unit in units for case in members[unit])

    folds, warnings = [], []
    for fold in range(k):
        test = sorted(unit for unit, f in test_of.items() if f == fold)
        remaining = sorted(unit for unit, f in test_of.items() if f != fold)
        if len(remaining) == 1:
            val = train = remaining
            warnings.append(f"fold {fold}: only one training patient ({remaining[0]}); val = train")
        else:
            n_val = min(max(1, math.floor(float(val_fraction) * len(remaining) + 0.5)), len(remaining) - 1)
            val = _stratified_sample(remaining, strata, n_val, np.random.default_rng(val_seqs[fold]))
            train = sorted(set(remaining) - set(val))
        folds.append({"fold": fold, "train": cases_in(train), "val": cases_in(val), "test": cases_in(test)})
    return {
        "k": int(k), "seed": int(seed), "stratify_by": list(stratify_by),
        "val_fraction": float(val_fraction), "group_by": group_by, "folds": folds, "warnings": warnings,
    }


def hold_out(
    cases: pd.DataFrame,
    fraction: float,
    seed: int,
    stratify_by: Sequence[str] = (),
    group_by: str | None = None,
) -> list[str]:
    """A held-out test set drawn before the folds, patient-level and stratified like them.

    The patients are dealt into ``round(1 / fraction)`` parts exactly as :func:`make_folds` deals
    its test parts (same strata, same grouping, ``seed``); the first part is the test set. So
    ``fraction = 0.2`` holds out one fifth (paper 003's 8:2 split), and a fraction whose inverse
    is not a whole number holds out ``1 / round(1 / fraction)`` (0.3 -> one third).

    Args:
        cases: one row per case, ``case_id`` and label columns.
        fraction: in ``(0, 0.5]``.
        seed: seed of the draw (independent of the folds' seed).
        stratify_by, group_by: as for :func:`make_folds`.

    Returns:
        The held-out case ids, sorted.

    Raises:
        FoldsError: a bad fraction, or fewer patients than parts.
    """
    if not 0.0 < fraction <= 0.5:
        raise FoldsError(f"test fraction must be in (0, 0.5], got {fraction}")
    parts = max(2, round(1.0 / fraction))
    split = make_folds(cases, parts, seed, stratify_by, 0.0, group_by)
    return sorted(split["folds"][0]["test"])


def write_folds(
    cases: pd.DataFrame,
    out_path: PathLike,
    k: int,
    seed: int,
    stratify_by: Sequence[str] = (),
    val_fraction: float = 0.2,
    group_by: str | None = None,
    test_set: Sequence[str] = (),
    test_fraction: float | None = None,
    test_seed: int = 0,
) -> dict[str, Any]:
    """:func:`make_folds` on the cases outside the test set, plus provenance, written atomically
    as JSON to ``out_path``.

    The held-out test set (``"test_set"`` in the file, sorted) is either ``test_set`` (cases of a
    separate test source, or the phantom's ``test_cases``) or drawn with :func:`hold_out` when
    ``test_fraction`` is given; the cross-validation folds never see it.

    Raises:
        FoldsError: both kinds of test set given, or a test case that is not a case.
    """
    if test_set and test_fraction is not None:
        raise FoldsError("give the test set's cases or its fraction, not both")
    ids = cases["case_id"].astype(str)
    unknown = sorted(set(test_set) - set(ids))
    if unknown:
        raise FoldsError(f"test case(s) {unknown[:5]} are not among the cases")
    held_out = (hold_out(cases, test_fraction, test_seed, stratify_by, group_by) if test_fraction is not None
                else sorted(test_set))
    remaining = cases[~ids.isin(held_out)].reset_index(drop=True)
    folds = make_folds(remaining, k, seed, stratify_by, val_fraction, group_by)
    folds["test_set"] = held_out
    settings = {"k": folds["k"], "seed": folds["seed"], "stratify_by": folds["stratify_by"],
                "val_fraction": folds["val_fraction"], "group_by": group_by,
                "cases": sorted(cases["case_id"].astype(str)), "test_set": held_out,
                "test_fraction": test_fraction, "test_seed": test_seed if test_fraction is not None else None}
    folds["provenance"] = provenance(settings, seed=seed, stage="folds")
    write_json(out_path, folds)
    return folds


def _groups(cases: pd.DataFrame, ids: pd.Series, group_by: str | None) -> dict[str, list[str]]:
    """Unit -> its cases. Without ``group_by`` every case is a unit named by its case id; with
    it, a unit is a group label (a case whose group is empty is a unit of its own)."""
    if group_by is None:
        return {case: [case] for case in ids}
    if group_by not in cases.columns:
        raise FoldsError(f"group_by column {group_by!r} not in the case table (columns: {list(cases.columns)})")
    members: dict[str, list[str]] = {}
    for case, group in zip(ids, cases[group_by]):
        empty = pd.isna(group) or str(group).strip() == ""
        members.setdefault(f"case {case}" if empty else f"{group_by} {group}", []).append(case)
    return members


def _majority(values: list[str]) -> str:
    """The most common value; ties go to the first in sorted order."""
    return min(set(values), key=lambda value: (-values.count(value), value))


def _deal(strata: dict[str, str], sizes: dict[str, int], k: int, rng: np.random.Generator) -> dict[str, int]:
    """Unit -> fold: each stratum (sorted by name) is shuffled, its larger units first (stable),
    and every unit goes to the fold with the fewest cases so far, ties to the next fold in turn.
    With units of one case this is the plain round-robin deal, continued across strata."""
    fold_of: dict[str, int] = {}
    load = [0] * k
    position = 0
    for key in sorted(set(strata.values())):
        shuffled = [str(unit) for unit in rng.permutation(sorted(u for u, s in strata.items() if s == key))]
        for unit in sorted(shuffled, key=lambda u: -sizes[u]):
            fold = min(range(k), key=lambda f: (load[f], (f - position) % k))
            fold_of[unit] = fold
            load[fold] += sizes[unit]
            position += 1
    return fold_of


def _stratified_sample(cases: list[str], strata: dict[str, str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` units (cases or groups) drawn in proportion to the strata (systematic sampling,
    random tie-break)."""
    ranked = []
    for key in sorted({strata[case] for case in cases}):
        members = rng.permutation(sorted(case for case in cases if strata[case] == key))
        for index, case in enumerate(members):
            ranked.append(((index + 0.5) / len(members), float(rng.random()), str(case)))
    ranked.sort()
    return sorted(case for _, _, case in ranked[:n])
