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
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StrictBool, StrictInt, model_validator

from lesionbench.config import Number, Settings
from lesionbench.stats.settings import DEFAULT_METRIC_LABELS, CompareSettings, MetricName

_SHARED = ("reference", "metrics", "subset", "labels", "metric_labels", "seed")
DISTRIBUTIONS = ("box", "violin")


class FigureSettings(Settings):
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
        class_column: case-label column of the lesion class that splits the columns of
            ``overlays_by_class`` (paper 001 Fig. 5: AVM or other).
        size_column: case-label column of the reference lesion volume in mL that splits
            ``overlays_by_class`` into small and large lesions.
        size_split_ml: volume (mL) at or above which a lesion is large; 14.14 mL is the volume
            of a sphere 3 cm across, paper 001's 3 cm split.
        compare_options: the compare-only keys of the same JSON (filled by :meth:`from_dict`).
    """

    WHERE: ClassVar[str] = "figures"

    reference: str | None = None
    metrics: Annotated[tuple[MetricName, ...], Field(min_length=1)] = ("dice", "ppv", "sensitivity")
    subset: str = "auto"
    labels: dict[str, str] = {}
    metric_labels: dict[str, str] = {}
    overlay_cases: Annotated[StrictInt, Field(ge=1)] = 3
    pick_metric: MetricName = "dice"
    window: tuple[Number, Annotated[Number, Field(gt=0.0)]] = (40.0, 80.0)
    dpi: Annotated[StrictInt, Field(ge=1)] = 150
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    reference_color: str = "white"
    distribution: Literal["box", "violin"] = "box"
    annotate: StrictBool = True
    class_column: Annotated[str, Field(min_length=1)] = "lesion_class"
    size_column: Annotated[str, Field(min_length=1)] = "lesion_volume_ml"
    size_split_ml: Annotated[Number, Field(gt=0.0)] = 14.14
    compare_options: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _compare_keys_aside(cls, data: Any) -> Any:
        """Keep the compare-only keys in ``compare_options`` (they are checked by
        :class:`CompareSettings` when :meth:`compare_settings` builds it)."""
        if not isinstance(data, Mapping) or "compare_options" in data:
            return data
        compare_only = set(CompareSettings.model_fields) - set(_SHARED)
        own = {k: v for k, v in data.items() if k not in compare_only}
        own["compare_options"] = {k: v for k, v in data.items() if k in compare_only}
        return own

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (for provenance): the compare keys and the figure keys together."""
        out = self.model_dump(mode="json")
        return {**out.pop("compare_options"), **out}

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
