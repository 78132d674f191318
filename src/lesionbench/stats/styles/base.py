"""What every table style shares: the computed inputs (cached) and the styled result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from lesionbench.stats.frames import metric_values, order_models, selected_frames
from lesionbench.stats.paired import paired_tests
from lesionbench.stats.settings import CompareSettings
from lesionbench.stats.summary import describe, global_dice, summary_table
from lesionbench.stats.tables import MISSING, format_number


@dataclass(frozen=True)
class StyledTable:
    """One table in one paper's layout.

    Attributes:
        data: the numbers (written as ``table_{style}.tsv``).
        display: the same as strings, rows = model labels (or ``(group, model)``), columns
            flat or ``(group, sub-header)`` (rendered by :mod:`lesionbench.stats.render`).
        note: footnote: what the numbers are and how they were computed.
        caption: the table's title.
    """

    data: pd.DataFrame
    display: pd.DataFrame
    note: str
    caption: str


@dataclass
class StyleContext:
    """The metrics tables and settings, with the statistics several styles need, computed once.

    ``tests``, ``summary`` and ``global_dice`` may be passed in (compare has them already);
    otherwise they are computed on first use.
    """

    frames: Mapping[str, pd.DataFrame]
    settings: CompareSettings
    precomputed: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: every model's table, classifiers included (``frames`` holds the segmentation models only);
    #: ``None``: the same as ``frames``.
    all_frames: Mapping[str, pd.DataFrame] | None = None
    _tests: dict[tuple[str, ...], pd.DataFrame] = field(default_factory=dict, repr=False)

    @cached_property
    def models(self) -> list[str]:
        """Models in table order, the reference first."""
        return order_models(list(self.frames), self.settings.reference)

    @cached_property
    def classification_frames(self) -> Mapping[str, pd.DataFrame]:
        """Every model's table, for classification columns (classifiers included)."""
        return self.frames if self.all_frames is None else self.all_frames

    @cached_property
    def classifiers(self) -> list[str]:
        """Models of :attr:`classification_frames` without segmentation metrics, in their order."""
        return [model for model in self.classification_frames if model not in self.frames]

    @cached_property
    def chosen(self) -> dict[str, pd.DataFrame]:
        """Each model's selected cases (``settings.subset``)."""
        return selected_frames(self.frames, self.settings.subset)

    @cached_property
    def tests(self) -> pd.DataFrame:
        """Paired tests on ``settings.metrics``."""
        return self.tests_for(self.settings.metrics)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Summary table on ``settings.metrics``."""
        if "summary" in self.precomputed:
            return self.precomputed["summary"]
        return summary_table(self.frames, self.tests, self.settings)

    @cached_property
    def global_dice(self) -> pd.DataFrame:
        """DSC(G) per model."""
        if "global_dice" in self.precomputed:
            return self.precomputed["global_dice"]
        return global_dice(self.frames, self.settings)

    def tests_for(self, metrics: Sequence[str]) -> pd.DataFrame:
        """Paired tests of ``metrics`` against the reference, the family and correction as
        configured (computed once per metric list)."""
        key = tuple(metrics)
        if key not in self._tests:
            if "tests" in self.precomputed and key == tuple(self.settings.metrics):
                self._tests[key] = self.precomputed["tests"]
            else:
                self._tests[key] = paired_tests(self.frames, self.settings.model_copy(update={"metrics": key}))
        return self._tests[key]

    def p_adjusted(self, metric: str, model: str, metrics: Sequence[str]) -> float:
        """Adjusted p of ``model`` vs the reference on ``metric`` (NaN for the reference)."""
        if model == self.settings.reference:
            return float("nan")
        tests = self.tests_for(metrics)
        row = tests[(tests["metric"] == metric) & (tests["model"] == model)]
        return float(row["p_adjusted"].iloc[0]) if len(row) else float("nan")

    def describe(self, model: str, metric: str) -> dict[str, float]:
        """n, median, quartiles, mean and sd of a model's selected values of ``metric``."""
        values = metric_values(self.chosen[model], metric, f"experiment '{model}'").to_numpy()
        return describe(values)

    def mean(self, model: str, metric: str) -> float:
        """Mean of a model's selected values of ``metric`` (NaN left out)."""
        return self.describe(model, metric)["mean"]

    def decimals(self, style: str, default: int) -> int:
        """Decimals of a style: ``settings.style_decimals[style]`` or the paper's ``default``."""
        return int(self.settings.style_decimals.get(style, default))

    def n_cases(self) -> int:
        """Number of selected cases of the reference model."""
        return len(self.chosen[self.settings.reference])


def fmt(value: float, decimals: int) -> str:
    """A number with ``decimals`` decimals, ``"NA"`` if missing."""
    return format_number(float(value), decimals) if value is not None and np.isfinite(value) else MISSING


def columns(pairs: Sequence[tuple[str, str]]) -> pd.MultiIndex:
    """Two-level ``(group, sub-header)`` columns."""
    return pd.MultiIndex.from_tuples(list(pairs), names=["group", ""])
