"""Which models a figure can draw: those whose metrics table carries the columns it plots.

A classification-only network (paper 001's 3D CNN classifier) writes a metrics table with
``case_id, fold, experiment, cls_prob, cls_label`` and the case labels, but no segmentation
metric. The segmentation figures leave such a model out instead of failing, as ``roc_curves``
leaves out the models without a classification output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from lesionbench.figures.settings import FigureSettings


def with_columns(frames: Mapping[str, pd.DataFrame], *columns: str) -> dict[str, pd.DataFrame]:
    """The frames that carry every one of ``columns``, in the given order."""
    return {model: frame for model, frame in frames.items() if set(columns) <= set(frame.columns)}


def among(settings: FigureSettings, models: Sequence[str]) -> FigureSettings:
    """``settings`` with a reference among ``models``: as given when the configured reference is
    one of them (or none is configured), else without a reference (the first model leads)."""
    if settings.reference is None or settings.reference in models:
        return settings
    return settings.model_copy(update={"reference": None})
