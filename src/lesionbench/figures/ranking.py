"""Ranking figures of challengeR (Wiesenfarth et al., Sci Rep 2021): the significance map and
the rank-distribution ("blob") plot.

Both are drawn from :func:`lesionbench.ranking.rank_metric`, the function whose output the
compare stage writes to ``ranking*.tsv`` (same settings, same seed, so the same numbers):

- significance map: models on both axes in the order of the configured ranking; the cell in
  row i, column j is coloured when model i is significantly better than model j by the
  one-sided Wilcoxon test, Holm-adjusted over all ordered pairs; each cell prints the adjusted p;
- blob plot: for each model (x, ranked order) a disc at every rank it reached in the bootstrap
  samples, its area proportional to how often; the black line spans the central
  ``confidence`` interval of the bootstrap ranks, the cross marks their median.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from lesionbench.figures.columns import among, with_columns
from lesionbench.figures.settings import FigureSettings
from lesionbench.figures.style import Drawn, model_colors, new_figure, save_figure
from lesionbench.ranking.analysis import Rankings, rank_metric
from lesionbench.ranking.bootstrap import rank_frequencies
from lesionbench.stats.tables import format_p
from lesionbench.typing import PathLike

#: Colours of the significance map: not significant, significant (Okabe-Ito sky blue, orange).
MAP_COLORS = ("#56B4E9", "#E69F00")
BLOB_MAX_AREA = 500.0  # marker area (pt^2) of a rank reached in every sample


def plot_significance_map(rankings: Rankings, metric: str, settings: FigureSettings) -> Drawn:
    """Draw the significance map of one metric.

    Returns:
        The figure; ``data["order"]`` is the model order, ``data["significant"]`` the boolean
        matrix (row better than column), ``data[("p_adjusted", a, b)]`` each printed p.
    """
    order = rankings.ranking["model"].tolist()
    k = len(order)
    sig = rankings.significance.set_index(["model", "versus"])
    matrix = np.full((k, k), np.nan)
    figure = new_figure(1.6 + 0.8 * k, 1.2 + 0.8 * k, settings.dpi)
    ax = figure.add_subplot()
    data: dict = {"order": order}
    artists: dict = {}
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            if i == j:
                continue
            row = sig.loc[(a, b)]
            matrix[i, j] = float(bool(row["significant"]))
            p = float(row["p_adjusted"])
            data[("p_adjusted", a, b)] = p
            artists[("text", a, b)] = ax.text(j, i, format_p(p, 3, 0.001), ha="center", va="center",
                                              fontsize="x-small")
    artists["image"] = ax.imshow(np.ma.masked_invalid(matrix), cmap=ListedColormap(list(MAP_COLORS)), vmin=0, vmax=1)
    data["significant"] = matrix == 1.0
    labels = [settings.label(m) for m in order]
    ax.set_xticks(range(k), labels, rotation=30 if k > 2 else 0, ha="right" if k > 2 else "center")
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("versus")
    ax.set_ylabel("model")
    ax.set_title(f"{settings.metric_label(metric)}: model better than versus?", fontsize="small")
    ax.legend(handles=[Patch(color=MAP_COLORS[1], label="significant"), Patch(color=MAP_COLORS[0], label="not")],
              loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="x-small")
    return Drawn(figure, artists, data)


def plot_rank_blobs(rankings: Rankings, metric: str, settings: FigureSettings,
                    colors: Mapping[str, str] | None = None) -> Drawn:
    """Draw the bootstrap rank distribution of one metric.

    Returns:
        The figure; ``data[("frequency", model)]`` is the count of each rank 1..k,
        ``data[("interval", model)]`` the (low, median, high) ranks drawn.
    """
    table = rankings.ranking
    order = table["model"].tolist()
    k = len(order)
    colors = dict(colors) if colors is not None else model_colors(order)
    frequencies = rank_frequencies(rankings.bootstrap, order)
    samples = int(rankings.bootstrap["resample"].nunique())
    figure = new_figure(max(4.0, 1.5 + 0.9 * k), 1.5 + 0.7 * k, settings.dpi)
    ax = figure.add_subplot()
    artists, data = {}, {}
    ranks = np.arange(1, k + 1)
    for x, model in enumerate(order, start=1):
        counts = frequencies.loc[model].to_numpy()
        shown = counts > 0
        artists[("blobs", model)] = ax.scatter(np.full(shown.sum(), x), ranks[shown],
                                               s=BLOB_MAX_AREA * counts[shown] / samples, color=colors[model],
                                               alpha=0.8, edgecolors="none")
        row = table[table["model"] == model].iloc[0]
        low, median, high = row["bootstrap_rank_low"], row["bootstrap_median_rank"], row["bootstrap_rank_high"]
        ax.plot([x, x], [low, high], color="black", linewidth=1.2)
        ax.plot([x], [median], marker="x", color="black", markersize=6)
        data[("frequency", model)] = counts
        data[("interval", model)] = (low, median, high)
    taus = rankings.bootstrap.drop_duplicates("resample")["kendall_tau"]
    tau = float(np.nanmedian(taus)) if taus.notna().any() else float("nan")
    data["kendall_tau_median"] = tau
    labels = [settings.label(m) for m in order]
    ax.set_xticks(range(1, k + 1), labels, rotation=30 if k > 2 else 0, ha="right" if k > 2 else "center")
    ax.set_yticks(ranks)
    ax.set_ylim(k + 0.6, 0.4)
    ax.set_xlim(0.4, k + 0.6)
    ax.set_ylabel("Rank")
    ax.grid(axis="y", alpha=0.3)
    method = table["bootstrap_method"].iloc[0].replace("_", "-") if len(table) else ""
    ax.set_title(f"{settings.metric_label(metric)}: {method}\n{samples} bootstrap samples, "
                 f"median Kendall tau {tau:.2f}", fontsize="small")
    return Drawn(figure, artists, data)


def ranking_figures(frames: Mapping[str, pd.DataFrame], out_dir: PathLike, settings: FigureSettings,
                    colors: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``ranking_blobs_{metric}`` and ``significance_map_{metric}`` (PNG and PDF) for every
    ranking metric of the compare settings, ranking the models that have the metric column (a
    classification-only model has none); nothing for a metric no model has."""
    written: list[Path] = []
    for metric in settings.compare_settings(list(frames)).ranking_metrics:
        ranked = with_columns(frames, metric)
        if not ranked:
            continue
        cmp = among(settings, list(ranked)).compare_settings(list(ranked))
        rankings = rank_metric(ranked, metric, cmp)
        blobs = plot_rank_blobs(rankings, metric, settings, colors)
        written += save_figure(blobs.figure, Path(out_dir) / f"ranking_blobs_{metric}", settings.dpi,
                               {"figure": "ranking_blobs", "metric": metric})
        significance = plot_significance_map(rankings, metric, settings)
        written += save_figure(significance.figure, Path(out_dir) / f"significance_map_{metric}", settings.dpi,
                               {"figure": "significance_map", "metric": metric})
    return written
