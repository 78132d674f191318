"""ROC curves of the models with a classification output (paper 001, Fig. 6).

One curve per model that writes ``cls_prob`` and ``cls_label``; the legend gives the AUC and
its stratified bootstrap interval, the numbers of ``stats/classification.tsv`` (same functions,
same settings and seed). Not drawn when no model has the columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lesionbench.classification.analysis import classification_table, roc_table
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.typing import PathLike


def plot_roc_curves(frames: Mapping[str, pd.DataFrame], settings: FigureSettings,
                    colors: Mapping[str, str] | None = None) -> Drawn | None:
    """Draw the ROC curves, or return None when no model has a classification output.

    Returns:
        The figure; ``artists[("roc", model)]`` is the curve (x = FPR, y = TPR) and
        ``data[("auc", model)]`` the ``(auc, low, high)`` in the legend.
    """
    models = list(frames)
    cmp = settings.compare_settings(models)
    table = classification_table(frames, cmp)
    points = roc_table(frames, cmp)
    if points.empty:
        return None
    colors = dict(colors) if colors is not None else model_colors(models)
    figure = new_figure(5.0, 5.0, settings.dpi)
    ax = figure.add_subplot()
    artists, data = {}, {}
    for model, curve in points.groupby("model", sort=False):
        row = table[table["model"] == model].iloc[0]
        data[("auc", model)] = (float(row["auc"]), float(row["auc_ci_low"]), float(row["auc_ci_high"]))
        (artists[("roc", model)],) = ax.plot(
            curve["fpr"], curve["tpr"], color=colors[model], linewidth=1.8, drawstyle="default",
            label=f"{settings.label(model)}: AUC {row['auc']:.3f} ({row['auc_ci_low']:.3f}, {row['auc_ci_high']:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="chance")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("False positive rate (1 - specificity)")
    ax.set_ylabel("True positive rate (sensitivity)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small", loc="lower right")
    return Drawn(figure, artists, data)


def roc_curves(frames: Mapping[str, pd.DataFrame], out_path_stem: PathLike, settings: FigureSettings,
               colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``{out_path_stem}.png`` and ``.pdf``; nothing (``[]``) without classification outputs."""
    drawn = plot_roc_curves(frames, settings, colors)
    if drawn is None:
        return []
    return save_figure(drawn.figure, out_path_stem, settings.dpi, {"figure": "roc_curves"})
