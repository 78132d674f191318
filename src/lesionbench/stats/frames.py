"""Reading per-experiment metric tables and choosing the cases that enter the statistics.

``results/{dataset}/metrics/{experiment}.tsv`` holds one row per case (docs/file-formats.md,
"Evaluate"). Statistics and figures share the case-selection rule of
:attr:`CompareSettings.subset <lesionbench.stats.settings.CompareSettings>`, so a box plot
shows exactly the values that were tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lesionbench.typing import PathLike


class MetricsTableError(ValueError):
    """A metrics table is missing, malformed, or inconsistent with the others."""


_TRUE = {"true", "1", "yes", "y", "t", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "0.0"}


def read_metrics(paths: Sequence[PathLike]) -> dict[str, pd.DataFrame]:
    """Read metric TSVs into ``{experiment: frame}``, in the order given.

    The experiment name is the single value of the ``experiment`` column if there is one,
    else the file name without ``.tsv``.

    Raises:
        FileNotFoundError: naming a missing file.
        MetricsTableError: naming the file for an unreadable table, a missing ``case_id``
            column, duplicated case ids, several experiments in one file, or two files of the
            same experiment.
    """
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: metrics table not found")
        try:
            frame = pd.read_csv(path, sep="\t", dtype={"case_id": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise MetricsTableError(f"{path}: cannot be read as a TSV table ({error})") from error
        name = _experiment_name(frame, path)
        if name in frames:
            raise MetricsTableError(f"{path}: experiment '{name}' was already read from {sources[name]}")
        check_frame(frame, str(path))
        frames[name] = frame
        sources[name] = path
    if not frames:
        raise MetricsTableError("no metrics tables given")
    return frames


def check_frame(frame: pd.DataFrame, where: str) -> None:
    """Check that ``frame`` has unique, non-missing ``case_id`` values.

    Raises:
        MetricsTableError: naming ``where`` (a file or an experiment).
    """
    if "case_id" not in frame.columns:
        raise MetricsTableError(f"{where}: no 'case_id' column (columns: {list(frame.columns)})")
    ids = frame["case_id"]
    if ids.isna().any():
        raise MetricsTableError(f"{where}: {int(ids.isna().sum())} row(s) without a case_id")
    duplicated = sorted(ids[ids.duplicated()].astype(str).unique())
    if duplicated:
        raise MetricsTableError(f"{where}: case_id(s) {duplicated[:5]} appear more than once")


def order_models(models: Sequence[str], reference: str | None) -> list[str]:
    """The reference first, then the other models in their given order."""
    models = list(models)
    if reference is None:
        return models
    if reference not in models:
        raise MetricsTableError(f"reference model '{reference}' has no metrics table; models are {models}")
    return [reference] + [m for m in models if m != reference]


def select_cases(frame: pd.DataFrame, subset: str, where: str = "metrics table") -> pd.DataFrame:
    """Rows of ``frame`` that enter statistics and figures (rule: ``CompareSettings.subset``).

    Args:
        frame: one experiment's metrics, one row per case.
        subset: ``"auto"``, ``"all"``, a boolean column name, or ``"~column"`` (negated).
        where: the file or experiment, for error messages.

    Raises:
        MetricsTableError: if the named column is absent or holds non-boolean values.
    """
    subset = resolve_subset(frame, subset)
    if subset == "all":
        return frame
    negate = subset.startswith("~")
    column = subset[1:] if negate else subset
    if column not in frame.columns:
        raise MetricsTableError(f"{where}: subset column '{column}' is absent (columns: {list(frame.columns)})")
    keep = as_bool(frame[column], f"{where}, column '{column}'")
    return frame[~keep if negate else keep]


def resolve_subset(frame: pd.DataFrame, subset: str) -> str:
    """The rule ``"auto"`` stands for on this frame: ``"has_lesion"`` if that column exists,
    else ``"~ref_empty"`` if that one does, else ``"all"``; other rules are returned as given."""
    if subset != "auto":
        return subset
    if "has_lesion" in frame.columns:
        return "has_lesion"
    return "~ref_empty" if "ref_empty" in frame.columns else "all"


def as_bool(values: pd.Series, where: str) -> np.ndarray:
    """Parse a column of booleans written as ``True/False``, ``1/0`` or ``yes/no``.

    Raises:
        MetricsTableError: naming ``where`` and the first value that is not a boolean.
    """
    if values.dtype == bool:
        return values.to_numpy()
    text = values.astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise MetricsTableError(f"{where}: value {values[bad].iloc[0]!r} is not a boolean")
    return text.isin(_TRUE).to_numpy()


def metric_values(frame: pd.DataFrame, metric: str, where: str) -> pd.Series:
    """The numeric column ``metric`` indexed by ``case_id`` (NaN kept).

    Raises:
        MetricsTableError: naming ``where`` if the column is absent or not numeric.
    """
    if metric not in frame.columns:
        raise MetricsTableError(f"{where}: no '{metric}' column (columns: {list(frame.columns)})")
    try:
        values = pd.to_numeric(frame[metric], errors="raise").astype(float)
    except (ValueError, TypeError) as error:
        raise MetricsTableError(f"{where}: column '{metric}' is not numeric ({error})") from error
    return pd.Series(values.to_numpy(), index=frame["case_id"].astype(str).to_numpy(), name=metric)


def exclusions(frame: pd.DataFrame, metric: str) -> pd.Series:
    """Why each case of ``frame`` has no value of ``metric``: case id -> reason, NaN cases only.

    The reason comes from the ``ref_empty`` / ``pred_empty`` flags of the metrics table
    (:func:`lesionbench.metrics.exclusion_reason`: "both masks empty", "reference empty",
    "prediction empty"), else "undefined".
    """
    from lesionbench.metrics import exclusion_reason

    values = metric_values(frame, metric, "metrics table")
    missing = values[values.isna()]
    flags = {name: frame[name].astype(str).str.lower().eq("true").to_numpy() if name in frame.columns else None
             for name in ("ref_empty", "pred_empty")}
    reasons = []
    positions = np.flatnonzero(values.isna().to_numpy())
    for position in positions:
        ref_empty = bool(flags["ref_empty"][position]) if flags["ref_empty"] is not None else False
        pred_empty = bool(flags["pred_empty"][position]) if flags["pred_empty"] is not None else False
        reasons.append(exclusion_reason(ref_empty, pred_empty) or "undefined")
    return pd.Series(reasons, index=missing.index, dtype=object, name=f"{metric}_excluded")


def describe_exclusions(reasons: Sequence[str]) -> str:
    """``"reason: count; ..."`` in order of first appearance, or "" when nothing was excluded."""
    counts: dict[str, int] = {}
    for reason in reasons:
        counts[reason] = counts.get(reason, 0) + 1
    return "; ".join(f"{reason}: {count}" for reason, count in counts.items())


def metric_matrix(
    frames: Mapping[str, pd.DataFrame], metric: str, subset: str, models: Sequence[str] | None = None,
    missing: str = "drop", larger_is_better: bool = True,
) -> pd.DataFrame:
    """Cases x models matrix of one metric, on the cases every model has (for blocked tests
    and rankings, which need one value per model on every case).

    Args:
        frames: ``{experiment: metrics frame}``.
        metric: the metric column.
        subset: case selection rule (:func:`select_cases`).
        models: column order (default: the order of ``frames``).
        missing: ``"drop"``: a case with a NaN for any model is left out; ``"worst"``: a NaN
            becomes the worst value of the whole matrix (the minimum if larger is better, else
            the maximum).
        larger_is_better: direction of the metric, for ``missing="worst"``.

    Returns:
        Float frame indexed by ``case_id`` (sorted), one column per model; ``attrs["n_dropped"]``
        counts the common cases dropped for a NaN.

    Raises:
        MetricsTableError: if the models share no case, or the metric column is absent.
    """
    models = list(models) if models is not None else list(frames)
    chosen = selected_frames({m: frames[m] for m in models}, subset)
    columns = {m: metric_values(chosen[m], metric, f"experiment '{m}'") for m in models}
    matrix = pd.concat(columns, axis=1, join="inner").sort_index()
    if matrix.empty:
        raise MetricsTableError(f"models {models} share no case (subset '{subset}'); cannot compare '{metric}' per case")
    n_common = len(matrix)
    if missing == "worst":
        worst = np.nanmin(matrix.to_numpy()) if larger_is_better else np.nanmax(matrix.to_numpy())
        matrix = matrix.fillna(worst)
    elif missing == "drop":
        matrix = matrix.dropna()
    else:
        raise ValueError(f"unknown missing-value rule {missing!r}; valid: 'drop', 'worst'")
    matrix.index.name = "case_id"
    matrix.attrs["n_dropped"] = n_common - len(matrix)
    return matrix


def selected_frames(frames: Mapping[str, pd.DataFrame], subset: str) -> dict[str, pd.DataFrame]:
    """Apply :func:`select_cases` to every experiment (after checking its case ids)."""
    out = {}
    for name, frame in frames.items():
        check_frame(frame, f"experiment '{name}'")
        out[name] = select_cases(frame, subset, f"experiment '{name}'")
    return out


def _experiment_name(frame: pd.DataFrame, path: Path) -> str:
    stem = path.name[: -len(".tsv")] if path.name.endswith(".tsv") else path.stem
    if "experiment" not in frame.columns or frame.empty:
        return stem
    names = frame["experiment"].dropna().astype(str).unique()
    if len(names) > 1:
        raise MetricsTableError(f"{path}: several experiments in one table: {sorted(names)}")
    return str(names[0]) if len(names) else stem
