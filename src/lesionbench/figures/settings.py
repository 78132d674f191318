"""Settings of the figures stage.

The keys shared with :class:`lesionbench.stats.CompareSettings` (``reference``, ``metrics``,
``subset``, ``labels``, ``metric_labels``) mean the same thing, so a box plot shows exactly the
cases that were tested. The compare-only keys (``correction``, ``alpha``, ``ranking_*``, ...) are
accepted and kept in ``compare_options``, so one JSON (``{**config["compare"],
**config["figures"]}``) feeds both commands and the figures recompute the tests, rankings and
intervals with the very settings the tables used (:meth:`FigureSettings.compare_settings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from lesionbench.stats.settings import (
    DEFAULT_METRIC_LABELS,
    CompareSettings,
    SettingsError,
)

_SHARED = ("reference", "metrics", "subset", "labels", "metric_labels", "seed")
DISTRIBUTIONS = ("box", "violin")


@dataclass(frozen=True)
class FigureSettings:
    """Typed view of the figure settings.

    Attributes:
        reference: the proposed model: drawn first, and the model whose Dice range picks the
            overlay cases (default: the first metrics table).
        metrics: one box plot per metric column.
        subset: case selection, as ``CompareSettings.subset`` (default: cases with a lesion).
        labels: display names of experiments.
        metric_labels: display names of metrics.
        overlay_cases: number of cases in the overlay montage (best, median, worst Dice, ...).
        pick_metric: metric that orders the cases for the montage.
        window: CT display window ``(level, width)`` in HU (40/80: the brain window).
        dpi: PNG resolution, dots per inch.
        seed: seed of the horizontal jitter of box-plot points, and the compare seed (the
            bootstraps the figures redo must draw what the compare stage drew).
        reference_color: colour of the reference contour in the overlays.
        distribution: ``"box"`` (``boxplot_{metric}``) or ``"violin"`` (``violin_{metric}``).
        annotate: draw the adjusted p of each model vs the reference above the boxes.
        compare_options: the compare-only keys of the same JSON (filled by :meth:`from_dict`).
    """

    reference: str | None = None
    metrics: tuple[str, ...] = ("dice", "ppv", "sensitivity")
    subset: str = "auto"
    labels: Mapping[str, str] = field(default_factory=dict)
    metric_labels: Mapping[str, str] = field(default_factory=dict)
    overlay_cases: int = 3
    pick_metric: str = "dice"
    window: tuple[float, float] = (40.0, 80.0)
    dpi: int = 150
    seed: int = 0
    reference_color: str = "white"
    distribution: str = "box"
    annotate: bool = True
    compare_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise SettingsError(f"figure settings: 'distribution' is {self.distribution!r}; valid values are "
                                f"{list(DISTRIBUTIONS)}")
        if not isinstance(self.annotate, bool):
            raise SettingsError(f"figure settings: 'annotate' must be true or false, got {self.annotate!r}")
        if not self.metrics or not all(isinstance(m, str) for m in self.metrics):
            raise SettingsError("figure settings: 'metrics' must be a non-empty list of column names")
        if len(self.window) != 2 or float(self.window[1]) <= 0:
            raise SettingsError(f"figure settings: 'window' must be [level, width > 0] in HU, got {self.window!r}")
        for key in ("overlay_cases", "dpi"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SettingsError(f"figure settings: '{key}' must be a positive integer, got {value!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FigureSettings:
        """Build settings from a dict; compare-only keys are ignored, unknown keys rejected.

        Raises:
            SettingsError: naming an unknown key or a bad value.
        """
        own = {f.name for f in fields(cls)} - {"compare_options"}
        compare_only = {f.name for f in fields(CompareSettings)} - set(_SHARED)
        unknown = sorted(set(data) - own - compare_only)
        if unknown:
            raise SettingsError(f"figure settings: unknown key(s) {unknown}; valid keys are {sorted(own)} and the "
                                "compare keys")
        values: dict[str, Any] = {k: v for k, v in data.items() if k in own}
        values["compare_options"] = {k: v for k, v in data.items() if k in compare_only}
        if "metrics" in values:
            if isinstance(values["metrics"], str):
                raise SettingsError("figure settings: 'metrics' must be a list, not a string")
            values["metrics"] = tuple(values["metrics"])
        if "window" in values:
            values["window"] = tuple(float(v) for v in values["window"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (for provenance)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(metrics=list(self.metrics), window=list(self.window), labels=dict(self.labels),
                   metric_labels=dict(self.metric_labels))
        compare_options = dict(out.pop("compare_options"))
        return {**compare_options, **out}

    def compare_settings(self, models: list[str]) -> CompareSettings:
        """The :class:`CompareSettings` these figures share with the tables (reference: the
        configured one, else the first model).

        Raises:
            SettingsError: naming a bad compare key.
        """
        data = {**self.compare_options, "reference": self.reference or models[0], "metrics": list(self.metrics),
                "subset": self.subset, "labels": dict(self.labels), "metric_labels": dict(self.metric_labels),
                "seed": self.seed}
        return CompareSettings.from_dict(data)

    def label(self, experiment: str) -> str:
        """Display name of an experiment."""
        return str(self.labels.get(experiment, experiment))

    def metric_label(self, metric: str) -> str:
        """Display name of a metric column."""
        return str(self.metric_labels.get(metric, DEFAULT_METRIC_LABELS.get(metric, metric)))
